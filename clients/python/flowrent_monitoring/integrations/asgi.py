"""ASGI 3 middleware: ``app = AsgiMiddleware(app)``. HTTP only; lifespan and websockets pass through.

The trace and an isolated scope are set in the request's task context for the duration of the
call and reset afterwards (``asyncio`` gives each task its own context copy).
"""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, Dict, MutableMapping, Optional

from ..client import Client, get_client
from ..scope import isolation_scope
from ..trace import continue_from_headers, reset_trace, set_trace
from ._http import RouteOf, record_request, request_data, route_label

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def _headers(scope: Scope) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for raw_key, raw_value in scope.get("headers") or []:
        key = raw_key.decode("latin-1").title()
        value = raw_value.decode("latin-1")
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _url(scope: Scope, headers: Dict[str, str]) -> str:
    server = scope.get("server") or ("", None)
    host = headers.get("Host") or (f"{server[0]}:{server[1]}" if server[1] else str(server[0]))
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope.get('path', '')}"


class AsgiMiddleware:
    def __init__(self, app: App, client: Optional[Client] = None, route_of: Optional[RouteOf] = None) -> None:
        """``route_of(scope)`` runs after the app (routers fill the scope in), e.g. Starlette:
        ``lambda scope: getattr(scope.get("route"), "path", None)``."""
        self.app = app
        self._client = client
        self._route_of = route_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        client = self._client or get_client()
        started = time.perf_counter()
        method = scope.get("method", "GET")
        path = f"{scope.get('root_path', '')}{scope.get('path', '')}" or "/"
        headers = _headers(scope)
        token = set_trace(continue_from_headers({k.lower(): v for k, v in headers.items()}))
        status = {"code": 500}

        async def _send(message: MutableMapping[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status["code"] = int(message.get("status", 200))
            await send(message)

        try:
            with isolation_scope() as req_scope:
                query = (scope.get("query_string") or b"").decode("latin-1")
                client_addr = scope.get("client")
                req_scope.request = request_data(method, _url(scope, headers), query, headers,
                                                 client_addr[0] if client_addr else None)
                req_scope.transaction = f"{method} {path}"
                try:
                    await self.app(scope, receive, _send)
                except Exception as exc:
                    if client is not None:
                        client.capture_exception(exc, handled=False, mechanism="asgi")
                    raise
                finally:
                    record_request(client, method, path, status["code"], started,
                                   route_label(self._route_of, scope))
        finally:
            reset_trace(token)
