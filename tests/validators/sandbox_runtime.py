"""sandbox-runtime settings: `SandboxRuntimeConfigSchema` from npm `@anthropic-ai/sandbox-runtime`.

Runs `node tests/node/validate-sandbox.mjs FILE`, which imports the schema from the package (the
one `srt` itself loads its settings file with, `SandboxRuntimeConfigSchema.safeParse`) and prints
zod's issues as JSON. The package is pinned in `tests/node/package.json` and installed by
`npm ci --prefix tests/node`.

zod drops object keys the schema does not know without complaint, so srt would silently ignore
them; they are reported as problems too (`unknown key ... (srt ignores it)`).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from validators._common import NODE_DIR, Source, label_of, read_source, require_executable, require_file

PACKAGE = "@anthropic-ai/sandbox-runtime"
SCRIPT = NODE_DIR / "validate-sandbox.mjs"
INSTALL_STEP = "npm ci --prefix tests/node"


def require_tool() -> str:
    node = require_executable("node", "apt-get install -y nodejs npm")
    require_file(NODE_DIR / "node_modules" / PACKAGE / "package.json", INSTALL_STEP)
    return node


def package_version() -> str:
    require_tool()
    return json.loads((NODE_DIR / "node_modules" / PACKAGE / "package.json").read_text())["version"]


def _fmt_path(parts) -> str:
    return "/" + "/".join(str(p) for p in parts)


def validate_sandbox_runtime(source: Source) -> list[str]:
    """Problems with a sandbox-runtime settings JSON file (path, text or dict), empty when accepted."""
    node = require_tool()
    text, _ = read_source(source)
    label = label_of(source)
    with tempfile.TemporaryDirectory(prefix="agentpol-srt-") as tmp:
        path = Path(tmp) / "settings.json"
        path.write_text(text, encoding="utf-8")
        proc = subprocess.run(
            [node, str(SCRIPT), str(path)],
            capture_output=True, text=True, timeout=120, cwd=NODE_DIR, stdin=subprocess.DEVNULL,
        )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{SCRIPT.name} failed (status {proc.returncode}): {proc.stderr.strip()}")
    try:
        (result,) = json.loads(proc.stdout)
    except ValueError as e:
        raise RuntimeError(f"{SCRIPT.name} printed no result: {proc.stdout!r} {proc.stderr!r}") from e
    problems = [f"{label}{_fmt_path(i['path'])}: {i['message']} ({i['code']})" for i in result["issues"]]
    problems += [f"{label}{_fmt_path(k)}: unknown key {k[-1]!r} (srt ignores it)" for k in result["unknownKeys"]]
    if proc.returncode == 1 and not problems:  # never report "accepted" for a rejected file
        problems.append(f"{label}: rejected by SandboxRuntimeConfigSchema")
    return problems
