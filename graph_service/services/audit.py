"""The audit log: append-only, hash-chained JSON lines.

Clause 十七 of the guideline: 严肃查处违规泄露、篡改信用信息.

Every access to a person's data and every change to a record (or to an API key) appends one
line::

    {"seq": 7, "at": "2025-05-01T09:30:00.123+00:00", "user": "wang.li",
     "role": "investigator", "action": "person.profile", "what": {"person_keys": ["…"]},
     "from": "10.1.2.3", "prev": "<hash of line 6>", "hash": "<hash of this line>"}

``hash`` is SHA-256 over the line's canonical JSON without ``hash`` (keys sorted, no spaces),
which includes ``prev``: changing, removing or inserting any line breaks the chain at that
line, and :func:`verify_chain` names the first line that does not fit. Writers take an
exclusive ``flock`` and read the previous hash from the file itself, so several processes can
share one log. Keep a copy of ``last_hash`` from time to time (or the log on write-once
storage): a chain cannot show that lines were cut off its end.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from graph_service.errors import ServiceUnavailable

log = logging.getLogger("graph_service.audit")

GENESIS = "0" * 64
#: The action of the entry that seals torn lines.
SEAL = "audit.seal"
FIELDS = ("seq", "at", "user", "role", "action", "what", "from", "prev", "hash")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 of an entry's canonical JSON, ``hash`` left out."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _last_line(fh: BinaryIO) -> bytes:
    """The last complete line of an open binary file (b"" if empty)."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    if end == 0:
        return b""
    pos, chunk, buf = end, 4096, b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        fh.seek(pos)
        buf = fh.read(step) + buf
        stripped = buf.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return buf.rstrip(b"\n")


class AuditUnavailable(ServiceUnavailable):
    """The audit log cannot be written: the request is refused (503) and nothing changes."""


#: Called with (log path, seq, hash) after each append: keeps a checkpoint outside the log.
Anchor = Callable[[str, int, str], None]


def _is_entry(raw: bytes) -> dict[str, Any] | None:
    """The entry a whole line holds, or None for a torn or foreign line."""
    if not raw.endswith(b"\n"):
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    if isinstance(entry, dict) and isinstance(entry.get("seq"), int) and "hash" in entry:
        return entry
    return None


def _torn_tail(fh: BinaryIO) -> tuple[dict[str, Any] | None, int, list[bytes]]:
    """The last whole entry, its 1-based line number and the torn or foreign lines after it
    (the file ends in a newline by then)."""
    fh.seek(0)
    last: dict[str, Any] | None = None
    last_line, torn = 0, list[bytes]()
    for n, raw in enumerate(fh, start=1):
        entry = _is_entry(raw)
        if entry is not None:
            last, last_line, torn = entry, n, []
        else:
            torn.append(raw)
    return last, last_line, torn


@dataclass(slots=True)
class _Pending:
    """An entry asked for and not yet written: what it says, then the entry written or the
    error that stopped it."""

    fields: tuple[str, str, str, Mapping[str, Any], str | None]
    entry: dict[str, Any] | None = None
    error: Exception | None = None


