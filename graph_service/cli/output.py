"""How the command line writes: to a terminal at the terminal's width, to a pipe or a file
without wrapping (a line stays one line, an id is never split), and the demo-secret note at
most once per process.

>>> console().width > 0
True
"""

from __future__ import annotations

import sys
from functools import cache

from rich.console import Console

from graph_service.settings import DEV_SECRET, get_settings

#: Width given to output that is not a terminal: wide enough that nothing wraps.
PIPE_WIDTH = 100_000


def console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr): the terminal's width on a terminal; on a pipe or a
    file no wrapping at all (``soft_wrap``) and tables as wide as their content."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty()
    return Console(
        stderr=stderr, width=PIPE_WIDTH if piped else None, soft_wrap=piped, highlight=False
    )


@cache
def note_demo_secret() -> None:
    """Say once per process (on stderr) that person keys use the demo secret, when
    ``GRAPH_PERSON_KEY_SECRET`` is unset. Called only where an ID number is keyed."""
    if get_settings().graph_person_key_secret.get_secret_value() == DEV_SECRET:
        console(stderr=True).print(
            "[yellow]注意 / note:[/] GRAPH_PERSON_KEY_SECRET is not set; person keys use the "
            "demo secret. Set it in production: person keys depend on it."
        )
