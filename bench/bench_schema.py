"""Creating the graph schema's constraints and indexes on a loaded graph (issue 12 item 2):
one statement at a time, as the store once did, against all of them in one transaction, as
``Neo4jStore.ensure_schema`` does now — each followed by ``db.awaitIndexes`` (a load is done
when its indexes are online).

    python bench/bench_schema.py --uri bolt://127.0.0.1:7687 --rounds 2

Drops and recreates the schema of the database it is given: run it on a benchmark graph
(``bench_neo4j_load.py --keep`` or ``load --bulk``), never on one that serves.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import neo4j

from bench.common import machine, table
from graph_service.queries import cypher, statements

_NAME = re.compile(r"^CREATE (INDEX|CONSTRAINT) (\w+)")


def _drop(driver: neo4j.Driver) -> None:
    for stmt in statements("schema"):
        m = _NAME.match(stmt)
        if m:
            query = cypher("drop_constraint" if m.group(1) == "CONSTRAINT" else "drop_index")
            driver.execute_query(query, {"name": m.group(2)})


def _create(driver: neo4j.Driver, together: bool) -> float:
    start = time.perf_counter()
    stmts = statements("schema")
    with driver.session() as session:
        if together:

            def work(tx: neo4j.ManagedTransaction) -> None:
                for s in stmts:
                    tx.run(s).consume()

            session.execute_write(work)
        else:
            for s in stmts:
                session.run(s).consume()
        session.run(cypher("await_indexes"), seconds=3600).consume()
    return time.perf_counter() - start


def main() -> None:
    """Time both ways, alternating, ``--rounds`` times each."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--uri", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    driver = neo4j.GraphDatabase.driver(args.uri, auth=None)
    rows: list[dict[str, object]] = []
    for r in range(args.rounds):
        for together in (False, True):
            _drop(driver)
            s = _create(driver, together)
            how = "one transaction" if together else "one by one"
            rows.append({"round": r + 1, "created": how, "seconds incl. awaitIndexes": f"{s:.1f}"})
            print(rows[-1], flush=True)
    driver.close()
    print(machine())
    print(table(rows))


if __name__ == "__main__":
    main()
