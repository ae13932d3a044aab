"""Entry point: a seeded synthetic national registry in the contract's file format.

The registry is generated in chunks of :data:`CHUNK_SIZE` entities. Each chunk reseeds the
random streams from (seed, chunk number), writes its background entities and then the cases
planted in it; rows go straight to disk, so memory stays flat whatever the size.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from graph_service.synth.background import generate_background
from graph_service.synth.days import iso
from graph_service.synth.geo import geography
from graph_service.synth.identifiers import IdentifierFactory
from graph_service.synth.plant import Planter, plan_cases
from graph_service.synth.publication import write_inspectors
from graph_service.synth.sink import CsvSink
from graph_service.synth.truth import Truth
from graph_service.synth.world import World

CHUNK_SIZE = 50_000
MIN_ENTITIES = 500
MIN_YEARS = 6
_OLDEST_BIRTH = date(1950, 1, 1)
_YOUNGEST_BIRTH = date(2000, 12, 31)


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What :func:`generate` wrote."""

    out_dir: Path
    seed: int
    entities: int
    persons: int
    roles: int
    shareholdings: int
    registrations: int
    records: int
    truth_path: Path
    #: Rows of ``inspectors.csv``, the demo's inspector pool (for ``sample --inspectors``).
    inspectors: int
    #: Planted cases per pattern (see :mod:`graph_service.synth.truth`).
    cases: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (paths as strings)."""
        out = asdict(self)
        out["out_dir"] = str(self.out_dir)
        out["truth_path"] = str(self.truth_path)
        return out


def generate(
    out_dir: Path,
    entities: int,
    seed: int,
    *,
    start: date = date(2012, 1, 1),
    end: date = date(2026, 6, 30),
    progress: bool = True,
) -> SynthSummary:
    """Write a synthetic registry of ``entities`` entities and its ``truth.json`` to ``out_dir``.

    Parameters
    ----------
    out_dir:
        Directory for ``entities.csv``, ``persons.csv``, ``roles.csv``, ``shareholdings.csv``,
        ``registrations.csv``, ``records.csv`` (with ``published_on``), ``inspectors.csv``
        (an inspector pool) and ``truth.json`` (created if missing; existing files are
        overwritten).
    entities:
        Number of entities, at least :data:`MIN_ENTITIES`.
    seed:
        Non-negative seed: the same seed, size and window give byte-identical files.
    start, end:
        Window of registration, office and decision dates (at least :data:`MIN_YEARS` long).
        ``end`` is also the as-of date written as ``generated_on``.
    progress:
        Show a progress bar on stderr.

    Returns
    -------
    SynthSummary
        Row counts per file, the planted cases per pattern and the path of ``truth.json``.

    Example
    -------
    >>> from pathlib import Path
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     summary = generate(Path(tmp), 1000, 7, progress=False)
    >>> summary.entities
    1000
    """
    if entities < MIN_ENTITIES:
        raise ValueError(f"entities must be at least {MIN_ENTITIES}, got {entities}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    if (end - start).days < MIN_YEARS * 365:
        raise ValueError(f"the window {start}..{end} is shorter than {MIN_YEARS} years")
    began = time.perf_counter()
    out_dir = Path(out_dir)
    source = f"synth:seed={seed}"
    youngest = min(_YOUNGEST_BIRTH, date(start.year - 18, start.month, 1))
    ids = IdentifierFactory(seed, _OLDEST_BIRTH, youngest)
    chunks = math.ceil(entities / CHUNK_SIZE)
    sizes = [entities // chunks + (1 if c < entities % chunks else 0) for c in range(chunks)]
    plans = plan_cases(entities, chunks)
    truth = Truth()
    with (
        CsvSink(out_dir, source) as sink,
        tqdm(total=entities, unit=" entities", disable=not progress, smoothing=0.1) as bar,
    ):
        world = World(
            seed=seed,
            start=start.toordinal(),
            end=end.toordinal(),
            sink=sink,
            geo=geography(),
            ids=ids,
        )
        planter = Planter(world, truth)
        for c in range(chunks):
            planted = plans[c]
            background = sizes[c] - sum(p.size for p in planted)
            world.reseed(f"background:{c}")
            generate_background(world, background, first=c == 0, tick=bar.update)
            world.reseed(f"planted:{c}")
            for plan in planted:
                planter.plant(plan)
            bar.update(sizes[c] - background)
        counts = dict(sink.counts)
    if counts["entities"] != entities:  # a planning error, never a user error
        raise AssertionError(f"wrote {counts['entities']} entities, expected {entities}")
    inspectors = write_inspectors(out_dir / "inspectors.csv", seed, world.geo)
    truth_path = out_dir / "truth.json"
    truth.write(
        truth_path,
        {
            "seed": seed,
            "entities": entities,
            "generated_on": iso(end.toordinal()),
            "start": iso(start.toordinal()),
            "end": iso(end.toordinal()),
            "source": source,
        },
    )
    return SynthSummary(
        out_dir=out_dir,
        seed=seed,
        entities=counts["entities"],
        persons=counts["persons"],
        roles=counts["roles"],
        shareholdings=counts["shareholdings"],
        registrations=counts["registrations"],
        records=counts["records"],
        truth_path=truth_path,
        inspectors=inspectors,
        cases=truth.counts(),
        seconds=round(time.perf_counter() - began, 3),
    )
