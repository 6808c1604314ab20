"""`policy.split` against the definition it implements: statements packed in order, each
document under the limit (what AWS counts: every character but whitespace), a new document only
when the next statement would not fit, every Sid unique, nothing lost or added."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from agentpol.targets.aws.policy import render, size, split

STATEMENT = st.fixed_dictionaries({
    "Sid": st.sampled_from(["ReadA", "ReadA", "WriteB", "X"]),
    "Effect": st.just("Allow"),
    "Action": st.lists(st.sampled_from([f"s3:Get{'Object' * k}{k}" for k in range(12)]),
                       min_size=1, max_size=12, unique=True),
    "Resource": st.lists(st.sampled_from(["arn:aws:s3:::b/*", "arn:aws:s3:::c/key-*"]),
                         min_size=1, max_size=2, unique=True),
})


@settings(max_examples=500, derandomize=True)
@given(st.lists(STATEMENT, max_size=12), st.one_of(st.integers(80, 800), st.just(6144)))
def test_split_packs_in_order_under_the_limit_with_unique_sids(statements, limit):
    docs = split(statements, limit)
    packed = [s for d in docs for s in d["Statement"]]
    sids = [s["Sid"] for s in packed]
    assert len(sids) == len(set(sids))
    # nothing lost or added: the same (action, resource) pairs, in the same order of statements
    pairs = [(a, r) for s in statements for a in s["Action"] for r in s["Resource"]]
    assert [(a, r) for s in packed for a in s["Action"] for r in s["Resource"]] == pairs
    for i, doc in enumerate(docs):
        whole = size(render(doc))
        assert whole <= limit or len(doc["Statement"]) == 1
        if i + 1 < len(docs):  # the next document's first statement did not fit in this one
            grown = {**doc, "Statement": doc["Statement"] + docs[i + 1]["Statement"][:1]}
            assert size(render(grown)) > limit
