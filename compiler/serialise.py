"""JSON and YAML text exactly as `json.dumps` and `yaml.dump` write it, several times faster.

Compiling 1,000 agents writes about 100 MB of indented JSON and YAML; the standard encoders
spent most of emit's time there (`json.dumps` has no C path for indented output; PyYAML's
representer is pure Python even over libyaml). `dumps` asks orjson and keeps its text where
it is the standard library's (ASCII, no DEL: `json.dumps` escapes both), which is every document
without floats; a float is spelled the shortest way that reads back the same (`1e-7`, where
`json.dumps` writes `1e-07`), and no target writes one (a test pins both). `yaml_dump` writes
the block layout libyaml's emitter writes for the shapes the targets dump, and hands anything
else to libyaml. Tests compare both with the standard encoders on random documents. Imports
nothing of the project: targets and the driver both use it.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import orjson
import yaml

def dumps(obj: Any, *, indent: bool = True, sort_keys: bool = False) -> str:
    """`json.dumps(obj, indent=2, sort_keys=...)`, or with `separators=(",", ":")` when not
    `indent`: the same text, floats aside."""
    option = (orjson.OPT_INDENT_2 if indent else 0) | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        raw = orjson.dumps(obj, option=option)
    except TypeError:  # orjson.JSONEncodeError: a non-str key, an int past 64 bits, ...
        raw = b"\x80"
    if raw.isascii() and b"\x7f" not in raw:
        return raw.decode("ascii")
    if indent:
        return json.dumps(obj, indent=2, sort_keys=sort_keys)
    return json.dumps(obj, separators=(",", ":"), sort_keys=sort_keys)


#: libyaml's emitter where PyYAML was built with it: what the targets' YAML always went
#: through, and the oracle of `yaml_dump`.
_BASE = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_RESOLVER = yaml.resolver.Resolver()  # the safe dumper's implicit tags
_STR = "tag:yaml.org,2002:str"
_PRINTABLE = re.compile(r"[\x20-\x7e]*")


class Rendered:
    """A value whose YAML text is worked out once for each place it is written at (the
    emitter's indent and position there) and reused by every document that holds it: the
    egress rules an org's agents share, written thousands of times. Its containers must appear
    nowhere else in a document that holds it (the same `Rendered` twice in one document is a
    shared container, which libyaml writes with an anchor, as `yaml_dump` then does)."""

    __slots__ = ("value", "_texts")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._texts: dict[tuple, tuple[str, int, bool, bool]] = {}


class _Dumper(_BASE):  # type: ignore[valid-type,misc]
    """libyaml's safe dumper, writing a `Rendered` as its value."""


_Dumper.add_representer(Rendered, lambda dumper, r: dumper.represent_data(r.value))


class _Unusual(Exception):
    """Something `_Emitter` leaves to libyaml: a float, a shared container, a string it would
    double-quote or write as a complex key, an empty document."""


def yaml_dump(doc: Any, width: int = 100) -> str:
    """`yaml.dump(doc, Dumper=CSafeDumper, sort_keys=False, default_flow_style=False,
    width=width)` of a mapping: the same text. The block layout of libyaml's emitter (its
    indents, indentless sequences in mappings, `[]`/`{}` for empty ones, plain or
    single-quoted scalars chosen as its scalar analysis chooses, long values folded at a
    space past `width`), written directly; anything else goes to libyaml itself."""
    if type(doc) is dict and doc:
        try:
            emitter = _Emitter(width)
            emitter.mapping(doc, -1)
            return "".join(emitter.out) + "\n"
        except _Unusual:
            pass
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=width)


