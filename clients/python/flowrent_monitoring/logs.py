"""``logging`` integration: ship records to the log viewer, and record breadcrumbs.

``LogHandler.emit`` runs on the host's thread, so it does the minimum that must happen there
(format the message while its arguments are still what they were, format an exception while its
traceback exists, read the trace id from the context) and hands a tuple to the worker. Turning
that into the log viewer's JSON record happens on the background thread (``record_to_json``).
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from . import _internal
from .envelope import dumps
from .scrub import FILTERED, is_secret_key
from .trace import TraceContext, current_trace
from .worker import LOG

if TYPE_CHECKING:
    from .client import Client

_OWN_PREFIX = "flowrent_monitoring"
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "taskName", "exc_text", "stack_info",
}
MAX_ATTRIBUTE_CHARS = 2048

Captured = Tuple[logging.LogRecord, str, Optional[str], Optional[TraceContext]]


def _format_exception(record: logging.LogRecord) -> Optional[str]:
    if record.exc_info and record.exc_info[0] is not None:
        return "".join(traceback.format_exception(*record.exc_info)).rstrip()
    if record.exc_text:
        return record.exc_text
    return None


def _message(record: logging.LogRecord) -> str:
    """``record.getMessage()`` once per record for both our handlers (kept as ``_fm_message``)."""
    cached = record.__dict__.get("_fm_message")
    if isinstance(cached, str):
        return cached
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad %-format in the host's call must not raise here
        message = f"{record.msg!s} {record.args!r}"
    record._fm_message = message  # "_" keys are never shipped
    return message


class LogHandler(logging.Handler):
    """Batches records to the log viewer's ``POST /api/logs`` through the client's worker."""

    def __init__(self, level: int = logging.INFO, client: Optional["Client"] = None) -> None:
        super().__init__(level)
        self._client = client

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.name.startswith(_OWN_PREFIX):
                return
            client = self._client
            if client is None:
                from .client import get_client

                client = get_client()
                if client is None:
                    return
            if not client.logs_enabled:
                return
            if client.logs_sample_rate < 1.0 and client.rng.random() >= client.logs_sample_rate:
                client.worker.count_drop("sample_rate")
                return
            exc_text = _format_exception(record) if record.exc_info or record.exc_text else None
            client.worker.put(LOG, (record, _message(record), exc_text, current_trace()))
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "LogHandler.emit")

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass  # emit never lets errors through; never print tracebacks into the host's stderr


_second_cache: List[Any] = [None, ""]  # (epoch second, formatted prefix): records come in bursts


def format_timestamp_ns(ns: int) -> str:
    """RFC 3339 UTC with 9 fractional digits."""
    seconds, frac = divmod(ns, 1_000_000_000)
    cache = _second_cache
    if cache[0] != seconds:
        cache[1] = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        cache[0] = seconds
    return f"{cache[1]}.{frac:09d}Z"


def record_to_json(captured: Captured, service: str, host: str, static: Dict[str, Any]) -> Dict[str, Any]:
    record, message, exc_text, trace = captured
    out: Dict[str, Any] = {
        "timestamp": format_timestamp_ns(int(record.created * 1_000_000_000)),
        "level": record.levelname.lower(),
        "message": message,
        "service": service,
        "host": host,
        "logger": record.name,
        "thread": record.threadName,
        "source": f"{record.module}:{record.lineno}",
    }
    if trace is not None:
        out["trace_id"] = trace.trace_id
        out["span_id"] = trace.span_id
    if exc_text:
        out["exception"] = exc_text
    out.update(static)
    for key, value in record.__dict__.items():
        if key in _STANDARD_ATTRS or key in out or key[:1] == "_":
            continue
        out[key] = FILTERED if _secret_key(key) else _attribute(value)
    return out


_secret_keys: Dict[str, bool] = {}  # extra keys repeat record after record: match each once


def _secret_key(key: str) -> bool:
    known = _secret_keys.get(key)
    if known is None:
        if len(_secret_keys) > 10_000:
            _secret_keys.clear()
        known = _secret_keys[key] = is_secret_key(key)
    return known


def _attribute(value: Any) -> Any:
    kind = type(value)
    if kind is int or kind is float or kind is bool or value is None:
        return value
    text = value if kind is str else value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_ATTRIBUTE_CHARS else text[: MAX_ATTRIBUTE_CHARS - 3] + "..."


def records_to_ndjson(records: List[Dict[str, Any]]) -> bytes:
    return b"\n".join(dumps(r) for r in records) + b"\n"


class BreadcrumbHandler(logging.Handler):
    """Adds a breadcrumb per record to the current scope; records at ``event_level`` become events."""

    def __init__(self, level: int, event_level: Optional[int], client: "Client") -> None:
        super().__init__(min(level, event_level) if event_level is not None else level)
        self.breadcrumb_level = level
        self.event_level = event_level
        self._client = client

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.name.startswith(_OWN_PREFIX):
                return
            if self.event_level is not None and record.levelno >= self.event_level:
                self._client.capture_log_record(record)
            if record.levelno >= self.breadcrumb_level:
                from .scope import get_current_scope

                get_current_scope().add_breadcrumb({
                    "type": "log",
                    "category": record.name,
                    "level": sentry_level(record.levelno),
                    "message": _message(record),
                    "timestamp": record.created,
                })
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "BreadcrumbHandler.emit")

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        pass


def sentry_level(levelno: int) -> str:
    if levelno >= logging.CRITICAL:
        return "fatal"
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warning"
    if levelno >= logging.INFO:
        return "info"
    return "debug"

