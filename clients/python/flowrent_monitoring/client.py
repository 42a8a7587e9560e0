"""The client: builds events, log batches and metric pushes, and owns the worker.

Everything public here is safe to call from any thread at any time: it never raises (unless
``raise_internal_errors``) and never blocks on the network.
"""

from __future__ import annotations

import logging
import os
import platform
import random
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from . import _internal
from .envelope import dumps, event_envelope
from .logs import MAX_REQUEST_BYTES, Captured, record_line, record_to_json, records_to_ndjson, sentry_level
from .registry import Registry, default_registry
from .options import Options, logs_endpoint, metrics_endpoint
from .scope import Scope, get_current_scope
from .scrub import scrub_json, serialize_value
from .stacktrace import exception_values
from .trace import current_trace
from .transport import HttpSender, Request
from .worker import EVENT, LOG, Worker

SDK_NAME = "flowrent.python"
SDK_VERSION = "0.1.0"
MAX_MESSAGE_CHARS = 8192
MAX_EVENT_BYTES = 1024 * 1024  # Relay's and Bugsink's max_event_size (decompressed)

_client: Optional["Client"] = None


def get_client() -> Optional["Client"]:
    return _client


def set_client(client: Optional["Client"]) -> None:
    global _client
    _client = client


def _rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fit_event(event: Dict[str, Any]) -> Dict[str, Any]:
    """Shrink an event over ``MAX_EVENT_BYTES``: drop frame vars, then context lines, then
    breadcrumbs and extra. Trackers reject oversized events whole, so a smaller one is better."""
    if len(dumps(event)) <= MAX_EVENT_BYTES:
        return event
    frames = [f for v in (event.get("exception") or {}).get("values", []) for f in
              (v.get("stacktrace") or {}).get("frames", [])]
    for keys in (("vars",), ("pre_context", "post_context", "context_line")):
        for frame in frames:
            for key in keys:
                frame.pop(key, None)
        if len(dumps(event)) <= MAX_EVENT_BYTES:
            return event
    for key in ("breadcrumbs", "extra", "request"):
        event.pop(key, None)
    return event


