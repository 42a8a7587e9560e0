"""What both middlewares share: request data for events, the request metrics and log line."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Mapping, Optional

from ..client import Client
from ..scrub import FILTERED, is_secret_key

REQUEST_DURATION = "http_request_duration_seconds"
REQUEST_DURATION_HELP = "Time from request start to the end of the response body, by method and status"
_ALWAYS_FILTERED = {"cookie", "set-cookie", "authorization", "proxy-authorization", "x-api-key", "x-sentry-auth"}


def filter_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    return {
        k: (FILTERED if k.lower() in _ALWAYS_FILTERED or is_secret_key(k) else v) for k, v in headers.items()
    }


def filter_query(query: str) -> str:
    """Mask values of secret-looking query parameters (``?token=...``)."""
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        key, sep, _ = pair.partition("=")
        parts.append(f"{key}={FILTERED}" if sep and is_secret_key(key) else pair)
    return "&".join(parts)


def request_data(method: str, url: str, query: str, headers: Mapping[str, str],
                 remote_addr: Optional[str]) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "method": method,
        "url": url,
        "query_string": filter_query(query),
        "headers": filter_headers(headers),
    }
    if "cookie" in {k.lower() for k in headers}:
        data["cookies"] = FILTERED
    if remote_addr:
        data["env"] = {"REMOTE_ADDR": remote_addr}
    return data


RouteOf = Callable[[Any], Optional[str]]


def route_label(route_of: Optional[RouteOf], request: Any) -> Dict[str, str]:
    """``{"route": ...}`` from the user's callable (a route template, never a raw path), else ``{}``."""
    if route_of is None:
        return {}
    try:
        route = route_of(request)
    except Exception as exc:  # noqa: BLE001 - a broken callback must not break the request
        from .. import _internal

        _internal.report(exc, "route_of")
        return {}
    return {"route": route} if route else {}


def record_request(client: Optional[Client], method: str, path: str, status: int, started: float,
                   labels: Optional[Dict[str, str]] = None) -> None:
    """Duration histogram (exemplar carries the trace id) and one request log line."""
    duration = time.perf_counter() - started
    try:
        from ..registry import default_registry

        hist = (client.registry if client is not None else default_registry).histogram(
            REQUEST_DURATION, REQUEST_DURATION_HELP)
        hist.observe(duration, method=method, status=str(status), **(labels or {}))
        if client is not None:
            level = "error" if status >= 500 else "warning" if status >= 400 else "info"
            client.capture_log(level, f"{method} {path} {status} {duration * 1000:.1f}ms",
                               http_method=method, http_path=path, http_status=status,
                               duration_ms=round(duration * 1000, 3), **(labels or {}))
    except Exception as exc:  # noqa: BLE001
        from .. import _internal

        _internal.report(exc, "record_request")
