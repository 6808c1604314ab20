"""What `snapshot` and `drift` do when the endpoint is not a healthy AWS: throttling is retried
with backoff, a proxy's HTML page or an empty 404 is said to be that, and a call that hangs is
named. The endpoint is a real HTTP server on 127.0.0.1 that answers as told."""
from __future__ import annotations

import contextlib
import http.server
import threading
import time

import boto3
import pytest

from agentpol.cli import main
from agentpol.live.connect import LiveError, Options, call, client
from moto_server import aws_env

IDENTITY = b"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::333333333333:user/x</Arn><UserId>AID</UserId>
<Account>333333333333</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"""
THROTTLED = b"""<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>
<Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"""


@contextlib.contextmanager
def endpoint(answers):
    """Serve `answers` in turn (status, content type, body, delay), the last one forever."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, ctype, body, delay = answers[min(len(seen), len(answers) - 1)]
            seen.append(status)
            time.sleep(delay)
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def identity(options: Options) -> dict:
    sts = client(boto3.session.Session(), "sts", options)
    return call(lambda: sts.get_caller_identity(), "sts GetCallerIdentity", options)


def test_throttling_is_retried_with_backoff(monkeypatch):
    with endpoint([(400, "text/xml", THROTTLED, 0)] * 2 + [(200, "text/xml", IDENTITY, 0)]) \
            as (url, seen):
        aws_env(monkeypatch, url)
        assert identity(Options())["Account"] == "333333333333"
    assert seen == [400, 400, 200]


def test_throttling_that_never_ends_is_an_error_naming_the_call(monkeypatch):
    with endpoint([(400, "text/xml", THROTTLED, 0)]) as (url, seen):
        aws_env(monkeypatch, url)
        with pytest.raises(LiveError, match="sts GetCallerIdentity: Throttling"):
            identity(Options(attempts=2))
    assert len(seen) == 2


def test_an_html_page_is_not_aws(monkeypatch):
    page = b"<!DOCTYPE html><html><body>Please log in to the proxy</body></html>"
    with endpoint([(200, "text/html", page, 0)]) as (url, _):
        aws_env(monkeypatch, url)
        with pytest.raises(LiveError, match="sts GetCallerIdentity.*HTML page"):
            identity(Options())


def test_an_empty_404_is_not_aws(monkeypatch):
    with endpoint([(404, None, b"", 0)]) as (url, _):
        aws_env(monkeypatch, url)
        with pytest.raises(LiveError, match="HTTP 404 with an empty body"):
            identity(Options())


def test_a_call_that_hangs_is_named(monkeypatch):
    with endpoint([(200, "text/xml", IDENTITY, 3)]) as (url, _):
        aws_env(monkeypatch, url)
        with pytest.raises(LiveError, match=r"sts GetCallerIdentity timed out after 0.5s"):
            identity(Options(timeout=0.5, attempts=1))


def test_the_cli_exits_2_with_the_reason(monkeypatch, tmp_path, capsys):
    with endpoint([(200, "text/html", b"<html>captive portal</html>", 0)]) as (url, _):
        aws_env(monkeypatch, url)
        assert main(["snapshot", "aws", "-o", str(tmp_path / "a.json")]) == 2
        err = capsys.readouterr().err
        assert "HTML page" in err and "Traceback" not in err
        assert main(["drift", str(tmp_path), "--aws"]) == 2
    assert not (tmp_path / "a.json").exists()


def test_account_and_role_template_go_together(monkeypatch, tmp_path, capsys):
    assert main(["snapshot", "aws", "-o", str(tmp_path), "--account", "111111111111"]) == 2
    assert "go together" in capsys.readouterr().err
