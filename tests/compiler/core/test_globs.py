"""`globs_meet` (a token walk, after a cheap test of the patterns' literal ends) against a
brute-force oracle, for every pair of patterns of up to three characters: some short string
matches both, as each syntax reads them."""
from __future__ import annotations

import itertools
import re

import pytest

from agentpol.globs import globs_meet

#: A letter, a separator, and the characters one syntax reads as wildcards and the other as
#: literal text (`?` is literal to Vault, `+` to IAM).
LETTERS = "a/?+"
PATTERNS = ["".join(t) for n in range(4) for t in itertools.product(LETTERS + "*", repeat=n)]
#: A common string of two patterns of up to three characters, if there is one, is no longer
#: than both together.
STRINGS = ["".join(t) for n in range(7) for t in itertools.product(LETTERS, repeat=n)]


def _matched(pattern: str, syntax: str) -> frozenset[str]:
    wild = {"*": ".*", "?": "."} if syntax == "iam" else {"*": ".*", "+": "[^/]+"}
    regex = re.compile("".join(wild.get(ch, re.escape(ch)) for ch in pattern), re.DOTALL)
    return frozenset(s for s in STRINGS if regex.fullmatch(s))


@pytest.mark.parametrize("syntax", ["iam", "vault"])
def test_globs_meet_is_some_common_string(syntax):
    matched = {p: _matched(p, syntax) for p in PATTERNS}
    wrong = [(p, q) for p, q in itertools.product(PATTERNS, repeat=2)
             if globs_meet.__wrapped__(p, q, syntax) != bool(matched[p] & matched[q])]
    assert not wrong, wrong[:10]
