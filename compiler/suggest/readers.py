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
DECISIONS = frozenset({"forwarded", "shadow", "denied"})
_decode = json.JSONDecoder().raw_decode  # one JSON value per line, no wrapper per call


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


@dataclass(slots=True)
class Decision:
    """One gateway decision (docs/audit-log.md), reduced to what `suggest` reads."""

    time: dt.datetime
    principal: str
    action: str
    resource: str
    decision: str
    policy_ids: list
    context: dict
    errors: list


def _open(path: Path) -> IO[str]:
    raw = path.open("rb")
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream: IO[bytes] = (gzip.GzipFile(fileobj=raw)  # type: ignore[assignment]
                         if magic == b"\x1f\x8b" else raw)
    return io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")


def parse_time(value: object) -> dt.datetime:
    """RFC 3339 (`2026-01-01T12:00:00Z`, fractions and offsets accepted), as UTC."""
    if not isinstance(value, str):
        raise ValueError("time is not a string")
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError("time has no time zone")
    return when if when.tzinfo is dt.timezone.utc else when.astimezone(dt.timezone.utc)


def not_a_log(path: str, what: str) -> InputErrors:
    return InputErrors([Diagnostic("E050", f"not {what}", Span(path, 1, 1, 1),
                                   "give the gateway's decision log to --log and CloudTrail "
                                   "files to --cloudtrail (JSON lines or {\"Records\": [...]}, "
                                   "gzip accepted)")], {path: _first_line(Path(path))})


def _first_line(path: Path) -> str:
    """The file's first line as text (at most 200 characters), for the caret display."""
    try:
        with _open(path) as f:
            f.reconfigure(errors="replace")  # type: ignore[attr-defined]
            return f.readline(200).rstrip("\r\n")
    except (OSError, EOFError):
        return ""


class _Probe:
    """Records that fail before the first good one: PROBE of them, or a file of nothing but
    them, and the file is no log of this kind at all."""

    def __init__(self, path: Path, what: str):
        self.path, self.what, self.good, self.bad = path, what, False, 0

    def fail(self) -> None:
        if not self.good:
            self.bad += 1
            if self.bad >= PROBE:
                raise not_a_log(str(self.path), self.what)

    def end(self) -> None:
        if not self.good and self.bad:
            raise not_a_log(str(self.path), self.what)


def _lines(path: Path, damage: Damage, probe: _Probe) -> Iterator[tuple[int, dict]]:
    """(line number, JSON object) of every readable line."""
    n = 0
    try:
        with _open(path) as f:
            for n, line in enumerate(f, 1):
                try:
                    obj, end = _decode(line)
                except ValueError:  # a blank line, leading blanks, or no JSON at all
                    if not line.strip():
                        continue
                    obj, why = _loads(line)
                else:
                    why = "not JSON" if end != len(line) - 1 and line[end:].strip() else ""
                if not why and type(obj) is not dict:
                    why = "not a JSON object"
                if why:
                    probe.fail()
                    damage.add(n, why)
                    continue
                yield n, obj
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, OSError) as exc:
        if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
            raise
        if not probe.good:
            raise not_a_log(str(path), probe.what) from None
        damage.add(n + 1, f"unreadable from here on ({exc.__class__.__name__}: a truncated "
                          "or damaged file)")


def _loads(line: str) -> tuple[object, str]:
    """The slow path: a line with leading blanks, or not JSON at all."""
    try:
        return json.loads(line), ""
    except ValueError:
        return None, "not JSON"


def decisions(path: Path, damage: Damage) -> Iterator[tuple[int, Decision]]:
    """Every decision line of a gateway log, in file order."""
    probe = _Probe(path, "a gateway decision log (JSON lines)")
    for n, obj in _lines(path, damage, probe):
        try:
            record = _decision(obj)
        except (ValueError, TypeError) as exc:
            probe.fail()
            damage.add(n, str(exc) or exc.__class__.__name__)
            continue
        probe.good = True
        yield n, record
    probe.end()


def _decision(obj: dict) -> Decision:
    try:
        time, principal, action, resource, decision = (obj["time"], obj["principal"],
                                                       obj["action"], obj["resource"],
                                                       obj["decision"])
    except KeyError as missing:
        raise ValueError(f"missing {missing}") from None
    if decision not in DECISIONS:
        raise ValueError(f"decision {decision!r} is not forwarded, shadow or denied")
    if type(principal) is not str or type(action) is not str or type(resource) is not str:
        raise ValueError("principal, action and resource must be strings")
    context = obj.get("context") or {}
    ids, errors = obj.get("policy_ids") or [], obj.get("errors") or []
    if type(context) is not dict or type(ids) is not list or type(errors) is not list:
        raise ValueError("context must be an object, policy_ids and errors lists")
    return Decision(parse_time(time), principal, action, resource, decision,
                    [str(x) for x in ids] if ids else ids, context, errors)


def cloudtrail(path: Path, damage: Damage) -> Iterator[tuple[int, dict]]:
    """Every CloudTrail event of a file: `{"Records": [...]}` documents (one per line or the
    whole file) and single events as JSON lines. Line 0 for a delivered file decoded whole."""
    probe = _Probe(path, "a CloudTrail file")
    try:
        whole = _whole_document(path)
        if whole:
            records = _delivered(path)
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, ValueError):
        raise not_a_log(str(path), probe.what) from None
    if whole:
        yield from ((0, r) for r in records if _event_ok(r, 0, damage, probe))
        probe.end()
        return
    for n, obj in _lines(path, damage, probe):
        held = obj.get("Records")
        if isinstance(held, list):
            yield from ((n, r) for r in held if _event_ok(r, n, damage, probe))
        elif _event_ok(obj, n, damage, probe):
            yield n, obj
    probe.end()


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


def _delivered(path: Path) -> list:
    with _open(path) as f:
        doc = json.load(f)
    records = doc.get("Records") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise ValueError("no Records")
    return records


def _event_ok(record: object, n: int, damage: Damage, probe: _Probe) -> bool:
    if not isinstance(record, dict) or not all(
            isinstance(record.get(k), str) for k in ("eventTime", "eventSource", "eventName")):
        probe.fail()
        damage.add(n, "not a CloudTrail event (eventTime, eventSource, eventName)")
        return False
    probe.good = True
    return True
