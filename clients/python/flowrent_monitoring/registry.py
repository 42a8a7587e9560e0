"""The metric registry: get-or-create by name, cardinality limit, the collector's push JSON.

``default_registry`` is what ``fm.counter()`` and friends use; metrics may be created before
``init()``. After ``os.fork()`` the child gets fresh locks and zeroed series.
"""

from __future__ import annotations

import math
import os
import re
import threading
import weakref
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Type, TypeVar

from . import _internal
from .metrics import _NAME, DEFAULT_BUCKETS, DEFAULT_MAX_SERIES, Counter, Gauge, Histogram, Timer, _Metric

M = TypeVar("M", bound=_Metric)

class Registry:
    def __init__(self, max_series: int = DEFAULT_MAX_SERIES) -> None:
        self.max_series = max_series
        self.refused = 0
        self._metrics: Dict[str, _Metric] = {}
        self._lock = threading.Lock()
        self._on_use: Optional[Callable[[], None]] = None
        _REGISTRIES.add(self)

    def set_on_use(self, callback: Optional[Callable[[], None]]) -> None:
        self._on_use = callback

    def notify_use(self) -> None:
        callback = self._on_use
        if callback is not None:
            callback()

    def has_series(self) -> bool:
        return any(metric._series for metric in list(self._metrics.values()))

    def count_refused(self) -> None:
        self.refused += 1

    def _get(self, cls: Type[M], name: str, help: str, **kwargs: Any) -> M:
        metric = self._metrics.get(name)
        if metric is None:
            if not _NAME.match(name):
                _internal.report(ValueError(f"invalid metric name {name!r}"), "metrics")
                name = re.sub(r"[^a-zA-Z0-9_:]", "_", name) or "_"
                if name[0].isdigit():
                    name = "_" + name
            with self._lock:
                metric = self._metrics.get(name)
                if metric is None:
                    clash = self._clash(cls.kind, name)
                    if clash is not None:
                        _internal.report(ValueError(clash), "metrics")
                        return cls(Registry(0), name, help, **kwargs)  # detached: records nothing
                    metric = self._metrics[name] = cls(self, name, help, **kwargs)
        if not isinstance(metric, cls):
            _internal.report(TypeError(f"metric {name!r} is a {metric.kind}, not a {cls.kind}"), "metrics")
            return cls(Registry(0), name, help, **kwargs)  # detached: records nothing
        return metric

    def counter(self, name: str, help: str = "") -> Counter:
        return self._get(Counter, name, help)

    def gauge(self, name: str, help: str = "") -> Gauge:
        return self._get(Gauge, name, help)

    def histogram(self, name: str, help: str = "", buckets: Iterable[float] = DEFAULT_BUCKETS) -> Histogram:
        return self._get(Histogram, name, help, buckets=tuple(buckets))

    def timer(self, name: str, help: str = "", buckets: Iterable[float] = DEFAULT_BUCKETS, **labels: Any) -> Timer:
        return Timer(self.histogram(name, help, buckets), labels)

    def _clash(self, kind: str, name: str) -> Optional[str]:
        """Why a new ``kind`` metric ``name`` may not be created: it would write a series of another
        type's metric (a histogram ``x`` writes ``x_bucket``, ``x_sum`` and ``x_count``, a counter
        ``x`` also owns ``x_total``). The collector refuses such a push whole (in one push, or
        against what an earlier one stored), and every metric of the process with it."""
        mine = set(_series_names(kind, name))
        for other in self._metrics.values():
            shared = mine.intersection(_series_names(other.kind, other.name))
            if shared and other.kind != kind:
                return (f"metric {name!r} ({kind}) would write {min(shared)}, a series of the {other.kind} "
                        f"{other.name!r}; name it otherwise")
        return None

    def reset(self) -> None:
        """Zero every series."""
        for metric in list(self._metrics.values()):
            metric.reset()
        self.refused = 0

    def _after_fork_in_child(self) -> None:
        # New locks without acquiring the old ones (a parent thread may have held them), and
        # zeroed series: the child counts its own work under its own ``instance`` label.
        self._lock = threading.Lock()
        for metric in list(self._metrics.values()):
            metric._lock = threading.Lock()
            metric._series = {}
        self.refused = 0

    def clear(self) -> None:
        with self._lock:
            self._metrics = {}
        self.refused = 0

    def to_payload(self, default_labels: Dict[str, str], now: float) -> List[Dict[str, Any]]:
        """The collector's JSON ``metrics`` list; cumulative counts and buckets."""
        out: List[Dict[str, Any]] = []
        for metric in list(self._metrics.values()):
            for key, state in metric.snapshot():
                labels = dict(default_labels)
                labels.update(key)
                item: Dict[str, Any] = {"name": metric.name, "type": metric.kind, "labels": labels, "timestamp": now}
                if metric.help:
                    item["help"] = metric.help
                if isinstance(metric, Histogram):
                    _fill_histogram(item, metric.bounds, state)
                else:
                    item["value"] = _number(state)
                out.append(item)
        return out


def _series_names(kind: str, name: str) -> Sequence[str]:
    """The series a metric owns, as the collector's push API reads them (store/metric-types.ts)."""
    if kind == "histogram":
        return (f"{name}_bucket", f"{name}_sum", f"{name}_count")
    return (name, f"{name}_total") if kind == "counter" else (name,)


def _fill_histogram(item: Dict[str, Any], bounds: Sequence[float], state: Dict[str, Any]) -> None:
    running = 0
    buckets: List[Dict[str, Any]] = []
    for bound, n in zip(list(bounds) + ["+Inf"], state["counts"]):
        running += n
        buckets.append({"le": bound, "count": running})
    item["buckets"] = buckets
    item["sum"] = _number(state["sum"])  # observe(inf) makes it inf
    item["count"] = state["count"]
    if state["exemplar"] is not None:
        trace_id, value, ts = state["exemplar"]
        item["exemplar"] = {"labels": {"trace_id": trace_id}, "value": _number(value), "timestamp": ts}


def _number(value: float) -> Any:
    """A sample value as the collector reads it: JSON has no NaN or infinities, and ``dumps`` would
    send them as null, which the collector refuses with a 400 for the whole push (every metric of
    the process, every interval); its push JSON takes them as the strings Prometheus writes."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "+Inf" if value > 0 else "-Inf"
    return value


_REGISTRIES: "weakref.WeakSet[Registry]" = weakref.WeakSet()


def _reset_registries_in_child() -> None:
    for registry in list(_REGISTRIES):
        registry._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_registries_in_child)

default_registry = Registry()
