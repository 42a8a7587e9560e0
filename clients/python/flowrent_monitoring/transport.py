"""HTTP sending: one request in, one verdict out (ok / retry later / drop). Never raises.

Uses ``http.client`` directly (keep-alive per origin, no proxy lookups, no redirects) on the
background thread only. Verdicts follow the issue: retry on 429, 5xx and network errors honouring
``Retry-After`` and ``X-Sentry-Rate-Limits``; drop on any other 4xx.
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import socket
import time
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

OK, RETRY, DROP = "ok", "retry", "drop"
DEFAULT_RATE_LIMIT_SECONDS = 60.0  # Sentry SDKs' rule for a 429 without either header
GZIP_LEVEL = 6  # level 9 costs ~2x the CPU for ~2% fewer bytes on JSON


@dataclass
class Request:
    channel: str  # "errors" | "logs" | "metrics"
    url: str
    headers: Dict[str, str]
    body: bytes
    count: int = 1  # items inside, for drop accounting
    category: str = "default"
    attempts: int = 0


@dataclass
class Verdict:
    outcome: str
    status: Optional[int] = None
    retry_after: Optional[float] = None
    rate_limits: Dict[str, float] = field(default_factory=dict)  # category ("*" = all) -> seconds
    reason: str = ""


def parse_retry_after(value: Optional[str], now: float) -> Optional[float]:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now) if when is not None else None


def parse_rate_limits(value: Optional[str]) -> Dict[str, float]:
    """``X-Sentry-Rate-Limits: <seconds>:<cat;cat>:<scope>[:reason[:namespaces]], ...``; longest wins."""
    limits: Dict[str, float] = {}
    if not value:
        return limits
    for entry in value.split(","):
        fields = entry.strip().split(":")
        if len(fields) < 2:
            continue
        try:
            seconds = float(fields[0])
        except ValueError:
            continue
        categories = [c for c in fields[1].split(";") if c] or ["*"]
        for category in categories:
            limits[category] = max(limits.get(category, 0.0), seconds)
    return limits


def classify(status: int, headers: Dict[str, str], now: float) -> Verdict:
    rate_limits = parse_rate_limits(headers.get("x-sentry-rate-limits"))
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    if 200 <= status < 300:
        return Verdict(OK, status, rate_limits=rate_limits)
    if status == 429:
        if not rate_limits:
            rate_limits = {"*": retry_after if retry_after is not None else DEFAULT_RATE_LIMIT_SECONDS}
        if retry_after is None:
            retry_after = max(rate_limits.values())
        return Verdict(RETRY, status, retry_after, rate_limits, "rate_limited")
    if status >= 500:
        return Verdict(RETRY, status, retry_after, rate_limits, "server_error")
    return Verdict(DROP, status, rate_limits=rate_limits, reason="rejected")


def _no_delay(conn: http.client.HTTPConnection) -> None:
    # Small request/response pairs otherwise stall ~40 ms on Nagle + delayed ACK.
    try:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


class _HTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _no_delay(self)


class _HTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _no_delay(self)


class HttpSender:
    """Sends ``Request``s; gzip-compresses bodies; one keep-alive connection per origin."""

    def __init__(self, timeout: float, use_gzip: bool = True, user_agent: str = "flowrent-python") -> None:
        self.timeout = timeout
        self.use_gzip = use_gzip
        self.user_agent = user_agent
        self._connections: Dict[Tuple[str, str, Optional[int]], http.client.HTTPConnection] = {}

    def reset(self) -> None:
        """Forget connections without closing them (after fork the parent still owns the sockets)."""
        self._connections = {}

    def close(self) -> None:
        for conn in self._connections.values():
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass
        self._connections = {}

    def send(self, request: Request) -> Verdict:
        parts = urlsplit(request.url)
        key = (parts.scheme, parts.hostname or "", parts.port)
        body = request.body
        headers = dict(request.headers)
        headers.setdefault("User-Agent", self.user_agent)
        if self.use_gzip and len(body) > 256:
            body = gzip.compress(body, GZIP_LEVEL)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):  # a stale keep-alive connection gets one immediate reconnect
            conn = self._connections.get(key)
            fresh = conn is None
            if conn is None:
                conn = self._connect(parts.scheme, parts.hostname or "", parts.port)
                self._connections[key] = conn
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                response_headers = {k.lower(): v for k, v in response.getheaders()}
                if response_headers.get("connection", "").lower() == "close":
                    self._drop(key)
                return classify(response.status, response_headers, time.time())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._drop(key)
                if fresh or attempt == 2:
                    return Verdict(RETRY, reason=f"network: {exc!r}")
            except (OSError, http.client.HTTPException) as exc:
                self._drop(key)
                return Verdict(RETRY, reason=f"network: {exc!r}")
        return Verdict(RETRY, reason="network")

    def _connect(self, scheme: str, host: str, port: Optional[int]) -> http.client.HTTPConnection:
        if scheme == "https":
            return _HTTPSConnection(host, port, timeout=self.timeout)
        return _HTTPConnection(host, port, timeout=self.timeout)

    def _drop(self, key: Tuple[str, str, Optional[int]]) -> None:
        conn = self._connections.pop(key, None)
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass
