"""Client options: one declarative table of (name, environment variable, default, doc).

``init(**kwargs)`` overrides the environment, which overrides the defaults. The table is the
single source for the README's configuration section.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from .dsn import Dsn, parse_dsn

BeforeSend = Callable[[Dict[str, Any], Dict[str, Any]], Optional[Dict[str, Any]]]


def _env_bool(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


# name -> (environment variables in priority order, parser)
ENVIRONMENT: Dict[str, Tuple[Tuple[str, ...], Callable[[str], Any]]] = {
    "dsn": (("FLOWRENT_DSN", "SENTRY_DSN"), str),
    "logs_url": (("FLOWRENT_LOGS_URL",), str),
    "logs_key": (("FLOWRENT_LOGS_KEY",), str),
    "metrics_url": (("FLOWRENT_METRICS_URL",), str),
    "metrics_key": (("FLOWRENT_METRICS_KEY",), str),
    "service": (("FLOWRENT_SERVICE",), str),
    "environment": (("FLOWRENT_ENVIRONMENT", "SENTRY_ENVIRONMENT"), str),
    "release": (("FLOWRENT_RELEASE", "SENTRY_RELEASE"), str),
    "sample_rate": (("FLOWRENT_SAMPLE_RATE",), float),
    "logs_sample_rate": (("FLOWRENT_LOGS_SAMPLE_RATE",), float),
    "metrics_interval": (("FLOWRENT_METRICS_INTERVAL",), float),
    "debug": (("FLOWRENT_DEBUG",), _env_bool),
}


@dataclass
class Options:
    dsn: Optional[str] = None  # error tracker DSN; errors are not sent without it
    logs_url: Optional[str] = None  # log viewer base URL (POST <url>/api/logs)
    logs_key: Optional[str] = None  # log viewer ingest or admin key (Bearer)
    metrics_url: Optional[str] = None  # metrics collector base URL (POST <url>/api/metrics)
    metrics_key: Optional[str] = None  # metrics collector ingest or admin key (Bearer)
    service: str = "python-app"  # service name on log records and the `service` metric label
    environment: str = "production"
    release: Optional[str] = None
    server_name: str = field(default_factory=socket.gethostname)
    sample_rate: float = 1.0  # fraction of error events sent (0..1)
    logs_sample_rate: float = 1.0  # fraction of log records shipped (0..1)
    before_send: Optional[BeforeSend] = None  # (event, hint) -> event, or None to drop
    debug: bool = False  # print the client's own debug log to stderr
    raise_internal_errors: bool = False  # tests: internal errors raise instead of being swallowed
    install_excepthooks: bool = True  # sys.excepthook and threading.excepthook (chained)
    capture_logs: bool = True  # attach the log shipping handler to the root logger (needs logs_url)
    log_level: int = logging.INFO  # lowest level shipped by that handler
    breadcrumbs_from_logging: bool = True
    breadcrumb_level: int = logging.INFO
    max_breadcrumbs: int = 100
    log_event_level: Optional[int] = None  # e.g. logging.ERROR: such log records also become events
    include_local_variables: bool = True
    max_var_chars: int = 512  # repr() of one local variable is cut to this many characters
    max_vars_per_frame: int = 50
    max_frames: int = 100  # frames per exception, trimmed from the middle
    queue_size: int = 10000  # pending items (events + log records); overflow is dropped and counted
    log_batch_size: int = 500  # records per POST /api/logs
    log_flush_interval: float = 1.0  # seconds a partial log batch waits
    metrics_interval: float = 10.0  # seconds between POST /api/metrics
    max_series_per_metric: int = 1000  # cardinality guard: new label sets past this are refused
    metrics_instance_label: bool = True  # add instance="<host>:<pid>" so forked workers do not collide
    max_retries: int = 5  # per payload, on 429 / 5xx / network errors
    backoff_base: float = 0.5  # seconds; doubles per attempt, with jitter (half fixed, half random)
    backoff_max: float = 60.0
    http_timeout: float = 5.0  # seconds per HTTP request (on the background thread)
    shutdown_timeout: float = 2.0  # atexit flush deadline in seconds
    gzip: bool = True

    parsed_dsn: Optional[Dsn] = field(default=None, init=False, repr=False)


def _endpoint(base: Optional[str], suffix: str) -> Optional[str]:
    if not base:
        return None
    base = base.rstrip("/")
    return base if base.endswith(suffix) else base + suffix


def logs_endpoint(options: Options) -> Optional[str]:
    return _endpoint(options.logs_url, "/api/logs")


def metrics_endpoint(options: Options) -> Optional[str]:
    return _endpoint(options.metrics_url, "/api/metrics")


def build_options(kwargs: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Options:
    """Arguments win over the environment, which wins over the defaults. Raises ``ValueError``."""
    known = {f.name for f in fields(Options) if f.init}
    unknown = set(kwargs) - known
    if unknown:
        raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
    values: Dict[str, Any] = {}
    for name, (variables, parse) in ENVIRONMENT.items():
        for var in variables:
            raw = environ.get(var)
            if raw:
                try:
                    values[name] = parse(raw)
                except ValueError as exc:
                    raise ValueError(f"{var}: {exc}") from None
                break
    values.update({k: v for k, v in kwargs.items() if v is not None})
    options = Options(**values)
    for rate in ("sample_rate", "logs_sample_rate"):
        if not 0.0 <= getattr(options, rate) <= 1.0:
            raise ValueError(f"{rate} must be between 0 and 1")
    if options.dsn:
        options.parsed_dsn = parse_dsn(options.dsn)
    return options
