"""Command line: ``python -m graph_service VERB …`` (also installed as ``credit-graph``).

Every verb takes ``--store`` (default: env ``GRAPH_STORE``): a file path for the embedded
store, or a ``bolt://`` / ``neo4j://`` URI for Neo4j. Query verbs take ``--json``. This module
holds the parser and the dispatch; each group of verbs is a module of this package
(``load``, ``query``, ``store``, ``evaluation``, ``law``, ``serve``) that registers its verbs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.markup import escape

from graph_service.cli.common import (
    DEMO,
    EXIT_CANNOT_RUN,
    EXIT_USAGE,
    MissingStore,
    err_console,
    store_uri,
)
from graph_service.cli.evaluation import add_evaluation_verbs
from graph_service.cli.jobs import add_jobs_verbs
from graph_service.cli.law import add_law_verbs
from graph_service.cli.load import add_load_verbs, cmd_load
from graph_service.cli.query import add_query_verbs
from graph_service.cli.serve import add_serve_verbs
from graph_service.cli.store import add_store_verbs
from graph_service.errors import DomainError, StoreUnavailable
from graph_service.services.audit import AuditUnavailable

EPILOG = f"""examples (after scripts/demo, whose store is data/demo.cgraph):
  python -m graph_service check 913703022707761163 bid_tender --on 2024-06-01
  python -m graph_service info --store data/demo.cgraph
  python -m graph_service synth --entities 2000 --seed 7 --out data/reg
  python -m graph_service load data/reg --store data/reg.cgraph
  GRAPH_STORE=bolt://127.0.0.1:7687 python -m graph_service load {DEMO}

'python -m graph_service VERB --help' describes a verb, with examples.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and for the docs)."""
    parser = argparse.ArgumentParser(
        prog="credit-graph",
        description="信用联合惩戒图分析 / Graph analytics for cross-region joint punishment.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    # the order of the verb list in --help
    add_load_verbs(sub)  # synth, load
    add_query_verbs(sub)  # check, relocations, notices
    add_store_verbs(sub)  # audit-verify, export, info
    add_evaluation_verbs(sub)  # grade, sample, sample-verify, report, deadlines
    add_jobs_verbs(sub)  # jobs list, jobs run
    add_law_verbs(sub)  # measures, event
    add_serve_verbs(sub)  # serve, settings
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    from graph_service.logging import configure_logging

    configure_logging()
    try:
        code: int = args.func(args)
    except (StoreUnavailable, MissingStore) as exc:
        err_console().print(f"[red]存储不可用 / store unavailable:[/] {escape(exc.reason)}")
        if getattr(args, "func", None) is cmd_load:  # Neo4j lost mid-load: how to complete it
            err_console().print(_rerun_hint(args))
        return EXIT_CANNOT_RUN
    except AuditUnavailable as exc:  # nothing is shown or changed without its audit entry
        err_console().print(f"[red]审计日志不可写 / audit log unavailable:[/] {escape(exc.reason)}")
        return EXIT_CANNOT_RUN
    except DomainError as exc:  # bad input: what to fix is in the reason
        err_console().print(f"[red]错误 / error:[/] {escape(exc.reason)}")
        return EXIT_USAGE
    except Exception as exc:
        if not _store_lost(exc):
            raise
        err_console().print(
            f"[red]与存储的连接中断 / lost the store:[/] {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}\n{_rerun_hint(args)}"
        )
        return EXIT_CANNOT_RUN
    return code


def _store_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the store went away (Neo4j down, the connection cut)."""
    from neo4j.exceptions import DriverError, ServiceUnavailable, SessionExpired

    return isinstance(exc, ServiceUnavailable | SessionExpired | DriverError)


def _rerun_hint(args: argparse.Namespace) -> str:
    if getattr(args, "func", None) is cmd_load:
        return (
            "加载未完成；存储恢复后重新运行同一命令即可补全（已写入的批次不会重复） / the load did "
            "not finish; when the store is back, run the same command again to complete it "
            f"(batches written already change nothing): python -m graph_service load "
            f"{args.directory} --store {store_uri(args)}"
        )
    return "存储恢复后重试 / retry when the store is back"


if __name__ == "__main__":
    sys.exit(main())
