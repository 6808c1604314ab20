"""Every AWS resource type x access word, one agent each: golden identity policies, and each
checked against the IAM catalogue and parliament on its own."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agentpol.catalogue.aws_access import valid_words
from agentpol.model import AWS_TYPES, ACCESS_WORDS
from agentpol.targets.aws import emit
from aws_fixture import SHAPES, agent_name, types_source
from aws_policy_checks import catalogue_problems, star_problems
from helpers import model_from

GOLDEN = Path(__file__).parent / "golden" / "types"
CASES = [(ref, word) for ref in SHAPES for word in ACCESS_WORDS[ref.split(".")[0]]]


@pytest.fixture(scope="module")
def files():
    return emit(model_from(types_source(ACCESS_WORDS)))


def _allows(files, ref, word):
    doc = json.loads(files[f"aws/staging/{agent_name(ref, word)}/identity-policy.json"])
    return [st for st in doc["Statement"] if st["Effect"] == "Allow"]


def test_fixture_covers_every_aws_type_and_word():
    assert {ref.split(".")[0] for ref in SHAPES} == AWS_TYPES
    for rtype in AWS_TYPES:
        assert valid_words(rtype) == ACCESS_WORDS[rtype]


def test_each_words_statements_match_golden(files, golden):
    """One golden file per (type shape, word): the Allow statements its identity policy holds
    (the guards every role carries are pinned by the acme golden files)."""
    golden(GOLDEN, {f"{agent_name(ref, word)}.json": json.dumps(_allows(files, ref, word), indent=2)
                    + "\n" for ref, word in CASES})


@pytest.mark.parametrize(("ref", "word"), CASES, ids=[agent_name(*c) for c in CASES])
def test_each_word_grants_its_catalogue_actions_and_nothing_else(files, ref, word):
    allows = _allows(files, ref, word)
    assert allows, "a word grants something"
    doc = {"Version": "2012-10-17", "Statement": allows}
    assert catalogue_problems(doc) == []
    assert star_problems(doc) == []
    # Sids name the source statement: line, word, type, name
    rtype, name = ref.split(".")
    camel = "".join(p.capitalize() for p in rtype.split("_"))
    assert all(st["Sid"].startswith(f"{word.capitalize()}{camel}")
               for st in allows if st["Resource"] != ["*"])


def test_only_ecr_needs_an_action_on_star(files):
    star = {agent_name(ref, word) for ref, word in CASES
            for st in _allows(files, ref, word) if st["Resource"] == ["*"]}
    assert star == {"ecr_repository-images-pull", "ecr_repository-images-push"}
    (st,) = [st for st in _allows(files, "ecr_repository.images", "pull") if st["Resource"] == ["*"]]
    assert st == {"Sid": "ActionsWithoutResourceScope", "Effect": "Allow",
                  "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]}


def test_the_boundary_allows_every_granted_action_on_its_resource_type(files):
    """The boundary is by action and resource type: each granted (action, ARN) is covered by
    the boundary's pattern for that type, and it allows no action nobody was granted."""
    boundary = json.loads(files[f"aws/staging/{agent_name(*CASES[0])}/permissions-boundary.json"])
    ceiling = {(a, r) for st in boundary["Statement"] if st["Effect"] == "Allow"
               for a in st["Action"] for r in st["Resource"]}
    granted = {(a, r) for ref, word in CASES for st in _allows(files, ref, word)
               for a in st["Action"] for r in st["Resource"]}
    for action, arn in granted:
        assert any(a == action and _glob(r).fullmatch(arn) for a, r in ceiling), (action, arn)
    assert {a for a, _ in ceiling} == {a for a, _ in granted}


def _glob(pattern: str) -> re.Pattern:
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))