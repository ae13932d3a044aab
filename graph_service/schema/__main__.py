"""Write ``queries/schema.cypher`` from ``graph.yaml``: ``python -m graph_service.schema``."""

from __future__ import annotations

from pathlib import Path

from graph_service.queries import QUERIES_DIR
from graph_service.schema import schema_cypher

if __name__ == "__main__":
    # run in a checkout: the package's cypher/ is the link to the repository's queries/
    path = Path(str(QUERIES_DIR / "schema.cypher"))
    path.write_text(schema_cypher(), encoding="utf-8")
    print(f"wrote {path}")
