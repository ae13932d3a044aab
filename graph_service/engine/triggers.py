"""What a record still does on a day, as relocations (RULES §6) and notices (guideline 十二)
see it: which kinds trigger, whether a record still bites, and how firmly it holds a person
it reaches (§4).

* **Triggering kinds** are the catalogue's kinds with ``triggers_relocation: true``.
* A record **still bites** on ``d`` while it applies (:func:`timeline.record_applies`) or while
  one of its measures that lasts until lifted (a court's consumption restriction) is not
  lifted (:func:`timeline.measure_applies`) — the listing's term may end before the court lifts
  the restriction.
* A reached person is held **firmly** (``apply``) when some measure of the kind reaching
  persons applies to the way he was reached, as an **advisory** (``advise``) when they only
  advise that way (an inferred controller, a legal representative who took office between the
  offence and the decision), not at all (``none``) when every measure says so. A kind with no
  measure on persons (a tax list shows its named persons on their record, no prohibition)
  holds named persons and role holders firmly and the rest as advisories.

Example
-------
>>> from graph_service.engine.measures import catalogue
>>> "licence_revoked" in triggering_kinds()
False
>>> kind = catalogue().kind("dishonest_judgment_debtor")
>>> reach_mode(kind, "roles"), reach_mode(kind, "inferred")
('apply', 'advise')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_service.engine.measures import Catalogue, ListKind, ReachMode, ReachWay, catalogue
from graph_service.engine.timeline import RecordState, measure_applies, record_applies


def triggering_kinds(cat: Catalogue | None = None) -> tuple[str, ...]:
    """The record kinds that trigger relocation flags (``triggers_relocation: true``)."""
    cat = cat or catalogue()
    return tuple(sorted(code for code, k in cat.kinds.items() if k.triggers_relocation))


def still_bites(
    record: Mapping[str, Any],
    d: str,
    state: RecordState | None = None,
    cat: Catalogue | None = None,
) -> bool:
    """True when ``record`` applies on ``d``, or one of its measures that lasts until lifted
    still applies then."""
    cat = cat or catalogue()
    if record_applies(record, d, cat):
        return True
    lasting = [m for m in cat.kind(str(record["kind"])).measures if m.lasts == "until_lifted"]
    return any(measure_applies(record, m, d, state, cat) for m in lasting)


def reach_mode(kind: ListKind, way: ReachWay) -> ReachMode:
    """How firmly a record of ``kind`` holds a person reached ``way`` (module docstring)."""
    modes = {m.reach.get(way, "none") for m in kind.measures if m.to == "persons"}
    if not modes:
        return "apply" if way in ("named", "roles") else "advise"
    return "apply" if "apply" in modes else "advise" if "advise" in modes else "none"
