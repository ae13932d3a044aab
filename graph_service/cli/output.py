"""How the command line writes: to a terminal at the terminal's width, to a pipe or a file
without wrapping (a line stays one line, an id is never split), the demo-secret note at most
once per process, and the plain-text form of a check's findings (``check``).

>>> console().width > 0
True
"""

from __future__ import annotations

import sys
from functools import cache

from rich.console import Console

from graph_service.engine.models import CheckResult, Finding
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


_KINDS = (
    ("prohibitions", "禁止 / prohibitions", "red"),
    ("considerations", "考量因素 / considerations", "yellow"),
    ("advisories", "提示（须认定） / advisories", "cyan"),
)


def print_findings(out: Console, result: CheckResult) -> None:
    """Each finding under its kind: measure, basis, explanation and the dated path."""
    for attr, title, colour in _KINDS:
        findings: list[Finding] = getattr(result, attr)
        if not findings:
            continue
        out.print(f"[{colour}]{title}[/]")
        for f in findings:
            out.print(f"  • [{f.measure.id}] {f.measure.zh} / {f.measure.en}")
            out.print(f"    依据 / basis: {f.measure.basis}")
            out.print(f"    {f.explanation_zh}")
            out.print(f"    {f.explanation_en}")
            if f.advisory_reason:
                out.print(f"    {f.advisory_reason}")
            if f.until:
                out.print(f"    至 / until: {f.until}")
            for step in f.path:
                extra = step.role or (f"{step.percent:g}%" if step.percent is not None else "")
                dates = f"{step.start_date or ''}..{step.end_date or ''}"
                out.print(
                    f"      {step.type:<8} {step.from_name or step.from_id} → "
                    f"{step.to_name or step.to_id} {extra} {dates} (source: {step.source})"
                )
