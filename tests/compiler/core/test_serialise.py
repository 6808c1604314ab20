"""`serialise.dumps` and `yaml_dump` write exactly what `json.dumps` and `yaml.dump` write: a
brute-force oracle (the standard encoders) on random documents, including the strings YAML
quotes or folds and the JSON the fast path must hand back (non-ASCII, DEL, big ints). Floats
are the one difference `dumps` allows (the shortest spelling): no target writes one."""
from __future__ import annotations

import json

import yaml
from hypothesis import given, settings, strategies as st

from agentpol.serialise import Rendered, dumps, yaml_dump

TRICKY = st.sampled_from([
    "", " ", "yes", "No", "on", "null", "~", "1.0", "0x1F", "1e3", "2026-12-07", "-", "- a",
    ":", "a: b", "#x", "x #y", "'q'", '"q"', "*.s3.amazonaws.com", "*", "@at", "!tag", "%x",
    "a\nb", "tab\there", "é", "\u007f", "\x01", "${var}", "[x]", "{x}", "?", "|", ">",
    "api.openai.com:443, corp.s3.us-east-1.amazonaws.com:443, " * 4, "x" * 120,
])
TEXT = st.one_of(TRICKY, st.text(max_size=30), st.from_regex(r"[a-z0-9.:/@*-]{1,40}",
                                                              fullmatch=True))
LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), TEXT)
DOC = st.recursive(LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(TEXT, inner, max_size=5)), max_leaves=30)


@settings(max_examples=400, derandomize=True)
@given(DOC, st.booleans())
def test_dumps_is_json_dumps(doc, sort_keys):
    assert dumps(doc, sort_keys=sort_keys) == json.dumps(doc, indent=2, sort_keys=sort_keys)
    assert dumps(doc, indent=False, sort_keys=sort_keys) == json.dumps(
        doc, separators=(",", ":"), sort_keys=sort_keys)


def test_dumps_hands_back_what_orjson_spells_differently():
    for doc in [["é"], {"é": 1}, "\u007f", {1: "int key"}, 2**70]:
        assert dumps(doc) == json.dumps(doc, indent=2), doc


def test_floats_read_back_the_same():
    for f in [1e-07, 6.103515625e-05, 0.1, 1e22, -0.0]:
        assert json.loads(dumps([f])) == [f]


#: What the targets dump: a mapping.
YAML_DOC = st.dictionaries(TEXT, st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=25), max_size=4)


@settings(max_examples=400, derandomize=True)
@given(YAML_DOC)
def test_yaml_dump_is_the_safe_dumpers_text(doc):
    assert yaml_dump(doc) == _yaml(doc)


def test_yaml_dump_of_shared_containers_and_floats_is_the_safe_dumpers():
    shared = {"a": 1}
    for doc in [{"x": shared, "y": shared}, {"f": 1.5, "g": [0.1, 1e-07]}]:
        assert yaml_dump(doc) == _yaml(doc)


#: Long values with single and double spaces and quotes: where libyaml folds a line.
PROSE = st.lists(st.sampled_from(["a", "bb", "it's", " ", "  ", "x" * 23, "'", "#", ":", "-"]),
                 min_size=10, max_size=70).map("".join)


@settings(max_examples=400, derandomize=True)
@given(st.dictionaries(TEXT, st.one_of(PROSE, st.lists(PROSE, max_size=3),
                                       st.dictionaries(TEXT, PROSE, max_size=3)),
                       min_size=1, max_size=3), st.sampled_from([20, 40, 100]))
def test_long_values_fold_where_libyaml_folds_them(doc, width):
    assert yaml_dump(doc, width) == _yaml(doc, width)


#: A value that stands for the shared one in `test_a_rendered_value_is_written_as_its_value`.
SLOT = "<shared>"
HOLDER = st.dictionaries(TEXT, st.recursive(
    st.one_of(st.just(SLOT), st.none(), st.integers(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=12), min_size=1, max_size=3)


@settings(max_examples=400, derandomize=True)
@given(st.lists(HOLDER, min_size=1, max_size=4),
       st.one_of(YAML_DOC, st.lists(st.one_of(TEXT, PROSE), max_size=3), PROSE),
       st.sampled_from([20, 100]))
def test_a_rendered_value_is_written_as_its_value(holders, value, width):
    """One `Rendered` in several documents, at random places (once, or more than once in one
    document, which libyaml writes with an anchor): every document's text is the text of the
    document holding the value itself, whatever was written before it."""
    shared = Rendered(value)
    for holder in holders:
        assert yaml_dump(_put(holder, shared), width) == _yaml(_put(holder, value), width)


def _put(doc, value):
    """`doc` with every SLOT replaced by `value` (the same object each time)."""
    if doc == SLOT:
        return value
    if type(doc) is dict:
        return {k: _put(v, value) for k, v in doc.items()}
    if type(doc) is list:
        return [_put(v, value) for v in doc]
    return doc


def test_a_rendered_value_follows_the_column_it_is_written_at():
    long = "word " * 12 + "end"
    shared = Rendered(long)
    for key in ("a", "a-much-longer-key"):
        assert yaml_dump({key: shared}, 20) == _yaml({key: long}, 20)


def _yaml(doc, width: int = 100) -> str:
    """The oracle: PyYAML's safe dumper over libyaml where it has it, as the targets used it
    (libyaml and PyYAML's own emitter differ in corners such as an empty key; the network
    target's tests hold its real files to the pure-Python one too)."""
    return yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     default_flow_style=False, width=width)


def test_no_target_writes_a_float(acme_model):
    from agentpol import artifacts
    from agentpol.pipeline import targets
    floats = []
    for path, text in artifacts.build(acme_model, targets(), list(targets())).items():
        if path.endswith(".json"):
            json.loads(text, parse_float=lambda s, path=path: floats.append((path, s)))
    assert floats == []
