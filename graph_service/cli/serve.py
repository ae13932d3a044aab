"""CLI verbs that run the service: ``serve`` (the REST API and the page) and ``settings`` (the
environment it reads)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from graph_service.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_store,
    err_console,
    existing_store,
    verb,
)
from graph_service.settings import get_settings

#: The app factory each worker process imports when there are several (uvicorn spawns them).
WORKER_FACTORY = "graph_service.api.app:worker_app"
#: Seconds uvicorn's supervisor waits for a worker to answer its health ping before it kills
#: and respawns it (uvicorn's default: 5). A worker opening a 1M-entity store holds the GIL
#: for seconds at a time in single C calls, and on a busy machine longer than 5 s: with the
#: default the supervisor killed every worker during start-up, over and over (seen at load 10).
WORKER_HEALTHCHECK_SECONDS = 120


def cmd_serve(args: argparse.Namespace) -> int:
    """``serve``: run the REST API and the investigator page on the store, in ``--workers``
    processes (one: in this process)."""
    import uvicorn

    from graph_service.api.transport import HTTP_PROTOCOL

    uri = existing_store(args)
    if args.workers < 1:
        err_console().print("[red]--workers must be at least 1[/]")
        return EXIT_USAGE
    err_console().print(
        f"serving {uri} on http://{args.host}:{args.port}/ with {args.workers} worker"
        f"{'s' if args.workers > 1 else ''} (/metrics counts each worker's own requests)"
    )
    # log_config=None: uvicorn's loggers go to the structured handler main() installed (a
    # worker process installs its own in worker_app)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "http": HTTP_PROTOCOL,
        "log_level": "info",
        "log_config": None,
    }
    if args.workers == 1:
        from graph_service.api.app import create_app

        uvicorn.run(create_app(store_uri=uri), **options)
        return EXIT_OK
    # Several processes share the listening socket; each builds its app from the environment
    # (the store's URI goes there), so the workers are configured alike.
    os.environ["GRAPH_STORE"] = uri
    uvicorn.run(
        WORKER_FACTORY,
        factory=True,
        workers=args.workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **options,
    )
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    """``settings``: list the settings and their defaults, or validate them (``--check``)."""
    from graph_service.settings import Settings, check_settings

    if args.check:
        problems = check_settings(get_settings())
        for p in problems:
            err_console().print(f"[red]配置错误 / configuration:[/] {p}")
        return EXIT_USAGE if problems else EXIT_OK
    for name, f in Settings.model_fields.items():
        print(f"{name.upper():<28} {f.description}  (default: {f.default!r})")
    return EXIT_OK


def add_serve_verbs(sub: Any) -> None:
    """Register ``serve`` and ``settings``."""
    p = verb(
        sub,
        "serve",
        "serve the REST API and the investigator page",
        "The page is at /, the API documentation at /docs and /redoc (served offline).",
        [
            "serve --store data/demo.cgraph --port 8000",
            "serve --store bolt://127.0.0.1:7687 --host 0.0.0.0 --port 8080",
            "serve --store data/demo.cgraph --workers 1",
        ],
    )
    add_store(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: the number of cores); the audit log, ledgers, jobs "
        "and keys file are shared through file locks, /metrics is per worker",
    )
    p.set_defaults(func=cmd_serve)

    p = verb(
        sub,
        "settings",
        "list the environment settings and their defaults",
        "Every setting is read from the environment (GRAPH_…); --check validates them.",
        ["settings", "settings --check"],
    )
    p.add_argument(
        "--check", action="store_true", help="validate the settings in force (exit 2 if wrong)"
    )
    p.set_defaults(func=cmd_settings)
