"""What the demo adds beside the six contract files: the day each record was published
(``published_on``, for the publication deadlines of clause 十五) and a pool of inspectors
(``inspectors.csv``, for the double-random draws of clause 七).

Both are drawn from their own seeded streams (a record's from its id), so adding them changes
nothing else the generator writes.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from graph_service.synth.geo import Geography
from graph_service.synth.names import person_name

#: Share of records published within a few days (on time), late, and not published yet.
ON_TIME, LATE = 0.88, 0.09
#: Inspectors per prefecture-level city, at its market regulation bureau.
INSPECTORS_PER_CITY = 4
INSPECTOR_COLUMNS = ("inspector_id", "name", "authority", "region_prefix")


def published_on(seed: int, record_id: str, decided_on: str, generated_on: str) -> str:
    """The day a record was published on the credit website, or ``""`` (not yet).

    Most records go up 0–8 calendar days after the decision (within 7 working days, except
    across long holidays), some 10–60 days late, a few not at all; never after the day the
    registry was generated.

    >>> published_on(42, "DJD-000000001", "2025-01-28", "2026-06-30")
    '2025-02-02'
    """
    rnd = random.Random(f"published:{seed}:{record_id}")
    draw = rnd.random()
    if draw < ON_TIME:
        delay = rnd.randint(0, 8)
    elif draw < ON_TIME + LATE:
        delay = rnd.randint(10, 60)
    else:
        return ""
    day = date.fromisoformat(decided_on) + timedelta(days=delay)
    return day.isoformat() if day.isoformat() <= generated_on else ""


def write_inspectors(path: Path, seed: int, geo: Geography) -> int:
    """``inspectors.csv`` (the columns :func:`graph_service.engine.evaluation.read_inspectors`
    reads): :data:`INSPECTORS_PER_CITY` inspectors at each city's market regulation bureau,
    each limited to that city's entities. Returns the number written."""
    rnd = random.Random(f"inspectors:{seed}")
    cities: dict[str, str] = {}
    for county in geo.counties:
        cities.setdefault(county.city_code[:4], county.city_name)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(INSPECTOR_COLUMNS)
        for prefix, city in sorted(cities.items()):
            for i in range(1, INSPECTORS_PER_CITY + 1):
                male = rnd.random() < 0.5
                writer.writerow(
                    (
                        f"INS-{prefix}-{i:02d}",
                        person_name(rnd, male),
                        f"{city}市场监督管理局",
                        prefix,
                    )
                )
                n += 1
    return n
