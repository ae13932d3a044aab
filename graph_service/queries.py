"""Named, parameterised Cypher, one query per file in the repository's ``queries/`` folder.

Code asks for a query by name; user input only ever reaches a query as a parameter.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
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
