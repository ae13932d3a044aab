"""CLI verbs that run the service: ``serve`` (the REST API and the page) and ``settings`` (the
environment it reads)."""

from __future__ import annotations

import argparse
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


def cmd_serve(args: argparse.Namespace) -> int:
    """``serve``: run the REST API and the investigator page on the store."""
    import uvicorn

    from graph_service.api.app import create_app

    app = create_app(store_uri=existing_store(args))
    # log_config=None: uvicorn's loggers go to the structured handler main() installed
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=None)
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
            "serve --store data/demo.graph --port 8000",
            "serve --store bolt://127.0.0.1:7687 --host 0.0.0.0 --port 8080",
        ],
    )
    add_store(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
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
