"""`agentpol report`: one self-contained HTML file (no script, no external asset) that a
reviewer or auditor opens in a browser.

It shows, for this model, what IAM report tools give for AWS accounts: an agents x envs matrix
(live grants, credentials, pending review, shadow mode, budgets), every finding of `check` with
its witness path drawn as an inline SVG chain, the grants pending review, and budgets and rates.
Everything comes from permissions.txt (what the provider enforces) and the check report.
"""
from __future__ import annotations

from collections import defaultdict
from html import escape

from agentpol.permissions import Entry, parse

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1b1f24;background:#fff}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #d0d7de;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f6f8fa}td.num{text-align:right}
.protected{background:#fff1f0}.shadow{color:#8250df}.pending{color:#9a6700}.none{color:#8c959f}
.error{color:#cf222e;font-weight:600}.warning{color:#9a6700;font-weight:600}
.finding{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;margin:1em 0}
code{font:12px ui-monospace,monospace;background:#f6f8fa;padding:0 .2em}
.verdict{font-size:1.2em;padding:.5em 1em;border-radius:6px;display:inline-block}
.pass{background:#dafbe1}.fail{background:#ffebe9}svg.witness{display:block;margin:.5em 0}
"""


def render(permissions_text: str, report=None, title: str = "agentpol report") -> str:
    envs, entries = parse(permissions_text)
    parts = [f"<h1>{escape(title)}</h1>", _verdict(report), _matrix(envs, entries),
             _findings(report), _exposure(envs, entries), _pending(entries), _limits(entries)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def _verdict(report) -> str:
    if report is None:
        return ('<p id="verdict" class="verdict">check: not run (give the policy directory to '
                "see findings)</p>")
    errors = len(report.errors)
    warnings = len(report.findings) - errors
    cls, word = ("fail", "FAILED") if errors else ("pass", "passed")
    return (f'<p id="verdict" class="verdict {cls}">check {word}: {errors} error'
            f"{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, "
            f"{report.triples} (principal, action, resource) triples examined</p>")


def _is_grant(e: Entry) -> bool:
    return e.rest.split(" ", 1)[0] not in ("budget", "rate", "approval", "session", "egress")


def _matrix(envs: dict[str, dict], entries: list[Entry]) -> str:
    cells: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(int))
    for e in entries:
        cell = cells[(e.agent, e.env)]
        kind = e.rest.split(" ", 1)[0]
        if kind == "session":
            cell["mode_shadow"] = e.rest.endswith("mode shadow")
        elif kind == "budget":
            cell["budgets"] += 1
        elif kind == "egress":
            cell["egress"] += 1
        elif _is_grant(e):
            cell["n_" + e.section] += 1
            cell["credentials"] += e.credential
    agents = sorted({a for a, _ in cells})
    head = "".join(f'<th class="{"protected" if envs[n].get("protected") else ""}">'
                   f"{escape(n)}{' (protected)' if envs[n].get('protected') else ''}</th>"
                   for n in envs)
    rows = []
    for agent in agents:
        tds = []
        for env in envs:
            c = cells.get((agent, env))
            if c is None:
                tds.append('<td class="none">-</td>')
                continue
            text = [f"{c['n_live']} live", f"{c['credentials']} credential",
                    f"{c['egress']} egress", f"{c['budgets']} budget"]
            if c["n_pending"]:
                text.append(f'<span class="pending">{c["n_pending"]} pending review</span>')
            if c["mode_shadow"]:
                text.append(f'<span class="shadow">shadow mode ({c["n_shadow"]} held)</span>')
            tds.append(f'<td data-agent="{escape(agent)}" data-env="{escape(env)}">'
                       + "<br>".join(text) + "</td>")
        rows.append(f"<tr><th>{escape(agent)}</th>{''.join(tds)}</tr>")
    return ('<h2>Agents x environments</h2><table id="matrix"><tr><th>agent</th>'
            f"{head}</tr>{''.join(rows)}</table>")


def _findings(report) -> str:
    if report is None:
        return ""
    if not report.findings:
        return '<h2>Findings</h2><p id="findings">None.</p>'
    out = ['<h2>Findings</h2><div id="findings">']
    ranked = sorted(report.findings, key=lambda f: f.severity != "error")  # errors first
    for i, f in enumerate(ranked):
        out.append(f'<div class="finding" data-rule="{escape(f.rule)}">'
                   f'<span class="{f.severity}">{f.severity}[{escape(f.rule)}]</span> '
                   f"<code>{escape(str(f.location or '-'))}</code><br>{escape(f.message)}"
                   + (_witness(f.witness, i) if f.witness else "") + "</div>")
    return "\n".join(out) + "</div>"


def _witness(hops, index: int) -> str:
    """The witness path as a vertical chain of boxes, each step's permission on its arrow."""
    box_w, box_h, gap, width = 520, 40, 34, 560
    height = len(hops) * (box_h + gap) - gap + 4
    svg = [f'<svg class="witness" id="witness-{index}" xmlns="http://www.w3.org/2000/svg" '
           f'width="{width}" height="{height}" role="img" '
           f'aria-label="witness path of {len(hops)} steps">']
    for n, hop in enumerate(hops):
        y = 2 + n * (box_h + gap)
        if n:
            svg.append(f'<line x1="30" y1="{y - gap}" x2="30" y2="{y - 4}" stroke="#57606a" '
                       'stroke-width="2"/>'
                       f'<polygon points="25,{y - 9} 35,{y - 9} 30,{y - 1}" fill="#57606a"/>'
                       f'<text x="42" y="{y - gap / 2 + 4}" font-size="12" fill="#57606a">'
                       f"{escape(hop.via or '')}</text>")
        svg.append(f'<rect x="2" y="{y}" width="{box_w}" height="{box_h}" rx="6" '
                   f'fill="{"#fff1f0" if n == len(hops) - 1 else "#f6f8fa"}" stroke="#57606a"/>'
                   f'<text class="hop" x="12" y="{y + 17}" font-size="13">{escape(hop.label)}'
                   f'</text><text x="12" y="{y + 32}" font-size="11" fill="#57606a">'
                   f"{escape(str(hop.where))}</text>")
    return "".join(svg) + "</svg>"


def _exposure(envs: dict[str, dict], entries: list[Entry]) -> str:
    """Grants to review first, as IAM report tools group them: credential access and grants
    whose target holds a wildcard, protected envs first."""
    risky = [e for e in entries if _is_grant(e) and (e.credential or "*" in e.rest)]
    risky.sort(key=lambda e: (not envs.get(e.env, {}).get("protected"), e.env, e.agent, e.rest))
    if not risky:
        return '<h2>Credential and wildcard access</h2><p id="exposure">None.</p>'
    rows = "".join(
        f'<tr class="{"protected" if envs.get(e.env, {}).get("protected") else ""}">'
        f"<td>{escape(e.env)}</td><td>{escape(e.agent)}</td><td><code>{escape(e.rest)}</code>"
        f"</td><td>{'credential' if e.credential else ''}{' wildcard' if '*' in e.rest else ''}"
        f"</td><td>{escape(e.section)}</td></tr>" for e in risky)
    return ('<h2>Credential and wildcard access</h2><table id="exposure"><tr><th>env</th>'
            f"<th>agent</th><th>grant (identity)</th><th>why</th><th>state</th></tr>{rows}"
            "</table>")


def _pending(entries: list[Entry]) -> str:
    held = [e for e in entries if e.section == "pending"]
    if not held:
        return '<h2>Pending review</h2><p id="pending">No grant is waiting for review.</p>'
    rows = "".join(f"<tr><td>{escape(e.env)}</td><td>{escape(e.agent)}</td>"
                   f"<td><code>{escape(e.rest)}</code></td><td>{escape(e.source)}</td></tr>"
                   for e in held)
    return ('<h2>Pending review</h2><p>Compiled in shadow until the lock has recorded them for '
            'the env\'s review window.</p><table id="pending"><tr><th>env</th><th>agent</th>'
            f"<th>grant</th><th>source</th></tr>{rows}</table>")


def _limits(entries: list[Entry]) -> str:
    limits = [e for e in entries if e.rest.split(" ", 1)[0] in ("budget", "rate")]
    if not limits:
        return '<h2>Budgets and rates</h2><p id="budgets">None.</p>'
    rows = "".join(f"<tr><td>{escape(e.env)}</td><td>{escape(e.agent)}</td>"
                   f"<td><code>{escape(e.rest)}</code></td></tr>" for e in limits)
    return ('<h2>Budgets and rates</h2><table id="budgets"><tr><th>env</th><th>agent</th>'
            f"<th>limit</th></tr>{rows}</table>")
