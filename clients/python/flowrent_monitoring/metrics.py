"""In-process metrics: counter, gauge, histogram (explicit buckets) and timer, with labels.

Values are aggregated here and pushed as cumulative totals (like a Prometheus client's exposition)
to the collector's ``POST /api/metrics`` JSON by the worker every ``metrics_interval`` seconds, so a
lost push loses nothing. A cardinality guard refuses new label sets past ``max_series`` per metric
(counted as dropped). Misuse (a bad name, a type clash) is an internal error: logged and ignored in
production, raised in tests.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

from . import _internal
from .trace import current_trace

if TYPE_CHECKING:
    from .registry import Registry

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DEFAULT_MAX_SERIES = 1000
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MAX_LABEL_VALUE_CHARS = 200

LabelKey = Tuple[Tuple[str, str], ...]
F = TypeVar("F", bound=Callable[..., Any])


def _label_key(labels: Dict[str, Any]) -> LabelKey:
    if not labels:
        return ()
    return tuple(sorted((k, str(v)[:MAX_LABEL_VALUE_CHARS]) for k, v in labels.items()))


class _Metric:
    kind = ""

    def __init__(self, registry: "Registry", name: str, help: str) -> None:
        self.registry = registry
        self.name = name
        self.help = help
        self._lock = threading.Lock()
        self._series: Dict[LabelKey, Any] = {}
        self._refused_logged = False

    def _state(self, labels: Dict[str, Any]) -> Any:
        """The series for ``labels`` (created if allowed); ``None`` when refused. Caller holds lock."""
        key = _label_key(labels)
        state = self._series.get(key)
        if state is not None:
            return state
        for label in labels:
            if not _LABEL.match(label) or label.startswith("__") or (label == "le" and self.kind == "histogram"):
                _internal.report(ValueError(f"invalid label name {label!r} on {self.name}"), "metrics")
                return None
        if len(self._series) >= self.registry.max_series:
            self.registry.count_refused()
            if not self._refused_logged:
                self._refused_logged = True
                _internal.logger.debug("metric %s: cardinality limit %d reached; new label sets refused",
                                       self.name, self.registry.max_series)
            return None
        state = self._series[key] = self._new_state()
        self.registry.notify_use()
        return state

    def _new_state(self) -> Any:
        raise NotImplementedError

    def reset(self) -> None:
        with self._lock:
            self._series = {}

    def labels(self, **labels: Any) -> "_Bound":
        return _Bound(self, labels)

    def snapshot(self) -> List[Tuple[LabelKey, Any]]:
        with self._lock:
            return [(k, self._copy(v)) for k, v in self._series.items()]

    def _copy(self, state: Any) -> Any:
        return state[0] if isinstance(state, list) and len(state) == 1 else state


class _Bound:
    """A metric with its labels fixed: ``requests.labels(route="/a").inc()``."""

    def __init__(self, metric: _Metric, labels: Dict[str, Any]) -> None:
        self._metric = metric
        self._labels = labels

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._metric, name)
        return functools.partial(method, **self._labels)


class Counter(_Metric):
    kind = "counter"

    def _new_state(self) -> List[float]:
        return [0.0]

    def inc(self, amount: float = 1.0, **labels: Any) -> None:
        if amount < 0:
            _internal.report(ValueError(f"counter {self.name} cannot decrease"), "metrics")
            return
        with self._lock:
            state = self._state(labels)
            if state is not None:
                state[0] += amount


class Gauge(_Metric):
    kind = "gauge"

    def _new_state(self) -> List[float]:
        return [0.0]

    def set(self, value: float, **labels: Any) -> None:
        with self._lock:
            state = self._state(labels)
            if state is not None:
                state[0] = float(value)

    def inc(self, amount: float = 1.0, **labels: Any) -> None:
        with self._lock:
            state = self._state(labels)
            if state is not None:
                state[0] += amount

    def dec(self, amount: float = 1.0, **labels: Any) -> None:
        self.inc(-amount, **labels)


class _HistogramState:
    __slots__ = ("counts", "sum", "count", "exemplar")

    def __init__(self, n: int) -> None:
        self.counts = [0] * n  # per bucket, not cumulative; the last one is +Inf
        self.sum = 0.0
        self.count = 0
        self.exemplar: Optional[Tuple[str, float, float]] = None  # trace_id, value, epoch seconds


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, registry: "Registry", name: str, help: str, buckets: Sequence[float]) -> None:
        super().__init__(registry, name, help)
        # +Inf is always the last bucket; a NaN bound has no place (its "le" would be null)
        bounds = sorted(float(b) for b in buckets if math.isfinite(float(b)))
        self.bounds = tuple(dict.fromkeys(bounds))

    def _new_state(self) -> _HistogramState:
        return _HistogramState(len(self.bounds) + 1)

    def observe(self, value: float, **labels: Any) -> None:
        trace = current_trace()
        index = len(self.bounds)
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                index = i
                break
        with self._lock:
            state = self._state(labels)
            if state is None:
                return
            state.counts[index] += 1
            state.sum += value
            state.count += 1
            if trace is not None:
                state.exemplar = (trace.trace_id, value, time.time())

    def time(self, **labels: Any) -> "Timer":
        return Timer(self, labels)

    def _copy(self, state: _HistogramState) -> Dict[str, Any]:
        return {"counts": list(state.counts), "sum": state.sum, "count": state.count, "exemplar": state.exemplar}


class Timer:
    """Times a block or a function into a histogram, in seconds.

    ``with metrics.timer("job_seconds", job="x"):`` or ``@metrics.timer("job_seconds")``. One
    object may be used by several threads at once: start times live on a per-thread stack.
    """

    def __init__(self, histogram: Histogram, labels: Dict[str, Any]) -> None:
        self._histogram = histogram
        self._labels = labels
        self._local = threading.local()

    def __enter__(self) -> "Timer":
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        stack.append(time.perf_counter())
        return self

    def __exit__(self, *exc: Any) -> None:
        start = self._local.stack.pop()
        self._histogram.observe(time.perf_counter() - start, **self._labels)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self._histogram.observe(time.perf_counter() - start, **self._labels)

        return wrapper  # type: ignore[return-value]
