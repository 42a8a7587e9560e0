"""Shared fixtures: a capturing HTTP server on 127.0.0.1 and a clean client per test."""

from __future__ import annotations

import gzip
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flowrent_monitoring as fm  # noqa: E402
from flowrent_monitoring import _internal  # noqa: E402
from flowrent_monitoring.envelope import parse_envelope  # noqa: E402
from flowrent_monitoring.registry import default_registry  # noqa: E402


@dataclass
class Captured:
    method: str
    path: str
    headers: Dict[str, str]
    raw_body: bytes
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def ndjson(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.body.splitlines() if line.strip()]

    def envelope(self) -> Tuple[Dict[str, Any], List[Tuple[Dict[str, Any], bytes]]]:
        return parse_envelope(self.body)

    def event(self) -> Dict[str, Any]:
        _, items = self.envelope()
        return json.loads(next(payload for h, payload in items if h["type"] == "event"))


Responder = Callable[[Captured], Tuple[int, Dict[str, str]]]


@dataclass
class CaptureServer:
    """Records every request; answers with ``responder`` (default 200 ``{}``)."""

    requests: List[Captured] = field(default_factory=list)
    responder: Optional[Responder] = None
    release: threading.Event = field(default_factory=threading.Event)  # for handlers that block
    _cond: threading.Condition = field(default_factory=threading.Condition)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.port}/1"

    def record(self, captured: Captured) -> None:
        with self._cond:
            self.requests.append(captured)
            self._cond.notify_all()

    def wait_for(self, n: int, timeout: float = 10.0, path: Optional[str] = None) -> List[Captured]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [r for r in self.requests if path is None or r.path.startswith(path)]
                if len(matching) >= n:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {n} request(s) to {path or 'any path'}, got {len(matching)}")
                self._cond.wait(remaining)

    def of(self, path: str) -> List[Captured]:
        with self._cond:
            return [r for r in self.requests if r.path.startswith(path)]


def _handler(state: CaptureServer) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # one write per response (avoids Nagle/delayed-ACK stalls)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
            captured = Captured("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, raw, body)
            state.record(captured)
            status, headers = state.responder(captured) if state.responder else (200, {})
            payload = b"{}"
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    state = CaptureServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    """Each test starts with no client and strict internal errors, and must leave none pending."""
    _internal.set_strict(True)
    default_registry.clear()
    yield
    fm.close(timeout=0)
    default_registry.clear()
    pending = _internal.take_pending()
    _internal.set_strict(False)
    if pending is not None:
        raise AssertionError(f"internal error in the client: {pending!r}") from pending


def init_for(server: CaptureServer, **overrides: Any) -> fm.Client:
    """A client pointed at ``server`` for all three destinations, tuned for fast tests."""
    options: Dict[str, Any] = dict(
        dsn=server.dsn,
        logs_url=server.url,
        logs_key="logs-key",
        metrics_url=server.url,
        metrics_key="metrics-key",
        service="test-svc",
        environment="test",
        release="test@1.0.0",
        raise_internal_errors=True,
        install_excepthooks=False,
        log_flush_interval=0.05,
        metrics_interval=3600,
        backoff_base=0.01,
        backoff_max=0.05,
        http_timeout=2.0,
    )
    options.update(overrides)
    client = fm.init(**options)
    assert client is not None
    return client
