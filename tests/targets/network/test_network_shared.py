"""The formats write what does not name the subject once per allowlist (cached by value):
every principal's files are the ones made with nothing cached, in whatever order the
principals come; and an allowlist is a value (same destinations, reasons and order)."""
from __future__ import annotations

from dataclasses import replace

from agentpol.model import Destination as Dest
from agentpol.targets._netpolicy import cilium, kubernetes, squid
from agentpol.targets._netpolicy.destinations import Allowlist
from agentpol.targets.network import claude, emit, principal_files, sandbox
from helpers import model_from
from network_fixture import SOURCE

#: Agents sharing a profile (one allowlist), one with an egress of its own, names of every
#: length (the YAML folds long lines) and an agent whose name is not a DNS label.
SHARED = "\n".join(f'''agent {name} {{ owner = "t@acme.com"
  in staging {{ use crew
    {extra} }} }}''' for name, extra in [
    ("a", ""), ("bb", ""), ("x" * 60, ""), ("Odd_Name", ""),
    ("own", 'egress "hooks.slack.com:443"')]) + '''
profile crew { egress "api.openai.com:443", "*.corp.example:8443", "10.1.2.0/24:5432" }
'''


def _cold() -> None:
    for module in (cilium, kubernetes, squid, sandbox, claude):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def test_each_principals_files_are_those_made_with_nothing_cached(acme_model):
    for model in (acme_model, model_from(SOURCE), model_from(SHARED)):
        _cold()
        warm = emit(model)
        backwards = replace(model, principals=dict(reversed(model.principals.items())))
        _cold()
        assert emit(backwards) == warm
        for p in model.principals.values():
            _cold()
            for path, text in principal_files(model, p).items():
                assert warm[path] == text, path


def test_an_allowlist_is_a_value():
    a, b = Dest("domain", "a.com", 443), Dest("ip", "10.0.0.1", 22)
    one = Allowlist((a, b), {a: ("read x",)})
    assert one == Allowlist((a, b), {a: ["read x"], Dest("domain", "c.com", 1): ("y",)})
    assert hash(one) == hash(Allowlist((a, b), {a: ("read x",)}))
    assert one != Allowlist((b, a), {a: ("read x",)})  # the order is what the files list
    assert one != Allowlist((a, b), {a: ("read y",)})
    assert one != Allowlist((a, b))
    assert (one.reasons(a), one.reasons(b)) == ("read x", "declared egress")
