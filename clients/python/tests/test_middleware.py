"""WSGI and ASGI middleware: request data, trace propagation, duration histogram, log line."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any, Dict, Iterable, List

import pytest

import flowrent_monitoring as fm
from conftest import CaptureServer, init_for
from flowrent_monitoring.integrations import AsgiMiddleware, WsgiMiddleware
from flowrent_monitoring.scrub import FILTERED
from flowrent_monitoring.trace import current_trace

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
log = logging.getLogger("app.web")
log.setLevel(logging.INFO)


def _environ(path: str = "/orders", **headers: str) -> Dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "id=7&token=abc",
        "SERVER_NAME": "shop", "SERVER_PORT": "80", "REMOTE_ADDR": "10.0.0.9", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "HTTP_HOST": "shop.local", "HTTP_COOKIE": "sid=secret",
        "HTTP_AUTHORIZATION": "Bearer abc", "HTTP_USER_AGENT": "pytest",
    }
    environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    return environ


def _call_wsgi(app: Any, environ: Dict[str, Any]) -> List[str]:
    statuses: List[str] = []
    body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return statuses


def failing_app(environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
    log.info("handling order")
    fm.histogram("order_seconds").observe(0.2)
    raise ValueError("order failed")


def test_wsgi_error_log_and_exemplar_share_the_incoming_traceparent(server: CaptureServer) -> None:
    init_for(server)
    app = WsgiMiddleware(failing_app)
    with pytest.raises(ValueError):
        _call_wsgi(app, _environ(traceparent=f"00-{TRACE}-{PARENT}-01"))
    assert current_trace() is None  # nothing leaks into the server's context
    assert fm.flush(5)
    event = server.wait_for(1, path="/api/1/envelope/")[0].event()
    assert event["contexts"]["trace"]["trace_id"] == TRACE
    assert event["contexts"]["trace"]["parent_span_id"] == PARENT
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "wsgi", "handled": False, "exception_id": 0}
    assert event["transaction"] == "POST /orders"
    request = event["request"]
    assert request["method"] == "POST" and request["url"] == "http://shop.local/orders"
    assert request["query_string"] == f"id=7&token={FILTERED}"
    assert request["headers"]["Cookie"] == FILTERED and request["headers"]["Authorization"] == FILTERED
    assert request["headers"]["User-Agent"] == "pytest" and request["cookies"] == FILTERED
    assert request["env"] == {"REMOTE_ADDR": "10.0.0.9"}
    records = [r for req in server.of("/api/logs") for r in req.ndjson()]
    by_message = {r["message"]: r for r in records}
    assert by_message["handling order"]["trace_id"] == TRACE
    line = next(r for r in records if r["logger"] == "flowrent.request")
    assert line["message"].startswith("POST /orders 500 ") and line["http_status"] == 500
    assert line["level"] == "error" and line["trace_id"] == TRACE
    metrics = {m["name"]: m for req in server.of("/api/metrics") for m in req.json()["metrics"]}
    assert metrics["order_seconds"]["exemplar"]["labels"] == {"trace_id": TRACE}
    duration = metrics["http_request_duration_seconds"]
    assert duration["labels"]["method"] == "POST" and duration["labels"]["status"] == "500"
    assert duration["exemplar"]["labels"] == {"trace_id": TRACE}


def test_wsgi_continues_sentry_trace_and_otherwise_starts_a_new_trace(server: CaptureServer) -> None:
    init_for(server)
    seen: List[str] = []

    def app(environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append(current_trace().trace_id)  # type: ignore[union-attr]
        start_response("200 OK", [])
        return [b"ok"]

    wrapped = WsgiMiddleware(app)
    assert _call_wsgi(wrapped, _environ(sentry_trace=f"{TRACE}-{PARENT}-1")) == ["200 OK"]
    _call_wsgi(wrapped, _environ())
    _call_wsgi(wrapped, _environ(traceparent="00-" + "0" * 32 + f"-{PARENT}-01"))  # invalid: all zero
    assert seen[0] == TRACE
    assert len(seen[1]) == 32 and seen[1] != TRACE and seen[2] not in (TRACE, "0" * 32)


def test_wsgi_errors_raised_while_streaming_the_body_are_captured_with_the_trace(server: CaptureServer) -> None:
    init_for(server)

    def streaming(environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        yield b"first"
        log.info("streaming")
        raise RuntimeError("stream broke")

    with pytest.raises(RuntimeError):
        _call_wsgi(WsgiMiddleware(streaming), _environ(traceparent=f"00-{TRACE}-{PARENT}-01"))
    assert fm.flush(5)
    event = server.wait_for(1, path="/api/1/envelope/")[0].event()
    assert event["contexts"]["trace"]["trace_id"] == TRACE
    records = [r for req in server.of("/api/logs") for r in req.ndjson()]
    assert {r["message"].split(" ")[0]: r["trace_id"] for r in records} == {"streaming": TRACE, "POST": TRACE}


def test_wsgi_request_scopes_are_isolated(server: CaptureServer) -> None:
    init_for(server)

    def app(environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
        fm.set_tag("path", environ["PATH_INFO"])
        fm.capture_message("tagged")
        start_response("204 No Content", [])
        return []

    _call_wsgi(WsgiMiddleware(app), _environ("/a"))
    _call_wsgi(WsgiMiddleware(app), _environ("/b"))
    fm.capture_message("outside")
    assert fm.flush(5)
    tags = sorted(r.event()["tags"].get("path", "-") for r in server.wait_for(3, path="/api/1/envelope/"))
    assert tags == ["-", "/a", "/b"]


def test_asgi_error_log_and_metrics_share_the_trace(server: CaptureServer) -> None:
    init_for(server)

    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        log.info("async handling")
        if scope["path"] == "/boom":
            raise KeyError("missing")
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    wrapped = AsgiMiddleware(app)
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    def scope(path: str) -> Dict[str, Any]:
        return {"type": "http", "method": "GET", "path": path, "root_path": "", "scheme": "http",
                "query_string": b"q=1", "server": ("api", 8000), "client": ("10.1.1.1", 5000),
                "headers": [(b"host", b"api.local"), (b"traceparent", f"00-{TRACE}-{PARENT}-01".encode()),
                            (b"cookie", b"a=b")]}

    async def main() -> None:
        await wrapped(scope("/ok"), receive, send)
        with pytest.raises(KeyError):
            await wrapped(scope("/boom"), receive, send)
        await wrapped({"type": "lifespan"}, receive, send)  # passes through untouched

    asyncio.run(main())
    assert current_trace() is None
    assert sent[0]["status"] == 201
    assert fm.flush(5)
    event = server.wait_for(1, path="/api/1/envelope/")[0].event()
    assert event["contexts"]["trace"]["trace_id"] == TRACE
    assert event["request"]["url"] == "http://api.local/boom" and event["request"]["headers"]["Cookie"] == FILTERED
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "asgi"
    records = [r for req in server.of("/api/logs") for r in req.ndjson()]
    assert {r["trace_id"] for r in records} == {TRACE}
    lines = sorted(r["message"].split(" ")[2] for r in records if r["logger"] == "flowrent.request")
    assert lines == ["201", "500"]
    metrics = [m for req in server.of("/api/metrics") for m in req.json()["metrics"]]
    statuses = {m["labels"]["status"] for m in metrics if m["name"] == "http_request_duration_seconds"}
    assert statuses == {"201", "500"}


def test_route_of_adds_a_route_label_to_the_duration_histogram(server: CaptureServer) -> None:
    init_for(server)

    def app(environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    def broken(environ: Dict[str, Any]) -> str:
        raise RuntimeError("bug in route_of")

    wrapped = WsgiMiddleware(app, route_of=lambda environ: "/orders/{id}")
    _call_wsgi(wrapped, _environ("/orders/7"))
    _call_wsgi(wrapped, _environ("/orders/8"))
    assert fm.flush(5)
    series = [m for req in server.of("/api/metrics") for m in req.json()["metrics"]
              if m["name"] == "http_request_duration_seconds"]
    assert [(m["labels"]["route"], m["count"]) for m in series] == [("/orders/{id}", 2)]
    from flowrent_monitoring import _internal

    _internal.set_strict(False)
    _call_wsgi(WsgiMiddleware(app, route_of=broken), _environ("/x"))  # still answered, no route label
    _internal.set_strict(True)