class Client:
    def __init__(self, options: Options, registry: Registry = default_registry,
                 rng: Optional[random.Random] = None) -> None:
        self.options = options
        self.rng = rng or random.Random()
        self._local = threading.local()  # .capturing: this thread is inside a capture
        self.registry = registry
        registry.max_series = options.max_series_per_metric
        self.logs_url = logs_endpoint(options)
        self.metrics_url = metrics_endpoint(options)
        self.logs_enabled = self.logs_url is not None
        self.logs_sample_rate = options.logs_sample_rate
        self.sender = HttpSender(options.http_timeout, options.gzip, f"{SDK_NAME}/{SDK_VERSION}")
        self.worker = Worker(
            options,
            self.sender,
            build_log_batch=self._build_log_batch if self.logs_url else None,
            build_metrics=self._build_metrics if self.metrics_url else None,
            rng=self.rng,
        )
        if self.metrics_url:
            registry.set_on_use(self.worker.start)
            if registry.has_series():  # metrics recorded before init() still get pushed
                self.worker.start()
        self._static_log_fields: Dict[str, Any] = {"environment": options.environment}
        if options.release:
            self._static_log_fields["release"] = options.release

    # ---- errors ---------------------------------------------------------------------------------

    def capture_exception(self, error: Optional[BaseException] = None, *, handled: bool = True,
                          mechanism: str = "generic", level: str = "error",
                          scope: Optional[Scope] = None, **event_fields: Any) -> Optional[str]:
        try:
            if error is None:
                error = sys.exc_info()[1]
                if error is None:
                    return None
            if not self._should_send_event():  # before the costly part: frames, vars, context
                return None
            outer = getattr(self._local, "capturing", False)
            self._local.capturing = True  # a __repr__ that logs an error must not capture itself
            try:
                values = exception_values(error, self.options, {"type": mechanism, "handled": handled})
            finally:
                self._local.capturing = outer
            event: Dict[str, Any] = {"level": level, "exception": {"values": values}}
            event.update(event_fields)
            return self._send_event(event, {"exc_info": error}, scope)
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "capture_exception")
            return None

    def capture_message(self, message: str, level: str = "info", scope: Optional[Scope] = None,
                        **event_fields: Any) -> Optional[str]:
        try:
            if not self._should_send_event():
                return None
            event: Dict[str, Any] = {"level": level, "message": str(message)[:MAX_MESSAGE_CHARS]}
            event.update(event_fields)
            return self._send_event(event, {}, scope)
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "capture_message")
            return None

    def capture_log_record(self, record: logging.LogRecord) -> Optional[str]:
        """A log record at ``log_event_level`` as an event (``logentry`` with its params).

        Ignored while this thread is capturing: a ``before_send`` or a ``__repr__`` that logs an
        error would otherwise capture itself forever."""
        if getattr(self._local, "capturing", False):
            return None
        fields: Dict[str, Any] = {"logger": record.name}
        params = list(record.args) if isinstance(record.args, tuple) else []
        entry = {"message": str(record.msg)[:MAX_MESSAGE_CHARS], "params": [serialize_value(p, 512) for p in params]}
        if record.exc_info and record.exc_info[1] is not None:
            return self.capture_exception(record.exc_info[1], mechanism="logging",
                                          level=sentry_level(record.levelno), logentry=entry, **fields)
        return self.capture_event({"level": sentry_level(record.levelno), "logentry": entry, **fields}, {})

    def capture_event(self, event: Dict[str, Any], hint: Optional[Dict[str, Any]] = None,
                      scope: Optional[Scope] = None) -> Optional[str]:
        try:
            if not self._should_send_event():
                return None
            return self._send_event(event, hint, scope)
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "capture_event")
            return None

    def _should_send_event(self) -> bool:
        if not self.options.parsed_dsn:
            return False
        if self.options.sample_rate < 1.0 and self.rng.random() >= self.options.sample_rate:
            self.worker.count_drop("sample_rate")
            return False
        return True

    def _send_event(self, event: Dict[str, Any], hint: Optional[Dict[str, Any]],
                    scope: Optional[Scope]) -> Optional[str]:
        outer = getattr(self._local, "capturing", False)
        self._local.capturing = True
        try:
            prepared: Optional[Dict[str, Any]] = self._prepare_event(event, scope or get_current_scope())
            if self.options.before_send is not None:
                prepared = self.options.before_send(prepared or {}, hint or {})
                if prepared is None:
                    self.worker.count_drop("before_send")
                    return None
            assert prepared is not None
            event_id = str(prepared["event_id"])
            self.worker.put(EVENT, self._event_request(prepared))
            return event_id
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "send_event")
            return None
        finally:
            self._local.capturing = outer

    def _prepare_event(self, event: Dict[str, Any], scope: Scope) -> Dict[str, Any]:
        opts = self.options
        event = dict(event)
        event.setdefault("event_id", uuid.uuid4().hex)
        event.setdefault("timestamp", _rfc3339(time.time()))
        event.setdefault("platform", "python")
        event.setdefault("level", "error")
        event.setdefault("server_name", opts.server_name)
        event.setdefault("environment", opts.environment)
        if opts.release:
            event.setdefault("release", opts.release)
        event["sdk"] = {"name": SDK_NAME, "version": SDK_VERSION}
        tags = dict(scope.tags)
        tags.setdefault("service", opts.service)
        tags.update(event.get("tags") or {})
        event["tags"] = tags
        if scope.user and "user" not in event:
            event["user"] = scrub_json(dict(scope.user))
        extra = dict(scope.extra)
        extra.update(event.get("extra") or {})
        if extra:
            event["extra"] = serialize_value(extra, opts.max_var_chars)
        # list() snapshots in one C call: another thread may set_context() meanwhile
        contexts: Dict[str, Any] = {k: dict(v) for k, v in list(scope.contexts.items())}
        contexts.setdefault("runtime", {"name": platform.python_implementation(), "version": platform.python_version()})
        contexts.setdefault("os", {"name": platform.system(), "version": platform.release()})
        trace = current_trace()
        if trace is not None:
            contexts["trace"] = {"trace_id": trace.trace_id, "span_id": trace.span_id, "type": "trace"}
            if trace.parent_span_id:
                contexts["trace"]["parent_span_id"] = trace.parent_span_id
            tags.setdefault("trace_id", trace.trace_id)
        contexts.update(event.get("contexts") or {})
        event["contexts"] = scrub_json(contexts)
        if scope.breadcrumbs and "breadcrumbs" not in event:
            event["breadcrumbs"] = {"values": list(scope.breadcrumbs)}
        if scope.request and "request" not in event:
            event["request"] = scope.request
        if scope.transaction and "transaction" not in event:
            event["transaction"] = scope.transaction
        return event

    def _event_request(self, event: Dict[str, Any]) -> Request:
        dsn = self.options.parsed_dsn
        assert dsn is not None
        trace_header: Optional[Dict[str, Any]] = None
        trace_ctx = event.get("contexts", {}).get("trace")
        if isinstance(trace_ctx, dict) and trace_ctx.get("trace_id"):
            trace_header = {"trace_id": trace_ctx["trace_id"], "public_key": dsn.public_key,
                            "environment": self.options.environment}
            if self.options.release:
                trace_header["release"] = self.options.release
        body = event_envelope(_fit_event(event), _rfc3339(time.time()), event["sdk"], trace_header)
        headers = {
            "Content-Type": "application/x-sentry-envelope",
            "X-Sentry-Auth": dsn.auth_header(f"{SDK_NAME}/{SDK_VERSION}"),
        }
        return Request("errors", dsn.envelope_url, headers, body, 1, "error")

    # ---- logs -----------------------------------------------------------------------------------

    def capture_log(self, level: str, message: str, **attributes: Any) -> None:
        """Ship one log line directly (not through ``logging``), e.g. the request log line."""
        try:
            if not self.logs_enabled:
                return
            levelno = logging.getLevelName(level.upper())
            if not isinstance(levelno, int):
                levelno = logging.INFO
            record = logging.LogRecord("flowrent.request", levelno, "", 0, message, (), None)
            record.__dict__.update(attributes)
            self.worker.put(LOG, (record, message, None, current_trace()))
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "capture_log")

    def _build_log_batch(self, items: List[Captured]) -> List[Request]:
        """One request per ``MAX_REQUEST_BYTES`` of lines: the log viewer answers a longer body with
        a 413 for all of it (500 records near the line limit are 128 MB)."""
        bodies: List[List[bytes]] = []
        size = 0
        for item in items:
            line = record_line(record_to_json(item, self.options.service, self.options.server_name,
                                              self._static_log_fields))
            if line is None:
                self.worker.count_drop("too_large")
                continue
            if not bodies or size + len(line) + 1 > MAX_REQUEST_BYTES:
                bodies.append([])
                size = 0
            bodies[-1].append(line)
            size += len(line) + 1
        headers = {"Content-Type": "application/x-ndjson"}
        if self.options.logs_key:
            headers["Authorization"] = f"Bearer {self.options.logs_key}"
        assert self.logs_url is not None
        return [Request("logs", self.logs_url, headers, records_to_ndjson(lines), len(lines), "log_item")
                for lines in bodies]

    # ---- metrics --------------------------------------------------------------------------------

    def default_metric_labels(self) -> Dict[str, str]:
        labels = {"service": self.options.service}
        if self.options.metrics_instance_label:
            labels["instance"] = f"{self.options.server_name}:{os.getpid()}"
        return labels

    def _build_metrics(self) -> Optional[Request]:
        payload = self.registry.to_payload(self.default_metric_labels(), time.time())
        refused = self.registry.refused
        if refused:
            self.registry.refused = 0
            self.worker.count_drop("cardinality", refused)
        if not payload:
            return None
        headers = {"Content-Type": "application/json"}
        if self.options.metrics_key:
            headers["Authorization"] = f"Bearer {self.options.metrics_key}"
        assert self.metrics_url is not None
        return Request("metrics", self.metrics_url, headers, dumps({"metrics": payload}), len(payload), "metric")

    # ---- lifecycle ------------------------------------------------------------------------------

    def flush(self, timeout: float = 2.0) -> bool:
        try:
            ok = self.worker.flush(timeout)
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "flush")
            ok = False
        _internal.raise_pending()
        return ok

    def close(self, timeout: Optional[float] = None) -> bool:
        try:
            ok = self.worker.close(self.options.shutdown_timeout if timeout is None else timeout)
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "close")
            ok = False
        if self.registry._on_use == self.worker.start:
            self.registry.set_on_use(None)
        _internal.raise_pending()
        return ok

    def stats(self) -> Dict[str, Any]:
        """Counts of what was sent and dropped (by reason), and what is still queued."""
        return {"sent": dict(self.worker.sent), "dropped": dict(self.worker.dropped), "queued": self.worker.queued(),
                "last_error": dict(self.worker.last_error)}

