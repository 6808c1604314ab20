"""Read the gateway's decision log and CloudTrail files one record at a time.

Both are read as streams (gzip recognised by its magic bytes, as S3 delivers CloudTrail), so
memory does not grow with a log's length. A CloudTrail file in its delivered form
(`{"Records": [...]}`) is one JSON document and is decoded whole; CloudTrail delivers such files
every few minutes per region, so each stays small. The same events as JSON lines stream.

A malformed line is counted and kept by line number; the rest is read. A file none of whose
first lines is a record of its kind is not a log at all: an input error (E050), exit 2.
"""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from agentpol.errors import Diagnostic, InputErrors
from agentpol.model import Span

#: How many non-blank lines may be unreadable before the first record, for a file still to
#: count as a log with damaged lines rather than as something else entirely.
PROBE = 20
#: Decision fields a line must carry to count (docs/audit-log.md); the others are optional.
DECISION_FIELDS = ("time", "principal", "action", "resource", "decision")
DECISIONS = frozenset({"forwarded", "shadow", "denied"})


@dataclass
class Damage:
    """Malformed lines of one file: their count and the first few line numbers with why."""

    path: str
    count: int = 0
    first: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, why: str) -> None:
        self.count += 1
        if len(self.first) < 20:
            self.first.append((line, why))


@dataclass(frozen=True)
class Decision:
    """One gateway decision (docs/audit-log.md), reduced to what `suggest` reads."""

    time: dt.datetime
    principal: str
    action: str
    resource: str
    decision: str
    policy_ids: tuple[str, ...]
    context: dict
    errors: tuple[str, ...]


def _open(path: Path) -> IO[str]:
    raw = path.open("rb")
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
    return io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")


def parse_time(value: object) -> dt.datetime:
    """RFC 3339 in UTC (`2026-01-01T12:00:00Z`, fractions and offsets accepted)."""
    if not isinstance(value, str):
        raise ValueError("time is not a string")
    when = dt.datetime.fromisoformat(value.replace("Z", "+00:00", 1) if value.endswith("Z")
                                     else value)
    if when.tzinfo is None:
        raise ValueError("time has no time zone")
    return when.astimezone(dt.timezone.utc)


def not_a_log(path: str, what: str, first_line: str) -> InputErrors:
    errs = InputErrors([Diagnostic("E050", f"not {what}", Span(path, 1, 1, 1),
                                   "give the gateway's decision log to --log and CloudTrail "
                                   "files to --cloudtrail (JSON lines or {\"Records\": [...]}, "
                                   "gzip accepted)")])
    errs.sources = {path: first_line[:200]}
    return errs


def _lines(path: Path, damage: Damage, what: str) -> Iterator[tuple[int, dict]]:
    """(line number, JSON object) of every readable line; the file must look like a log."""
    shown = str(path)
    seen_record, probed, first_line, n = False, 0, None, 0
    try:
        with _open(path) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                if first_line is None:
                    first_line = line.rstrip("\r\n")
                try:
                    obj = json.loads(line)
                except ValueError:
                    obj, why = None, "not JSON"
                else:
                    why = "not a JSON object" if not isinstance(obj, dict) else ""
                if obj is None or why:
                    if not seen_record:
                        probed += 1
                        if probed >= PROBE:
                            raise not_a_log(shown, what, first_line)
                    damage.add(n, why)
                    continue
                seen_record = True
                yield n, obj
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, OSError) as exc:
        if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
            raise
        if not seen_record:
            raise not_a_log(shown, what, first_line or "") from None
        damage.add(n + 1, f"unreadable from here on ({exc.__class__.__name__}: a truncated "
                          "or damaged file)")
        return
    if not seen_record and probed:
        raise not_a_log(shown, what, first_line or "")


def decisions(path: Path, damage: Damage) -> Iterator[tuple[int, Decision]]:
    """Every decision line of a gateway log, in file order."""
    for n, obj in _lines(path, damage, "a gateway decision log (JSON lines)"):
        try:
            yield n, _decision(obj)
        except (ValueError, TypeError, KeyError) as exc:
            damage.add(n, str(exc) or exc.__class__.__name__)


def _decision(obj: dict) -> Decision:
    missing = [k for k in DECISION_FIELDS if k not in obj]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if obj["decision"] not in DECISIONS:
        raise ValueError(f"decision {obj['decision']!r} is not forwarded, shadow or denied")
    for key in ("principal", "action", "resource"):
        if not isinstance(obj[key], str):
            raise ValueError(f"{key} is not a string")
    context = obj.get("context") or {}
    if not isinstance(context, dict):
        raise ValueError("context is not an object")
    return Decision(parse_time(obj["time"]), obj["principal"], obj["action"], obj["resource"],
                    obj["decision"], tuple(map(str, obj.get("policy_ids") or ())), context,
                    tuple(map(str, obj.get("errors") or ())))


def cloudtrail(path: Path, damage: Damage) -> Iterator[tuple[int, dict]]:
    """Every CloudTrail event of a file: `{"Records": [...]}` documents (one per line or the
    whole file) and single events as JSON lines. Line 0 with the record's index for a
    delivered file decoded whole."""
    try:
        if _whole_document(path):
            yield from _delivered(path, damage)
            return
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, ValueError):
        raise not_a_log(str(path), "a CloudTrail file", "") from None
    for n, obj in _lines(path, damage, "a CloudTrail file"):
        records = obj.get("Records")
        if isinstance(records, list):
            yield from ((n, r) for r in records if _event_ok(r, n, damage))
        elif _event_ok(obj, n, damage):
            yield n, obj


def _whole_document(path: Path) -> bool:
    """A pretty-printed delivery file: its first line is not a whole JSON value."""
    with _open(path) as f:
        for line in f:
            if line.strip():
                try:
                    json.loads(line)
                    return False
                except ValueError:
                    return line.lstrip().startswith("{")
    return False


def _delivered(path: Path, damage: Damage) -> Iterator[tuple[int, dict]]:
    with _open(path) as f:
        doc = json.load(f)
    records = doc.get("Records") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise ValueError("no Records")
    for record in records:
        if _event_ok(record, 0, damage):
            yield 0, record


def _event_ok(record: object, n: int, damage: Damage) -> bool:
    if not isinstance(record, dict) or not all(
            isinstance(record.get(k), str) for k in ("eventTime", "eventSource", "eventName")):
        damage.add(n, "not a CloudTrail event (eventTime, eventSource, eventName)")
        return False
    return True
