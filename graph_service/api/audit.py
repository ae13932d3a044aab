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
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

GENESIS = "0" * 64
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


class AuditLog:
    """Appends entries to the chained log at ``path``."""

    def __init__(
        self, path: Path, *, fsync: bool = True, on_append: Callable[[], None] | None = None
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.on_append = on_append
        self._lock = threading.Lock()

    def append(
        self,
        *,
        user: str,
        role: str,
        action: str,
        what: Mapping[str, Any],
        client: str | None,
    ) -> dict[str, Any]:
        """Append one entry and return it (with its ``seq`` and ``hash``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                last = _last_line(fh)
                if last:
                    prev_entry = json.loads(last)
                    prev, seq = str(prev_entry["hash"]), int(prev_entry["seq"]) + 1
                else:
                    prev, seq = GENESIS, 1
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
                line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
                fh.seek(0, os.SEEK_END)
                fh.write(line.encode("utf-8"))
                fh.flush()
                if self.fsync:
                    os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        if self.on_append is not None:
            self.on_append()
        return entry


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


def verify_chain(path: Path | str) -> VerifyResult:
    """Check every line of the audit log at ``path``; name the first one that was changed,
    removed, inserted or is not an entry. A missing file is an empty, whole chain."""
    path = Path(path)
    prev, count = GENESIS, 0
    prev_before = GENESIS
    if not path.exists():
        return VerifyResult(ok=True, entries=0, last_hash=GENESIS)

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

    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            complete = raw.endswith(b"\n")
            try:
                entry = json.loads(raw)
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
            except ValueError:
                if not complete:
                    return bad(
                        line_no,
                        None,
                        "最后一行不完整（可能在写入时中断）",
                        "the last line is incomplete (cut off while being written?)",
                    )
                return bad(line_no, None, "不是审计记录（JSON无法解析）", "not an entry (not JSON)")
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
                    line_no, seq, "内容被修改（哈希不符）", "content was changed (hash mismatch)"
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
                            "was rewritten (its hash recomputed; the next entry names its old "
                            "hash)",
                        ),
                        entries=count - 1,
                        last_hash=prev_before,
                    )
                return bad(
                    line_no,
                    seq,
                    "与上一条记录不衔接：其前有记录被删除或插入",
                    "does not follow the entry before it: entries before it were removed or "
                    "inserted",
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
    return VerifyResult(ok=True, entries=count, last_hash=prev)
