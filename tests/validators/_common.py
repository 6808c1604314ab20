"""Shared plumbing for the validator wrappers: input loading, tool checks, schema errors."""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path
from typing import Any, Union

import jsonschema
import yaml

TESTS_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = TESTS_DIR.parent
SCHEMAS_DIR = TESTS_DIR / "schemas"
NODE_DIR = TESTS_DIR / "node"
INSTALL_SCRIPT = ".ci/install-validators.sh"

Source = Union[str, "os.PathLike[str]", dict, list]


class ValidatorUnavailable(RuntimeError):
    """A validator's tool or data is not installed. Raised, never skipped: CI must run them all."""


def require_executable(name: str, install_step: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ValidatorUnavailable(
            f"`{name}` not found on PATH; install it with `{install_step}` "
            f"(or run `bash {INSTALL_SCRIPT}` from the repo root)"
        )
    return path


def require_file(path: Path, install_step: str) -> Path:
    if not path.is_file():
        raise ValidatorUnavailable(
            f"{path} is missing; install it with `{install_step}` "
            f"(or run `bash {INSTALL_SCRIPT}` from the repo root)"
        )
    return path


def read_source(source: Source) -> tuple[str, str]:
    """Return (text, label) for a path, or text given directly.

    A `Path`/PathLike is always a file. A `str` is a file name when it is one line naming an
    existing file, otherwise it is the content itself.
    """
    if isinstance(source, (dict, list)):
        return json.dumps(source, indent=2), "<object>"
    if isinstance(source, os.PathLike):
        p = Path(source)
        return p.read_text(encoding="utf-8"), str(p)
    if isinstance(source, str):
        if "\n" not in source and len(source) < 4096 and os.path.isfile(source):
            return Path(source).read_text(encoding="utf-8"), source
        return source, "<text>"
    raise TypeError(f"expected a path, text, dict or list, got {type(source).__name__}")


def label_of(source: Source) -> str:
    """How to name the input in messages: its path, or <text>/<object>."""
    if isinstance(source, (dict, list)):
        return "<object>"
    if isinstance(source, os.PathLike):
        return str(source)
    if isinstance(source, str) and "\n" not in source and len(source) < 4096 and os.path.isfile(source):
        return source
    return "<text>"


def load_json(source: Source) -> tuple[Any, list[str]]:
    """(document, problems): problems is non-empty when the input is not JSON."""
    if isinstance(source, (dict, list)):
        return source, []
    text, label = read_source(source)
    try:
        return json.loads(text), []
    except json.JSONDecodeError as e:
        return None, [f"{label}: not valid JSON: {e}"]


def load_yaml_documents(source: Source) -> tuple[list[Any], list[str]]:
    """(non-empty documents, problems) for a possibly multi-document YAML file."""
    if isinstance(source, dict):
        return [source], []
    text, label = read_source(source)
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        return [], [f"{label}: not valid YAML: {e}"]
    if not docs:
        return [], [f"{label}: no YAML document"]
    return docs, []


def load_schema(name: str) -> dict:
    return json.loads((SCHEMAS_DIR / name).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def schema_validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for a vendored schema, of the draft the schema declares, formats checked."""
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _path(parts) -> str:
    return "/" + "/".join(str(p) for p in parts)


def _shorten(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _closest(context: list) -> str:
    """The most telling error among a failed oneOf/anyOf's alternatives: the deepest ones; when
    they all reject one value by `enum` (a discriminator such as a rule's `type`), all the
    allowed values at once."""
    depth = max(len(e.absolute_path) for e in context)
    deepest = [e for e in context if len(e.absolute_path) == depth]
    paths = {tuple(e.absolute_path) for e in deepest}
    if len(paths) == 1 and all(e.validator == "enum" for e in deepest):
        allowed = sorted({repr(v) for e in deepest for v in e.validator_value})
        return f"{_path(deepest[0].absolute_path)}: {deepest[0].instance!r} is not one of [{', '.join(allowed)}]"
    best = jsonschema.exceptions.best_match(deepest)
    return f"{_path(best.absolute_path)}: {_shorten(best.message, 300)}"


def schema_problems(validator: jsonschema.protocols.Validator, instance: Any, prefix: str = "") -> list[str]:
    """Every jsonschema error as `PATH: message`, in a stable order.

    For oneOf/anyOf failures the closest alternative's error is appended, since the bare message
    ("... is not valid under any of the given schemas") does not say what is wrong.
    """
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        msg = _shorten(err.message)
        if err.context:
            msg += f" (closest alternative: {_closest(err.context)})"
        out.append(f"{prefix}{_path(err.absolute_path)}: {msg}")
    return out
