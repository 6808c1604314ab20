"""squid.conf fragment: `squid -k parse -f WRAPPER` (Debian package `squid`).

The fragment is copied into a temporary directory and `include`d from a minimal wrapper config
(an `http_port` on 127.0.0.1, a fixed `visible_hostname` so parsing never depends on the host's
name resolution, and a final `http_access deny all`), so a fragment is checked the way a proxy
that includes it would load it. `-k parse` only parses: no cache directory, pid file, log file or
root privileges are needed, and nothing listens.

Squid exits 0 on some real mistakes and only prints a warning; those are problems here:

- overlapping `dstdomain` entries: squid 5.7 prints `WARNING: 'a.x.com' is a subdomain of
  '.x.com'` and keeps going when the wider entry comes first, and `ERROR: ... is a subdomain of
  ...` + `FATAL: Bungled ...` (exit 1) when it comes second;
- overlapping `dst` networks (`WARNING: ... is a subnetwork of ...`, the narrower one is ignored).

So every line that says WARNING, ERROR or FATAL is a problem, as is any output at all when squid
exits non-zero. Messages name the fragment (not the temporary copy).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from validators._common import Source, label_of, read_source, require_executable

INSTALL_STEP = "apt-get install -y squid"
DEBIAN_PATH = "/usr/sbin/squid"  # not on every user's PATH

_TIMESTAMP = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?(\s*kid\d+)?\|\s?")
_BAD = re.compile(r"\b(WARNING|ERROR|FATAL)\b|unrecognized|Bungled|not found", re.IGNORECASE)
# Progress lines and the teardown chatter that follows any fatal error.
_NOISE = re.compile(
    r"^(Startup:|Processing|Initializ|Not currently OK to rewrite swap log|storeDirWriteCleanLogs"
    r"|CPU Usage|Maximum Resident Size|Page faults|Squid Cache \(Version [^)]*\): Terminated abnormally"
    r"|Created PID file|Set Current Directory|Service Name|Current Directory)"
)


def require_tool() -> str:
    if shutil.which("squid") is None and os.access(DEBIAN_PATH, os.X_OK):
        return DEBIAN_PATH
    return require_executable("squid", INSTALL_STEP)


def squid_version() -> str:
    out = subprocess.run([require_tool(), "-v"], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"Version (\S+)", out)
    return m.group(1) if m else "unknown"


def wrapper_config(fragment_path: Path) -> str:
    return (
        "# agentpol test wrapper around one squid.conf fragment\n"
        "http_port 127.0.0.1:3128\n"
        "visible_hostname agentpol-validate\n"
        f"include {fragment_path}\n"
        "http_access deny all\n"
    )


def parse_output(source: Source) -> tuple[int, list[str]]:
    """Run `squid -k parse` on the wrapped fragment: (exit status, output lines without timestamps)."""
    squid = require_tool()
    text, _ = read_source(source)
    label = label_of(source)
    with tempfile.TemporaryDirectory(prefix="agentpol-squid-") as tmp:
        frag = Path(tmp) / "fragment.conf"
        frag.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        conf = Path(tmp) / "squid.conf"
        conf.write_text(wrapper_config(frag), encoding="utf-8")
        proc = subprocess.run(
            [squid, "-k", "parse", "-f", str(conf)],
            capture_output=True, text=True, timeout=120, cwd=tmp, stdin=subprocess.DEVNULL,
        )
        lines = []
        for raw in (proc.stdout + proc.stderr).splitlines():
            line = _TIMESTAMP.sub("", raw).strip()
            if line:
                lines.append(line.replace(str(frag), label).replace(str(conf), "<wrapper>"))
    return proc.returncode, lines


def validate_squid_fragment(source: Source) -> list[str]:
    """Problems with a squid.conf fragment (path or text), empty when squid accepts it cleanly."""
    rc, lines = parse_output(source)
    problems = [line for line in lines if _BAD.search(line) and not _NOISE.match(line)]
    if rc != 0:
        rest = [line for line in lines if not _NOISE.match(line) and line not in problems]
        problems = [f"squid -k parse exited with status {rc}"] + problems + rest
    label = label_of(source)
    return [f"{label}: {p}" for p in problems]
