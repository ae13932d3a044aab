"""The command line (``credit-graph``, ``python -m graph_service``): the parser and the
dispatch in :mod:`graph_service.cli.main`, one module per group of verbs beside it."""

from graph_service.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
