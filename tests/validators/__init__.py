"""Real validators for agentpol's emitted files, for use in tests.

Each module wraps the software (or the published schema) that consumes one kind of artifact and
exposes `validate_X(path_or_text) -> list[str]`: the problems found, empty when accepted. Tools
that are missing raise `ValidatorUnavailable` naming the install step (`.ci/install-validators.sh`);
they are never skipped silently.

    from validators.kubernetes import validate_networkpolicy
    assert validate_networkpolicy(out / "network/prod/agent/networkpolicy.yaml") == []
"""

from validators._common import ValidatorUnavailable

__all__ = ["ValidatorUnavailable"]
