"""Structured logs for the CLI and the service: one line per event, as ``key=value`` pairs
(the default, for people reading a terminal) or as JSON (for a log collector).

Every line carries ``at`` (UTC, ISO 8601), ``level``, ``logger`` and ``msg``; fields passed
with ``extra=`` come after them, so a log line can be filtered by field::

    at=2025-05-01T09:30:00.123Z level=info logger=graph_service.exports msg="table written" \
table=entities rows=3000
    {"at": "2025-05-01T09:30:00.123Z", "level": "info", "logger": "graph_service.exports",
     "msg": "table written", "table": "entities", "rows": 3000}

The format and level come from the settings ``GRAPH_LOG_FORMAT`` (``kv`` or ``json``) and
``GRAPH_LOG_LEVEL`` (for this project's and uvicorn's loggers; other libraries log from
WARNING up); :func:`configure_logging` installs one handler on the root logger (the service's
uvicorn loggers propagate to it), and calling it again replaces that handler.

Example
-------
>>> import logging
>>> configure_logging("json", "INFO")                                 # doctest: +SKIP
>>> logging.getLogger("graph_service").info("loaded", extra={"rows": 3})  # doctest: +SKIP
{"at": "…", "level": "info", "logger": "graph_service", "msg": "loaded", "rows": 3}
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any, Literal, TextIO

from graph_service.ids.resident_id import mask_id_numbers

LogFormat = Literal["kv", "json"]
#: Loggers that log at ``GRAPH_LOG_LEVEL``; every other logger from WARNING up.
OWN_LOGGERS = ("graph_service", "loaders", "uvicorn", "uvicorn.error", "uvicorn.access")
LOG_FORMATS: tuple[LogFormat, ...] = ("kv", "json")

#: Attributes every LogRecord has: anything else on a record came from ``extra=``.
_EXTRA_STANDARD = {"message", "asctime", "color_message", "taskName"}
_STANDARD = (
    frozenset(logging.LogRecord("x", 20, "x", 0, "x", None, None).__dict__) | _EXTRA_STANDARD
)
_PLAIN = re.compile(r"^[^\s=\"\\]+$")


def _when(record: logging.LogRecord) -> str:
    stamp = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The fields of a log line, in order: at, level, logger, msg, then the ``extra`` ones.
    Resident ID numbers in the message and in text fields are masked."""
    out: dict[str, Any] = {
        "at": _when(record),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": mask_id_numbers(record.getMessage()),
    }
    for name, value in record.__dict__.items():
        if name not in _STANDARD and not name.startswith("_") and name not in out:
            out[name] = mask_id_numbers(value) if isinstance(value, str) else value
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line (non-ASCII kept as is; other values as their ``str``)."""

    def format(self, record: logging.LogRecord) -> str:
        out = fields_of(record)
        if record.exc_info:
            out["exc"] = mask_id_numbers(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def kv_value(value: Any) -> str:
    """A value as it appears after ``key=``: bare when plain, else JSON-quoted."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if text and _PLAIN.match(text):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """``key=value`` pairs on one line (logfmt); values with spaces or quotes are quoted."""

    def format(self, record: logging.LogRecord) -> str:
        out = fields_of(record)
        if record.exc_info:
            out["exc"] = mask_id_numbers(self.formatException(record.exc_info))
        return " ".join(f"{k}={kv_value(v)}" for k, v in out.items())


def formatter(fmt: LogFormat) -> logging.Formatter:
    """The formatter for ``fmt`` (``kv`` or ``json``)."""
    if fmt == "json":
        return JsonFormatter()
    if fmt == "kv":
        return KeyValueFormatter()
    raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {fmt!r}")


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` installs (recognised to replace it). Without a
    stream of its own it writes to whatever ``sys.stderr`` is when a record comes (a test
    runner or a notebook may swap it)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._follow_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow_stderr:
            self.stream = sys.stderr
        super().emit(record)


def configure_logging(
    fmt: LogFormat | None = None, level: str | int | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record to ``stream`` (default stderr) as ``fmt`` lines at ``level``.

    ``fmt`` and ``level`` default to the settings ``GRAPH_LOG_FORMAT`` and
    ``GRAPH_LOG_LEVEL``. The uvicorn loggers of the service are made to propagate here, so
    access lines are structured too. Returns the installed handler.
    """
    if fmt is None or level is None:
        from graph_service.settings import get_settings

        settings = get_settings()
        fmt = fmt or settings.graph_log_format
        level = level or settings.graph_log_level
    handler = _Handler(stream)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    wanted = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(wanted, int):
        raise ValueError(f"not a log level: {level!r}")
    # Other libraries (the Neo4j driver's schema notifications …) only from WARNING up.
    root.setLevel(max(wanted, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(wanted)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
