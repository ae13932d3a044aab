"""Loading into Neo4j: our loader (validation, keyed IDs, idempotent batched MERGE) against the
ceiling of the same files through plain ``LOAD CSV … CREATE`` (no validation, no idempotency),
in the same run, as nodes/s and relationships/s and a ratio (issue 3).

    scripts/neo4j-local start           # NEO4J_HEAP=4g for 1M entities
    python bench/bench_neo4j_load.py --sizes 100000 --uri bolt://127.0.0.1:7687

Only runs against the project's own test server (the database must carry the test marker or be
empty): it wipes the database between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neo4j import Driver, GraphDatabase

from bench.common import OUT, ROOT, machine, table, timed
from graph_service.ids.person_key import PersonKeyring
from graph_service.queries import cypher
from graph_service.settings import get_settings
from graph_service.stores.neo4j import Neo4jStore
from graph_service.synth import generate
from loaders.bulk import bulk_load
from loaders.load import load_directory

SECRET = "bench-secret"  # the same as bench_load.py, so the other benchmarks can reuse
FILES = ("entities", "persons", "registrations", "roles", "shareholdings", "records")
#: The import folder of the server scripts/neo4j-local runs (same NEO4J_LOCAL_HOME as it).
IMPORT_DIR = Path(os.environ.get("NEO4J_LOCAL_HOME", ROOT / ".cache" / "neo4j")) / "import"


def wipe(driver: Driver) -> None:
    """Empty the test database (the suite's marker stays)."""
    with driver.session() as s:
        s.run(cypher("wipe_test_database")).consume()  # type: ignore[arg-type]


def counts(driver: Driver) -> tuple[int, int]:
    """Nodes (the marker aside) and relationships."""
    nodes = driver.execute_query(
        "MATCH (n) WHERE NOT n:CreditGraphTestDatabase RETURN count(n) AS n"
    )[0][0]["n"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n")[0][0]["n"]
    return nodes, rels


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--uri", default="bolt://127.0.0.1:7687")
    parser.add_argument(
        "--keep", action="store_true", help="leave our load in the database (for other benches)"
    )
    parser.add_argument("--no-reload", action="store_true", help="skip the unchanged reload")
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="also time load --bulk (neo4j-admin import through NEO4J_IMPORT_COMMAND: the "
        "server of scripts/neo4j-local with the same NEO4J_LOCAL_HOME and NEO4J_BOLT_PORT)",
    )
    parser.add_argument(
        "--no-incremental", action="store_true", help="skip the incremental load and reload"
    )
    args = parser.parse_args()
    driver = GraphDatabase.driver(args.uri, auth=None)
    marked = driver.execute_query(cypher("test_database_marker"))[0][0]["marked"]  # type: ignore[arg-type]
    if not marked:
        sys.exit(f"{args.uri} holds data that is not the test suite's: refusing to wipe it")

    results = []
    for n in args.sizes:
        data = OUT / f"load-{n}-{args.seed}"
        if not (data / "truth.json").exists():
            generate(data, entities=n, seed=args.seed, progress=True)
        wipe(driver)
        IMPORT_DIR.mkdir(parents=True, exist_ok=True)
        for f in FILES:
            shutil.copy(data / f"{f}.csv", IMPORT_DIR / f"{f}.csv")
        store = Neo4jStore(args.uri, driver=driver)  # constraints and indexes, for both runs
        ceiling_s = 0.0
        for f in FILES:
            text = (ROOT / "bench" / "cypher" / f"ceiling_{f}.cypher").read_text(encoding="utf-8")
            with driver.session() as session:
                _, s = timed(lambda t=text, x=session: x.run(t).consume())  # type: ignore[misc]
            ceiling_s += s
        c_nodes, c_rels = counts(driver)
        wipe(driver)
        ours_s = reload_s = bulk_s = float("nan")
        bulk_phases: dict[str, float] = {}
        nodes = rels = 0
        if not args.no_incremental:
            _, ours_s = timed(partial(load_directory, data, store, PersonKeyring(SECRET)))
            nodes, rels = counts(driver)
            if not args.no_reload:
                _, reload_s = timed(
                    partial(load_directory, data, store, PersonKeyring(SECRET), progress=False)
                )
            wipe(driver)
        if args.bulk:
            store.close()
            bulk_report, bulk_s = timed(
                partial(
                    bulk_load,
                    data,
                    args.uri,
                    PersonKeyring(SECRET),
                    import_command=get_settings().neo4j_import_command,
                )
            )
            bulk_phases = bulk_report.phases
            driver.close()
            driver = GraphDatabase.driver(args.uri, auth=None)
            nodes, rels = counts(driver)
        if not args.keep:
            wipe(driver)
        with driver.session() as session:
            session.run(cypher("test_database_marker")).consume()  # type: ignore[arg-type]
        results.append(
            {
                "entities": n,
                "nodes": nodes,
                "relationships": rels,
                "ceiling_s": round(ceiling_s, 1),
                "ceiling_nodes": c_nodes,
                "ceiling_rels": c_rels,
                "incremental_s": round(ours_s, 1),
                "incremental_vs_ceiling": round(ours_s / ceiling_s, 2),
                "reload_unchanged_s": round(reload_s, 1),
                "reload_vs_ceiling": round(reload_s / ceiling_s, 2),
                "bulk_s": round(bulk_s, 1),
                "bulk_vs_ceiling": round(bulk_s / ceiling_s, 2),
                "bulk_phases": bulk_phases,
            }
        )
        print(json.dumps(results[-1]), flush=True)
    driver.close()
    print(f"\nMachine: {machine()}\n")
    print(table(results))


if __name__ == "__main__":
    main()