class AuditLog:
    """Appends entries to the chained log at ``path``.

    A torn or foreign tail (a crash mid-write, a line typed into the file) is sealed: an
    ``audit.seal`` entry names its lines and their SHA-256, and the chain goes on from the
    last whole entry. ``anchor`` is told every new (seq, hash) (the app keeps them in the
    store). :meth:`append` raises :class:`AuditUnavailable` when the entry cannot be written.

    Entries asked for at once by several threads are written together (a group commit):
    the thread that gets to write writes every entry waiting, under one ``flock`` and one
    fsync; each caller still returns only once its own entry is on disk. ``anchor`` (a write
    to the store: a round trip) is told the last entry after the lock is let go, so the next
    group is written meanwhile; one checkpoint is written at a time, and while one is, later
    groups only note theirs and the writer goes on with the latest (the checkpoint keeps the
    highest ``seq``): a lone caller's entry is checkpointed before it returns.
    """

    def __init__(
        self,
        path: Path,
        *,
        fsync: bool = True,
        on_append: Callable[[], None] | None = None,
        anchor: Anchor | None = None,
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.on_append = on_append
        self.anchor = anchor
        self._lock = threading.Lock()  # held by the thread writing
        self._waiting_lock = threading.Lock()
        self._waiting: list[_Pending] = []
        self._anchor_lock = threading.Lock()
        self._anchor_next: tuple[int, str] | None = None  # the last entry not yet checkpointed
        self._anchoring = False  # a thread is writing checkpoints

    def append(
        self,
        *,
        user: str,
        role: str,
        action: str,
        what: Mapping[str, Any],
        client: str | None,
    ) -> dict[str, Any]:
        """Append one entry (fsynced) and return it (with its ``seq`` and ``hash``)."""
        mine = _Pending((user, role, action, what, client))
        with self._waiting_lock:
            self._waiting.append(mine)
        with self._lock:
            wrote = mine.entry is None and mine.error is None  # not in a group written meanwhile
            last = self._write_waiting() if wrote else None
        if last is not None:
            self._checkpoint(last)
        if mine.entry is None:
            exc = mine.error
            if not isinstance(exc, OSError | ValueError):
                raise exc or RuntimeError("audit entry not written")
            log.error("audit log %s cannot be written: %s", self.path, exc)
            raise AuditUnavailable(
                "审计日志无法写入，请求已拒绝，未作任何更改",
                f"the audit log cannot be written ({type(exc).__name__}); the request was "
                "refused and nothing was changed or shown",
            ) from exc
        if self.on_append is not None:
            self.on_append()
        return mine.entry

    def _write_waiting(self) -> dict[str, Any] | None:
        """Write every entry waiting (the caller holds ``_lock``); the last, to checkpoint."""
        with self._waiting_lock:
            group, self._waiting = self._waiting, []
        try:
            entries = self._append([p.fields for p in group])
        except Exception as exc:  # each caller of the group raises it
            for p in group:
                p.error = exc
            return None
        for p, entry in zip(group, entries, strict=True):
            p.entry = entry
        return entries[-1]

    def _checkpoint(self, last: Mapping[str, Any]) -> None:
        """Tell ``anchor`` the latest entry written, unless a thread is at it (it goes on
        with the latest when its write returns)."""
        if self.anchor is None:
            return
        with self._anchor_lock:
            if self._anchor_next is None or self._anchor_next[0] < last["seq"]:
                self._anchor_next = (last["seq"], last["hash"])
            if self._anchoring:
                return
            self._anchoring = True
        try:
            while True:
                with self._anchor_lock:
                    latest, self._anchor_next = self._anchor_next, None
                    if latest is None:
                        self._anchoring = False
                        return
                try:
                    self.anchor(str(self.path.resolve()), *latest)
                except Exception as exc:  # the entries are written; it is a second copy
                    log.warning("audit checkpoint not kept in the store: %s", exc)
        except BaseException:
            with self._anchor_lock:
                self._anchoring = False
            raise

    def _append(
        self, group: list[tuple[str, str, str, Mapping[str, Any], str | None]]
    ) -> list[dict[str, Any]]:
        """Write ``group``'s entries, chained, under one lock and one fsync."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                if not _ends_with_newline(fh):
                    fh.write(b"\n")  # a write cut off: its line is ended, then sealed
                last = _last_line(fh)
                prev_entry = _is_entry(last + b"\n") if last else None
                lines = b""
                if last and (prev_entry is None or _blank_tail(fh)):
                    prev_entry = self._seal(fh)
                    lines = _line(prev_entry)
                prev = str(prev_entry["hash"]) if prev_entry else GENESIS
                seq = int(prev_entry["seq"]) + 1 if prev_entry else 1
                entries = []
                for at, (user, role, action, what, client) in enumerate(group):
                    entries.append(_entry(seq + at, user, role, action, what, client, prev))
                    prev = entries[-1]["hash"]
                fh.seek(0, os.SEEK_END)
                fh.write(lines + b"".join(_line(e) for e in entries))
                fh.flush()
                if self.fsync:
                    os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return entries

    def _seal(self, fh: BinaryIO) -> dict[str, Any]:
        """The seal entry for the torn or foreign lines after the last whole entry."""
        last, last_line, torn = _torn_tail(fh)
        prev = str(last["hash"]) if last else GENESIS
        seq = int(last["seq"]) + 1 if last else 1
        seal = _entry(seq, "system", "system", SEAL, _seal_what(last_line, torn), None, prev)
        log.warning(
            "audit log %s: sealed %d torn line(s) after line %d", self.path, len(torn), last_line
        )
        return seal


def _ends_with_newline(fh: BinaryIO) -> bool:
    fh.seek(0, os.SEEK_END)
    if fh.tell() == 0:
        return True
    fh.seek(-1, os.SEEK_END)
    return fh.read(1) == b"\n"


def _blank_tail(fh: BinaryIO) -> bool:
    """Whether the file ends in an empty line (foreign: every entry is one whole line)."""
    fh.seek(0, os.SEEK_END)
    if fh.tell() < 2:
        return False
    fh.seek(-2, os.SEEK_END)
    return fh.read(2) == b"\n\n"


def _seal_what(last_line: int, torn: list[bytes]) -> dict[str, Any]:
    return {
        "lines": [last_line + 1, last_line + len(torn)],
        "bytes": sum(len(x) for x in torn),
        "sha256": hashlib.sha256(b"".join(torn)).hexdigest(),
        "reason": "torn or foreign lines sealed (a write cut off?)",
    }


def _entry(
    seq: int,
    user: str,
    role: str,
    action: str,
    what: Mapping[str, Any],
    client: str | None,
    prev: str,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "seq": seq,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "user": user,
        "role": role,
        "action": action,
        "what": dict(what),
        "from": client,
        "prev": prev,
    }
    entry["hash"] = entry_hash(entry)
    return entry


def _line(entry: Mapping[str, Any]) -> bytes:
    return (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What :func:`verify_chain` found."""

    ok: bool
    #: Entries that verified (all of them when ``ok``).
    entries: int
    #: Hash of the last entry that verified (keep a copy to detect a cut-off end later).
    last_hash: str
    #: 1-based line number of the first entry that does not fit the chain.
    first_bad_line: int | None = None
    #: Its ``seq`` when it could be read.
    first_bad_seq: int | None = None
    reason_zh: str = ""
    reason_en: str = ""

    @property
    def reason(self) -> str:
        """Bilingual reason (empty when the chain is whole)."""
        return f"{self.reason_zh} / {self.reason_en}" if self.reason_zh else ""

    def to_dict(self) -> dict[str, Any]:
        """As JSON for the CLI and the admin endpoint."""
        return asdict(self) | {"reason": self.reason}


def verify_chain(path: Path | str, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Check every line of the audit log at ``path``; name the first one that was changed,
    removed, inserted or is not an entry. Torn lines sealed by an ``audit.seal`` entry are
    passed over. ``anchor`` is the (seq, hash) checkpoint kept outside the log: a log that
    does not reach it, or holds another entry at that seq, was cut off, replaced or deleted."""
    path = Path(path)
    prev, count = GENESIS, 0
    prev_before = GENESIS
    at_anchor: str | None = None
    torn: list[tuple[int, bytes]] = []

    def bad(line_no: int, seq: int | None, zh: str, en: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            entries=count,
            last_hash=prev,
            first_bad_line=line_no,
            first_bad_seq=seq,
            reason_zh=f"审计日志第{line_no}行：{zh}",
            reason_en=f"audit log line {line_no}: {en}",
        )

    def torn_line() -> VerifyResult:
        line_no, raw = torn[0]
        if not raw.endswith(b"\n"):
            return bad(
                line_no,
                None,
                "最后一行不完整（可能在写入时中断）",
                "the last line is incomplete (cut off while being written?)",
            )
        return bad(line_no, None, "不是审计记录（JSON无法解析）", "not an entry (not JSON)")

    line_no = 0
    if path.exists():
        with path.open("rb") as fh:
            for line_no, raw in enumerate(fh, start=1):
                try:
                    entry = json.loads(raw)
                    if not isinstance(entry, dict):
                        raise ValueError("not an object")
                except ValueError:
                    torn.append((line_no, raw))
                    continue
                if torn:
                    if not _seals(entry, torn):
                        return torn_line()
                    torn = []
                seq = entry.get("seq") if isinstance(entry.get("seq"), int) else None
                missing = [f for f in FIELDS if f not in entry]
                if missing:
                    return bad(
                        line_no,
                        seq,
                        f"缺少字段{'、'.join(missing)}",
                        f"fields missing: {', '.join(missing)}",
                    )
                if entry_hash(entry) != entry["hash"]:
                    return bad(
                        line_no,
                        seq,
                        "内容被修改（哈希不符）",
                        "content was changed (hash mismatch)",
                    )
                if entry["prev"] != prev:
                    if seq == count + 1 and count > 0:
                        # in sequence, yet not chained: the line before was rewritten whole
                        # (its hash recomputed), since this line still names its old hash
                        return replace(
                            bad(
                                line_no - 1,
                                seq - 1,
                                "内容被改写（哈希已被重算，与下一条记录不衔接）",
                                "was rewritten (its hash recomputed; the next entry names its "
                                "old hash)",
                            ),
                            entries=count - 1,
                            last_hash=prev_before,
                        )
                    return bad(
                        line_no,
                        seq,
                        "与上一条记录不衔接：其前有记录被删除或插入",
                        "does not follow the entry before it: entries before it were removed "
                        "or inserted",
                    )
                if seq != count + 1:
                    return bad(
                        line_no,
                        seq,
                        f"序号应为{count + 1}，实为{entry['seq']}",
                        f"seq should be {count + 1}, is {entry['seq']}",
                    )
                prev_before = prev
                prev, count = str(entry["hash"]), count + 1
                if anchor is not None and seq == anchor[0]:
                    at_anchor = prev
    if torn:
        return torn_line()
    if anchor is not None and anchor[0] > 0:
        seq_a, hash_a = anchor
        if at_anchor is None:
            return bad(
                line_no + 1,
                seq_a,
                f"日志止于第{count}条，但存储中的检查点为第{seq_a}条：日志末尾被截断或日志被删除",
                f"the log ends at entry {count} but the store's checkpoint names entry {seq_a}: "
                "entries were cut off its end, or the log was deleted",
            )
        if at_anchor != hash_a:
            return bad(
                seq_a,
                seq_a,
                f"第{seq_a}条与存储中的检查点不符：日志被替换",
                f"entry {seq_a} differs from the store's checkpoint: the log was replaced",
            )
    return VerifyResult(ok=True, entries=count, last_hash=prev)


def _seals(entry: Mapping[str, Any], torn: list[tuple[int, bytes]]) -> bool:
    """Whether ``entry`` is the seal of exactly the ``torn`` lines."""
    what = entry.get("what")
    if entry.get("action") != SEAL or not isinstance(what, dict):
        return False
    body = b"".join(raw for _, raw in torn)
    return bool(
        what.get("lines") == [torn[0][0], torn[-1][0]]
        and what.get("sha256") == hashlib.sha256(body).hexdigest()
    )
