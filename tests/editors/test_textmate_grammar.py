"""The TextMate grammar (editors/), tokenized as VS Code does (vscode-textmate on Oniguruma,
from npm), gives every keyword, string, comment and number the scope the parser gives it: the
parser's own token stream is the oracle. Names that contain keywords must not light up."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from agentpol.model import KEYWORDS
from agentpol.parse import _comments, _parser
from validators._common import NODE_DIR, REPO_DIR, require_executable, require_file

GRAMMAR = REPO_DIR / "editors" / "agentpol.tmLanguage.json"
VSCODE = REPO_DIR / "editors" / "vscode"
FILES = sorted([*(REPO_DIR / "policies").glob("*.agentpol"),
                *(REPO_DIR / "tests" / "fixtures" / "language").glob("*.agentpol"),
                *(REPO_DIR / "compiler" / "starter").glob("*.agentpol"),
                Path(__file__).with_name("tricky.agentpol")])

#: What the parser calls a token -> the scope prefix the grammar must give it.
SCOPES = {"STRING": "string.quoted.double.", "DURATION": "constant.numeric.duration.",
          "INT": "constant.numeric.", "DECIMAL": "constant.numeric."}


@pytest.fixture(scope="module")
def tokens() -> dict[str, list]:
    node = require_executable("node", "apt-get install -y nodejs npm")
    for package in ("vscode-textmate", "vscode-oniguruma"):
        require_file(NODE_DIR / "node_modules" / package / "package.json",
                     "npm ci --prefix tests/node")
    run = subprocess.run([node, str(NODE_DIR / "tokenize-textmate.mjs"), str(GRAMMAR),
                          *map(str, FILES)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _expected(path: Path):
    """(line, col, end, prefix, must) from the parser: must=False means no scope may start
    with any of the prefixes (a name is neither a keyword nor a constant)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")

    def utf16(line: int, col: int) -> int:
        return len(lines[line - 1][:col - 1].encode("utf-16-le")) // 2

    previous = None
    for tok in _parser().parse_interactive(text).iter_parse():
        start = utf16(tok.line, tok.column)
        where = (tok.line - 1, start, start + len(str(tok).encode("utf-16-le")) // 2)
        if tok.type in SCOPES:
            yield (*where, (SCOPES[tok.type],), True)
        elif tok.type == "NAME":
            if previous is not None and previous.type == "RESOURCE":
                yield (*where, ("support.type.resource.",), True)
            yield (*where, ("keyword.", "constant."), False)
        elif str(tok) in ("true", "false"):
            yield (*where, ("constant.language.boolean.",), True)
        elif str(tok) in KEYWORDS:
            yield (*where, ("keyword.",), True)
        previous = tok
    for c in _comments(text):
        start = utf16(c.line, c.col)
        yield (c.line - 1, start, start + len(c.text), ("comment.line.number-sign.",), True)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO_DIR)) for p in FILES])
def test_tokens_get_the_parsers_scopes(path, tokens):
    mine = tokens[str(path)]
    checked = 0
    for line, start, end, prefixes, must in _expected(path):
        covering = [t for t in mine if t[0] == line and t[1] < end and t[2] > start]
        assert covering, (path, line, start)
        for _, s, e, scopes in covering:
            hit = any(sc.startswith(prefixes) for sc in scopes)
            assert hit == must, f"{path.name}:{line + 1}:{s + 1}-{e}: {scopes}, want " \
                                f"{'' if must else 'none of '}{prefixes}"
        checked += 1
    assert checked > 10


def test_every_kind_of_token_is_exercised(tokens):
    scopes = {sc for toks in tokens.values() for *_, stack in toks for sc in stack}
    for want in ("comment.line.number-sign.agentpol", "string.quoted.double.agentpol",
                 "constant.character.escape.agentpol", "variable.other.template.agentpol",
                 "constant.numeric.duration.agentpol", "constant.numeric.decimal.agentpol",
                 "constant.numeric.integer.agentpol", "constant.language.boolean.agentpol",
                 "keyword.declaration.agentpol", "keyword.other.agentpol",
                 "support.type.resource.agentpol", "entity.name.environment.agentpol"):
        assert want in scopes, want


def test_grammar_keywords_are_the_languages():
    repo = json.loads(GRAMMAR.read_text())["repository"]
    patterns = (repo["keyword"]["match"], repo["declaration"]["patterns"][-1]["match"],
                repo["constant"]["match"])
    words = {w for p in patterns for w in re.search(r"\((?:\?:)?([a-z|]+)\)", p)[1].split("|")}
    assert words == set(KEYWORDS)


def test_vscode_manifest_points_at_the_grammar():
    manifest = json.loads((VSCODE / "package.json").read_text())
    for field in ("name", "publisher", "version", "engines"):  # VS Code needs each
        assert manifest[field], field
    assert manifest["engines"]["vscode"].startswith("^")
    (language,) = manifest["contributes"]["languages"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert language["extensions"] == [".agentpol"]
    assert grammar["scopeName"] == json.loads(GRAMMAR.read_text())["scopeName"]
    assert (VSCODE / grammar["path"]).resolve() == GRAMMAR.resolve()
    config = json.loads((VSCODE / language["configuration"]).read_text())
    assert config["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in config["brackets"] and ["[", "]"] in config["brackets"]