class _Emitter:
    """libyaml's block emitter (`yaml_emitter_emit_block_*`, `write_indent`, `write_indicator`,
    `write_plain`, `write_single_quoted`) for dicts, lists, str, int, bool and None."""

    def __init__(self, width: int) -> None:
        self.out: list[str] = []
        self.width = width
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.seen: set[int] = set()

    def indent(self, indent: int) -> None:
        if not self.indention or self.column > indent or (
                self.column == indent and not self.whitespace):
            self.out.append("\n")
            self.column = 0
        if self.column < indent:
            self.out.append(" " * (indent - self.column))
            self.column = indent
        self.whitespace = self.indention = True

    def indicator(self, text: str, need_whitespace: bool, is_whitespace: bool,
                  is_indention: bool) -> None:
        if need_whitespace and not self.whitespace:
            self.out.append(" ")
            self.column += 1
        self.out.append(text)
        self.column += len(text)
        self.whitespace = is_whitespace
        self.indention = self.indention and is_indention

    def node(self, data: Any, parent: int, in_mapping: bool) -> None:
        kind = type(data)
        if kind is Rendered:
            self.rendered(data, parent, in_mapping)
        elif kind is dict or kind is list:
            if id(data) in self.seen:  # libyaml would write an anchor and an alias
                raise _Unusual
            self.seen.add(id(data))
            if not data:
                self.indicator("{" if kind is dict else "[", True, True, False)
                self.indicator("}" if kind is dict else "]", False, False, False)
            elif kind is dict:
                self.mapping(data, parent)
            else:
                indent = parent if in_mapping and not self.indention else parent + 2
                for item in data:
                    self.indent(indent)
                    self.indicator("-", True, False, True)
                    self.node(item, indent, False)
        elif kind is str:
            self.scalar(data, _style(data, False), parent + 2, True)
        elif kind is bool:
            self.scalar("true" if data else "false", "", parent + 2, True)
        elif kind is int:
            self.scalar(str(data), "", parent + 2, True)
        elif data is None:
            self.scalar("null", "", parent + 2, True)
        else:
            raise _Unusual

    def rendered(self, data: Rendered, parent: int, in_mapping: bool) -> None:
        """The emitter's output depends on its state and the node alone: the text written
        from this state before, and the state it left, are this node's text and end state."""
        if id(data) in self.seen:
            raise _Unusual
        self.seen.add(id(data))
        where = (self.width, parent, in_mapping, self.column, self.whitespace, self.indention)
        done = data._texts.get(where)
        if done is None:
            sub = _Emitter(self.width)
            sub.column, sub.whitespace, sub.indention = self.column, self.whitespace, self.indention
            sub.node(data.value, parent, in_mapping)
            done = data._texts[where] = ("".join(sub.out), sub.column, sub.whitespace,
                                         sub.indention)
        text, self.column, self.whitespace, self.indention = done
        self.out.append(text)

    def mapping(self, data: dict, parent: int) -> None:
        indent = parent + 2 if parent >= 0 else 0
        for key, value in data.items():
            if type(key) is not str:
                raise _Unusual
            self.indent(indent)
            if _style(key, True):
                self.scalar(key, "'", indent + 2, False)
                self.indicator(":", False, False, False)
            else:  # a plain key right after the indent, then the `:` indicator
                self.out.append(key + ":")
                self.column += len(key) + 1
                self.whitespace = self.indention = False
            self.node(value, indent, True)

    def scalar(self, text: str, style: str, indent: int, breaks: bool) -> None:
        """`write_plain` (style "") or `write_single_quoted` (style "'"); `breaks`: a value,
        which may fold at a single space once the line is past the width."""
        if style:
            self.indicator("'", True, False, False)
        elif not self.whitespace and text:
            self.out.append(" ")
            self.column += 1
        body = text.replace("'", "''") if style else text
        if not breaks or " " not in text or self.column + len(body) <= self.width:
            self.out.append(body)
            self.column += len(body)
        else:
            self.folded(text, style, indent)
        if style:
            self.indicator("'", False, False, False)
        self.whitespace = self.indention = False

    def folded(self, text: str, quoted: str, indent: int) -> None:
        """libyaml's character loop, a run of spaces or of other characters at a time: only
        a single space (not the last of a quoted scalar) breaks, once the line is past the
        width."""
        last = len(text) - 1
        for m in _RUNS.finditer(text):
            run = m.group()
            if run[0] == " ":
                if len(run) == 1 and self.column > self.width and (not quoted
                                                                   or 0 < m.start() < last):
                    self.indent(indent)
                    continue
            else:
                if quoted:
                    run = run.replace("'", "''")
                self.indention = False
            self.out.append(run)
            self.column += len(run)


_RUNS = re.compile(r" +|[^ ]+")


@lru_cache(maxsize=1 << 16)
def _style(text: str, key: bool) -> str:
    """libyaml's choice for a str scalar (`yaml_emitter_select_scalar_style` over
    `yaml_emitter_analyze_scalar`): "" plain, "'" single-quoted; `_Unusual` for what it would
    double-quote, and for a key it could not write as a simple one."""
    if not _PRINTABLE.fullmatch(text) or (key and len(text) > 128):
        raise _Unusual  # a line break, tab or non-ASCII character: double-quoted or unusual
    if not text:
        return "'" if key else _implicit_style(text)
    return "" if _block_plain(text) and _implicit_style(text) == "" else "'"


def _implicit_style(text: str) -> str:
    """Plain when the text reads back as a string, else quoted (`yes`, `53`, `null`, `''`)."""
    return "" if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR else "'"


def _block_plain(text: str) -> bool:
    """libyaml's `block_plain_allowed` for a non-empty printable ASCII line."""
    if text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    after = text[1] if len(text) > 1 else " "
    first = text[0]
    if first in "#,[]{}&*!|>'\"%@`" or (first in "?:-" and after == " "):
        return False
    return ": " not in text and " #" not in text and not text.endswith(":")
