"""WSGI middleware (PEP 3333): ``app = WsgiMiddleware(app)``.

Each request runs in its own ``contextvars.Context`` holding a trace (continued from
``traceparent``/``sentry-trace`` or new) and an isolated scope with the request data. The app call
and every step of the response iteration run inside that context, so log records, errors and
exemplars from generator bodies carry the trace too, and nothing leaks into the server's thread.
"""

from __future__ import annotations

import contextvars
import time
from typing import Any, Callable, Dict, Iterable, Iterator, Optional

from ..client import Client, get_client
from ..scope import enter_isolation_scope
from ..trace import continue_from_headers, set_trace
from ._http import RouteOf, record_request, request_data, route_label

StartResponse = Callable[..., Any]


def _headers(environ: Dict[str, Any]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").title()] = str(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            out[key.replace("_", "-").title()] = str(value)
    return out


def _url(environ: Dict[str, Any]) -> str:
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"


class WsgiMiddleware:
    def __init__(self, app: Callable[[Dict[str, Any], StartResponse], Iterable[bytes]],
                 client: Optional[Client] = None, route_of: Optional[RouteOf] = None) -> None:
        """``route_of(environ)`` may return a route template (``/orders/{id}``) for the ``route``
        label of the duration histogram; raw paths would explode its cardinality."""
        self.app = app
        self._client = client
        self._route_of = route_of

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        ctx = contextvars.copy_context()
        return ctx.run(self._call, ctx, environ, start_response)

    def _call(self, ctx: contextvars.Context, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        client = self._client or get_client()
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET")
        path = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}" or "/"
        headers = _headers(environ)
        set_trace(continue_from_headers({k.lower(): v for k, v in headers.items()}))
        scope = enter_isolation_scope()
        scope.request = request_data(method, _url(environ), environ.get("QUERY_STRING", ""), headers,
                                     environ.get("REMOTE_ADDR"))
        scope.transaction = f"{method} {path}"
        state = {"status": 500}

        def _start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
            try:
                state["status"] = int(status.split(" ", 1)[0])
            except ValueError:
                pass
            return start_response(status, response_headers, exc_info) if exc_info else start_response(
                status, response_headers)

        def _finish(status: int) -> None:
            record_request(client, method, path, status, started, route_label(self._route_of, environ))

        try:
            iterable = self.app(environ, _start_response)
        except Exception as exc:
            _capture(client, exc)
            _finish(500)
            raise
        return _Response(iterable, ctx, lambda: _finish(state["status"]), lambda exc: _capture(client, exc))


def _capture(client: Optional[Client], exc: BaseException) -> None:
    if client is not None:
        client.capture_exception(exc, handled=False, mechanism="wsgi")


class _Response:
    """Wraps the app's iterable: each step runs in the request's context; ``close`` ends the request."""

    def __init__(self, iterable: Iterable[bytes], ctx: contextvars.Context, finish: Callable[[], None],
                 capture: Callable[[BaseException], None]) -> None:
        self._iterable = iterable
        self._iterator: Optional[Iterator[bytes]] = None
        self._ctx = ctx
        self._finish = finish
        self._capture = capture
        self._finished = False

    def __iter__(self) -> "_Response":
        return self

    def __next__(self) -> bytes:
        try:
            if self._iterator is None:
                self._iterator = self._ctx.run(iter, self._iterable)
            return self._ctx.run(next, self._iterator)
        except StopIteration:
            raise
        except Exception as exc:
            self._ctx.run(self._capture, exc)
            raise

    def close(self) -> None:
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                self._ctx.run(close)
        finally:
            if not self._finished:
                self._finished = True
                self._ctx.run(self._finish)
