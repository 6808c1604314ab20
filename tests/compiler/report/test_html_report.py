"""`agentpol report`: one self-contained HTML page, loaded in a real headless browser (Debian's
chromium driven by playwright) and read back with the standard library's HTML parser."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agentpol.cli import main

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    """acme with a cross-env leak and prod's review window on: every section has content."""
    tmp = tmp_path_factory.mktemp("report")
    d = tmp / "policies"
    shutil.copytree(ROOT / "policies", d)
    (d / "tests.agentpol").unlink()
    agents = d / "agents.agentpol"
    agents.write_text(agents.read_text().replace(
        "    allow read on github_repo.infra\n",
        "    allow read on github_repo.infra\n    allow read on secret.zendesk-token@prod\n"))
    envs = d / "environments.agentpol"
    envs.write_text(envs.read_text().replace("# review_window", "review_window"))
    out = tmp / "report.html"
    assert main(["report", str(d), "-o", str(out), "--now", "2026-01-10"]) == 0
    return out


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key])


def test_one_self_contained_file(page_file):
    parser = _Collect()
    parser.feed(page_file.read_text())
    assert {"verdict", "matrix", "findings", "exposure", "pending", "budgets",
            "witness-0"} <= parser.ids
    assert parser.external == [] and "script" not in parser.tags  # nothing fetched, no code


def test_compiled_dir_with_its_policies(tmp_path, capsys):
    assert main(["compile", str(ROOT / "policies"), "-o", str(tmp_path / "out")]) == 0
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "out"), "-o", str(out)]) == 0
    assert "check: not run" in out.read_text()
    assert main(["report", str(tmp_path / "out"), "--policies", str(ROOT / "policies"),
                 "-o", str(out)]) == 0
    assert "check passed" in out.read_text()
    capsys.readouterr()


def test_in_a_headless_browser(page_file):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (PyPI) not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} missing: run .ci/install-validators.sh (Debian chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            assert requests == [page_file.as_uri()]  # self-contained: no other fetch
            assert page.inner_text("#verdict").startswith("check FAILED: ")
            headers = page.locator("#matrix tr").first.inner_text()
            assert "prod (protected)" in headers and "staging" in headers
            cell = page.locator('#matrix td[data-agent="code-agent"][data-env="dev"]')
            assert "credential" in cell.inner_text()
            refund = page.locator('#matrix td[data-agent="refund-agent"][data-env="prod"]')
            assert "shadow mode" in refund.inner_text()
            leak = page.locator('#findings .finding[data-rule="cross-env-credential"]').first
            assert "zendesk-token" in leak.inner_text()
            hops = leak.locator("svg.witness text.hop").all_text_contents()
            assert hops[0].startswith("code-agent@") and "zendesk" in hops[-1]
            box = leak.locator("svg.witness").bounding_box()
            assert box and box["height"] > 40 and box["width"] > 100  # drawn, not empty
            assert "pending review" in page.inner_text("body")
            assert page.locator("#pending tr").count() > 1
            assert "budget api.stripe@prod 500.00 usd per day" in page.inner_text("#budgets")
            exposure = page.locator("#exposure tr").all_inner_texts()
            assert exposure[1].startswith("prod")  # protected envs first
            assert any("zendesk-token" in row and "arn:aws:secretsmanager" in row
                       for row in exposure)
        finally:
            browser.close()
