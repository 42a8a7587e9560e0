"""FlowRent Monitoring client: errors, logs and metrics from Python, standard library only.

    import flowrent_monitoring as fm
    fm.init(service="checkout")          # or FLOWRENT_* environment variables
    fm.capture_exception(exc)
    fm.counter("orders_total").inc(status="ok")

Nothing here raises into the host or blocks on the network; see the README.
"""

from __future__ import annotations

import atexit
import logging
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator, Optional

from . import _internal
from .client import SDK_VERSION, Client, get_client, set_client
from .hooks import ExceptHooks
from .logs import BreadcrumbHandler, LogHandler
from .metrics import DEFAULT_BUCKETS, Counter, Gauge, Histogram, Timer
from .registry import default_registry
from .options import Options, build_options
from .scope import Scope, get_current_scope, get_global_scope, isolation_scope, reset_global_scope
from .trace import TraceContext, continue_from_headers, current_trace, outgoing_headers, trace

__version__ = SDK_VERSION
__all__ = [
    "init", "close", "flush", "get_client", "stats",
    "capture_exception", "capture_message", "capture_event",
    "set_tag", "set_user", "set_extra", "set_context", "add_breadcrumb", "isolation_scope", "new_scope",
    "counter", "gauge", "histogram", "timer",
    "LogHandler", "Client", "get_global_scope", "Options", "Scope", "TraceContext", "current_trace", "trace",
    "continue_trace", "outgoing_headers",
    "Counter", "Gauge", "Histogram", "Timer",
]

_installed: Dict[str, Any] = {}


def init(**options: Any) -> Optional[Client]:
    """Configure the client from arguments (see ``Options``) and ``FLOWRENT_*`` variables.

    Replaces a previous client. Returns ``None`` (and logs at debug) if the options are invalid,
    unless ``raise_internal_errors`` is set.
    """
    close(timeout=0)
    try:
        opts = build_options(options)
    except ValueError as exc:
        _internal.set_strict(bool(options.get("raise_internal_errors")))
        _internal.report(exc, "init")
        return None
    _internal.set_strict(opts.raise_internal_errors)
    try:
        return _install(opts)
    except Exception as exc:  # noqa: BLE001 - init() must not take the host down either
        _internal.report(exc, "init")
        return None


def _install(opts: Options) -> Client:
    if opts.debug:
        _enable_debug_output()
    reset_global_scope(opts.max_breadcrumbs)
    client = Client(opts)
    set_client(client)
    root = logging.getLogger()
    if client.logs_enabled and opts.capture_logs:
        handler = LogHandler(opts.log_level, client)
        root.addHandler(handler)
        _installed["log_handler"] = handler
    if opts.breadcrumbs_from_logging or opts.log_event_level is not None:
        crumbs = BreadcrumbHandler(opts.breadcrumb_level if opts.breadcrumbs_from_logging else 100,
                                   opts.log_event_level, client)
        root.addHandler(crumbs)
        _installed["breadcrumb_handler"] = crumbs
    if opts.install_excepthooks:
        hooks = ExceptHooks(client.capture_exception)
        hooks.install()
        _installed["hooks"] = hooks
    if not _installed.get("atexit"):
        atexit.register(_at_exit)
        _installed["atexit"] = True
    return client


def _enable_debug_output() -> None:
    if not any(getattr(h, "_flowrent_debug", False) for h in _internal.logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[flowrent_monitoring] %(levelname)s %(message)s"))
        handler._flowrent_debug = True  # type: ignore[attr-defined]
        _internal.logger.addHandler(handler)
    _internal.logger.setLevel(logging.DEBUG)


def _at_exit() -> None:
    client = get_client()
    if client is not None:
        try:
            client.worker.close(client.options.shutdown_timeout)
        except Exception as exc:  # noqa: BLE001 - nothing may escape at interpreter exit
            _internal.report(exc, "atexit", background=True)


def close(timeout: Optional[float] = None) -> bool:
    """Flush (up to ``timeout`` seconds, default ``shutdown_timeout``), stop, uninstall hooks."""
    client = get_client()
    hooks = _installed.pop("hooks", None)
    if hooks is not None:
        hooks.uninstall()
    root = logging.getLogger()
    for key in ("log_handler", "breadcrumb_handler"):
        handler = _installed.pop(key, None)
        if handler is not None:
            root.removeHandler(handler)
    if client is None:
        return True
    set_client(None)
    return client.close(timeout)


def flush(timeout: float = 2.0) -> bool:
    """Wait up to ``timeout`` seconds for everything queued to be sent; ``True`` if it was.

    ``False`` when the deadline passed first or when something was dropped since the previous flush
    (rejected by the server, rate limited, queue full): ``fm.stats()`` says what and why."""
    client = get_client()
    return client.flush(timeout) if client is not None else True


def stats() -> Dict[str, Any]:
    client = get_client()
    return client.stats() if client is not None else {"sent": {}, "dropped": {}, "queued": 0, "last_error": {}}


def capture_exception(error: Optional[BaseException] = None, **fields: Any) -> Optional[str]:
    """Send ``error`` (default: the exception being handled); returns the event id or ``None``."""
    client = get_client()
    return client.capture_exception(error, **fields) if client is not None else None


def capture_message(message: str, level: str = "info", **fields: Any) -> Optional[str]:
    client = get_client()
    return client.capture_message(message, level, **fields) if client is not None else None


def capture_event(event: Dict[str, Any], hint: Optional[Dict[str, Any]] = None) -> Optional[str]:
    client = get_client()
    return client.capture_event(event, hint) if client is not None else None


def set_tag(key: str, value: Any) -> None:
    get_current_scope().set_tag(key, value)


def set_user(user: Optional[Dict[str, Any]]) -> None:
    get_current_scope().set_user(user)


def set_extra(key: str, value: Any) -> None:
    get_current_scope().set_extra(key, value)


def set_context(key: str, value: Optional[Dict[str, Any]]) -> None:
    get_current_scope().set_context(key, value)


def add_breadcrumb(message: Optional[str] = None, category: str = "default", level: str = "info",
                   data: Optional[Dict[str, Any]] = None, type: str = "default") -> None:
    crumb: Dict[str, Any] = {"type": type, "category": category, "level": level}
    if message is not None:
        crumb["message"] = message
    if data:
        crumb["data"] = data
    get_current_scope().add_breadcrumb(crumb)


@contextmanager
def new_scope() -> Iterator[Scope]:
    """Alias of ``isolation_scope``: changes inside the block stay inside it."""
    with isolation_scope() as scope:
        yield scope


def continue_trace(headers: Dict[str, str]) -> TraceContext:
    """A trace continued from incoming ``traceparent``/``sentry-trace`` headers (any case), or a new
    one: ``with fm.trace(fm.continue_trace(message.headers)):`` in a queue consumer."""
    return continue_from_headers({k.lower(): v for k, v in headers.items()})


def counter(name: str, help: str = "") -> Counter:
    return default_registry.counter(name, help)


def gauge(name: str, help: str = "") -> Gauge:
    return default_registry.gauge(name, help)


def histogram(name: str, help: str = "", buckets: Iterable[float] = DEFAULT_BUCKETS) -> Histogram:
    return default_registry.histogram(name, help, buckets)


def timer(name: str, help: str = "", buckets: Iterable[float] = DEFAULT_BUCKETS, **labels: Any) -> Timer:
    """Histogram of durations in seconds, as a context manager or a decorator."""
    return default_registry.timer(name, help, buckets, **labels)

