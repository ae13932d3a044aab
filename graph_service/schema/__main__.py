"""Write the queries generated from ``graph.yaml``: ``queries/schema.cypher`` and a load's
``queries/create_<table>.cypher`` (``python -m graph_service.schema``)."""

from __future__ import annotations

from pathlib import Path

from graph_service.queries import QUERIES_DIR
from graph_service.schema import schema_cypher
from graph_service.schema.creates import create_queries

if __name__ == "__main__":
    # run in a checkout: the package's cypher/ is the link to the repository's queries/
    for name, text in {"schema": schema_cypher(), **create_queries()}.items():
        path = Path(str(QUERIES_DIR / f"{name}.cypher"))
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
