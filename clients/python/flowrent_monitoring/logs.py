"""``logging`` integration: ship records to the log viewer, and record breadcrumbs.

``LogHandler.emit`` runs on the host's thread, so it does the minimum that must happen there
(format the message while its arguments are still what they were, format an exception while its
traceback exists, read the trace id from the context) and hands a tuple to the worker. Turning
that into the log viewer's JSON record happens on the background thread (``record_to_json``).
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from . import _internal
from .envelope import dumps
from .scrub import FILTERED, is_secret_key, safe_repr, scrub_json
from .trace import TraceContext, current_trace
from .worker import LOG

if TYPE_CHECKING:
    from .client import Client

_OWN_PREFIX = "flowrent_monitoring"
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "taskName", "exc_text", "stack_info",
}
MAX_ATTRIBUTE_CHARS = 2048
# Levels of dicts/lists an extra is sent nested with: scrub_json filters secret keys that deep (and
# the log viewer refuses a record nested past 128 levels with a 400 for the whole batch).
MAX_NESTED_LEVELS = 8
# The log viewer's line limit (log-viewer/src/ingest/limits.ts MAX_LINE_BYTES, Loki's default): one
# longer line makes it answer 413 for the whole batch.
MAX_LINE_BYTES = 256 * 1024
# Its body limit (MAX_REQUEST_BYTES, decompressed): a longer batch is sent in several requests.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
TRUNCATED = "…[truncated]"
_CUT_CHUNK = 4096  # characters of an over-long text measured at a time to cut it

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
    if isinstance(value, (dict, list, tuple)):
        return _nested(value)
    # safe_repr: a host's __repr__ that raises lost the whole batch
    return _clip(value) if isinstance(value, str) else safe_repr(value, MAX_ATTRIBUTE_CHARS)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ATTRIBUTE_CHARS else text[: MAX_ATTRIBUTE_CHARS - 3] + "..."


def _nested(value: Any) -> Any:
    """A dict/list extra as nested JSON (the log viewer keeps it as such), a copy taken now; a
    value JSON cannot hold inside it becomes its repr there. Over ``MAX_ATTRIBUTE_CHARS`` of JSON or
    ``MAX_NESTED_LEVELS`` deep, or not encodable at all (a tuple key, a cycle), it is sent as text."""
    try:
        text = dumps(value).decode("utf-8")
        parsed = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return safe_repr(value, MAX_ATTRIBUTE_CHARS)
    # secret keys inside are filtered as at the top level (the repr text used to carry them)
    nested = scrub_json(parsed)
    if len(text) <= MAX_ATTRIBUTE_CHARS and not _deeper_than(nested, MAX_NESTED_LEVELS):
        return nested
    return _clip(dumps(nested).decode("utf-8"))


def _deeper_than(value: Any, levels: int) -> bool:
    """True when ``value`` nests more than ``levels`` levels of dicts and lists (stops there)."""
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    if children is None:
        return False
    return levels == 0 or any(_deeper_than(child, levels - 1) for child in children)


def record_line(record: Dict[str, Any]) -> Optional[bytes]:
    """The record's NDJSON line, within the log viewer's ``MAX_LINE_BYTES``: an over-long message or
    exception is cut (marked ``TRUNCATED``); None when it cannot fit (then it is dropped and
    counted, rather than making the log viewer refuse the whole batch with a 413)."""
    line = dumps(record)
    left = [k for k in ("message", "exception") if isinstance(record.get(k), str)]
    while len(line) > MAX_LINE_BYTES:
        if not left:
            return None  # other fields alone are too long
        key = max(left, key=lambda k: len(record[k]))
        left.remove(key)
        text = record[key]
        record = dict(record, **{key: _cut(text, len(dumps(text)) - (len(line) - MAX_LINE_BYTES))})
        line = dumps(record)
    return line


def _cut(text: str, max_json_bytes: int) -> str:
    """The longest prefix of ``text`` that, marked ``TRUNCATED``, takes at most ``max_json_bytes`` of
    JSON (just the mark when none does). Measured, not estimated: an escape costs up to 6 bytes
    (\\u0001) and a letter 1, so a cut in proportion to the whole text's escapes can miss by far.
    JSON escapes each character alone, so the prefix is measured chunk by chunk, and the last
    chunk by halves."""
    room = max_json_bytes - len(dumps(TRUNCATED))  # for the kept text's JSON, without its quotes
    kept = 0
    while kept < len(text):
        chunk = text[kept : kept + _CUT_CHUNK]
        size = len(dumps(chunk)) - 2
        if size > room:
            lo, hi = 0, len(chunk) - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if len(dumps(chunk[:mid])) - 2 <= room:
                    lo = mid
                else:
                    hi = mid - 1
            kept += lo
            break
        room -= size
        kept += len(chunk)
    return text[:kept] + TRUNCATED


def records_to_ndjson(lines: List[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n"


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

