"""What every group of CLI verbs shares: exit codes, the verb and ``--store`` builders, the
store a verb reads, who the CLI acts as (:func:`operator`), the person keyring, date
arguments, and the flag-ledger update that both ``load --update-flags`` and ``relocations
--update-ledger`` run."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from graph_service.cli.output import console
from graph_service.errors import DomainError
from graph_service.settings import get_settings

if TYPE_CHECKING:
    from graph_service.services.access import Access
    from graph_service.stores.base import GraphStore

EXIT_OK, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 2, 3

#: The demo registry ``scripts/demo`` makes (the ids in the examples are in it).
DEMO = "data/demo-20000-42"


def err_console() -> Console:
    """The console for notes and errors (stderr)."""
    return console(stderr=True)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Description paragraphs wrapped to the terminal; indented lines (lists, examples) kept."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for para in text.split("\n\n"):
            if para.startswith(" ") or "\n " in para:
                out.append(para)
            else:
                out.append(textwrap.fill(" ".join(para.split()), width, initial_indent=indent))
        return "\n\n".join(out)


def verb(
    sub: Any, name: str, summary: str, description: str, examples: Sequence[str]
) -> argparse.ArgumentParser:
    """A sub-command with a one-line ``summary`` (in the verb list), a ``description`` and
    ``examples`` (each a command line after ``python -m graph_service``) in its ``--help``."""
    lines = "\n".join(f"  python -m graph_service {e}" for e in examples)
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=f"{summary[0].upper()}{summary[1:]}.\n\n{description}",
        epilog=f"examples:\n{lines}",
        formatter_class=HelpFormatter,
    )
    return parser


def add_store(p: argparse.ArgumentParser) -> None:
    """The ``--store`` option every verb that opens the store takes."""
    p.add_argument(
        "--store",
        default=None,
        help="embedded store file, or bolt:// / neo4j:// URI (default: $GRAPH_STORE, "
        f"else {get_settings().graph_store})",
    )


def store_uri(args: argparse.Namespace) -> str:
    """The store named by ``--store``, else the setting."""
    return str(args.store or get_settings().graph_store)


class MissingStore(DomainError):
    """A verb that reads the store was given an embedded store file that does not exist."""


def existing_store(args: argparse.Namespace) -> str:
    """The store URI of a verb that reads it; raises :class:`MissingStore` for an embedded
    store file that is not there (rather than answering from an empty store)."""
    from graph_service.stores import is_neo4j_uri

    uri = store_uri(args)
    if not is_neo4j_uri(uri) and not Path(uri).is_file():
        raise MissingStore(
            f"图存储文件不存在：{uri}（先运行 scripts/demo 或 load，或用 --store 指定）",
            f"no store file {uri}: run scripts/demo or `load` first, or name it with --store",
        )
    return uri


def person_keyring() -> Any:
    """The person keyring (callers that key an ID number say so: ``note_demo_secret``)."""
    from graph_service.ids.person_key import PersonKeyring

    return PersonKeyring(get_settings().graph_person_key_secret.get_secret_value())


def operator(store: GraphStore) -> Access:
    """The local operator as the use cases see him: the OS user with the ``admin`` role (who
    holds the store holds the data; ID numbers stay masked, as for the service's admin),
    client ``cli``. What the service would audit is written to ``GRAPH_AUDIT_LOG``, with its
    checkpoint kept in ``store`` (docs/decisions.md)."""
    from graph_service.services.access import Access, Principal, local_user
    from graph_service.services.audit import AuditLog

    settings = get_settings()
    audit = AuditLog(
        settings.graph_audit_log, fsync=settings.graph_audit_fsync, anchor=store.keep_audit_anchor
    )
    return Access(
        principal=Principal(local_user(), "admin"),
        client="cli",
        audit=audit,
        keyring=person_keyring(),
    )


def today() -> str:
    """Today, ``YYYY-MM-DD`` (the default of every ``--on``)."""
    import datetime as dt

    return dt.date.today().isoformat()


def iso_date(value: str) -> str:
    """An argparse type: a ``YYYY-MM-DD`` date, or a usage error naming the value."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def update_flag_ledger(store: Any, args: argparse.Namespace, touched: Any) -> None:
    """Update the relocation flag history beside the store (``--on``, ``--level``) for what
    ``touched`` names (None: every triggering record), and say what changed on stderr."""
    from graph_service.services.flags import record_flag_history
    from graph_service.settings import flags_ledger_path

    path = flags_ledger_path(get_settings(), store_uri(args))
    update = record_flag_history(store, path, args.on, args.level, touched)
    scope = "all" if update.examined_records is None else update.examined_records
    err_console().print(
        f"flags ({args.level}, {args.on}) in {path}: {len(update.opened)} opened, "
        f"{len(update.rescored)} rescored, {len(update.ended)} ended, {update.kept} kept; "
        f"triggering records examined: {scope}"
    )
