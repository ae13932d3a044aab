"""Named, parameterised Cypher, one query per file in the repository's ``queries/`` folder.

Code asks for a query by name; user input only ever reaches a query as a parameter. The files
are read as the package's resources (``graph_service/cypher`` links to ``queries/``, and the
wheel carries the files), so a plain install finds them as a source checkout does.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

QUERIES_DIR = files("graph_service") / "cypher"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def cypher(name: str) -> str:
    """The text of ``queries/NAME.cypher``."""
    if not _NAME.match(name):
        raise ValueError(f"not a query name: {name!r}")
    path = QUERIES_DIR / f"{name}.cypher"
    if not path.is_file():
        raise FileNotFoundError(f"no query {name} in {QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """A multi-statement file (``schema``) split on semicolons, comments dropped."""
    body = "\n".join(
        line for line in cypher(name).splitlines() if not line.lstrip().startswith("//")
    )
    return [s.strip() for s in body.split(";") if s.strip()]


_TYPE = re.compile(r"^[A-Z][A-Z_]*$")
#: Where a query takes its relationship type (see :func:`with_type`).
TYPE_SLOT = ":REL_TYPE]"


def with_type(name: str, rtype: str) -> str:
    """``queries/NAME.cypher`` with its relationship type slot (``[r:REL_TYPE]``) filled: the
    one place a name is put into Cypher text. Cypher takes no parameter for a type in a
    pattern, and a pattern listing every type then filtering would read them all. The caller
    passes a type of the graph model; anything but upper-case letters and ``_`` is refused."""
    if not _TYPE.match(rtype):
        raise ValueError(f"not a relationship type: {rtype!r}")
    text = cypher(name)
    if TYPE_SLOT not in text:
        raise ValueError(f"query {name} has no relationship type slot")
    return text.replace(TYPE_SLOT, f":`{rtype}`]")
