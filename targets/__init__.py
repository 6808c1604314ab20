"""The target table: name -> emit function. Registering a target is one line here.

A target is a pure function `emit(model) -> {relative path: text}`: it reads the resolved model
(and provider catalogues), never the disk, and knows nothing of other targets. Paths start with
the target's directory (`aws/E/A/...`); per-principal files sit at `TARGET/ENV/AGENT/...` so
`compile` can route shadow principals' files to `shadow/`.
"""
from __future__ import annotations

from typing import Callable, Mapping

from agentpol.model import Model
from . import audit, aws, cedar, network, tokens

Emit = Callable[[Model], Mapping[str, str]]

TARGETS: Mapping[str, Emit] = {
    "audit": audit.emit,
    "aws": aws.emit,
    "cedar": cedar.emit,
    "network": network.emit,
    "tokens": tokens.emit,
}
