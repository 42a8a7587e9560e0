"""The background worker: one lazily started, fork-safe daemon thread per client.

The host's threads only ever ``put()`` into a bounded deque (append + length check, no lock, no
thread wake-up per log record); when it is full the item is dropped and counted. The worker
drains it, batches log records, sends events, pushes a metrics snapshot every interval, and
retries per channel with exponential backoff and jitter. Retries are *scheduled* (a per-channel
``blocked_until``), never slept, so ``flush(timeout)`` always returns by its deadline.
"""

from __future__ import annotations

import os
import random
import threading
import time
import weakref
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from . import _internal
from .options import Options
from .transport import DROP, OK, HttpSender, Request, Verdict

EVENT, LOG = "event", "log"
MAX_BACKLOG_REQUESTS = 50  # per channel while its service is failing
IDLE_WAKE_SECONDS = 1.0

LogBatchBuilder = Callable[[List[Any]], List[Request]]  # captured records -> their requests
MetricsBuilder = Callable[[], Optional[Request]]


# Drops the application asked for: they do not make a flush report a failed delivery.
CHOSEN_DROPS = frozenset({"sample_rate", "before_send"})

class _Channel:
    def __init__(self, name: str) -> None:
        self.name = name
        self.backlog: Deque[Request] = deque()
        self.blocked_until = 0.0
        self.rate_limits: Dict[str, float] = {}  # category -> monotonic deadline


class Worker:
    def __init__(
        self,
        options: Options,
        sender: HttpSender,
        build_log_batch: Optional[LogBatchBuilder] = None,
        build_metrics: Optional[MetricsBuilder] = None,
        clock: Callable[[], float] = time.monotonic,
        rng: Optional[random.Random] = None,
    ) -> None:
        self.options = options
        self.sender = sender
        self.build_log_batch = build_log_batch
        self.build_metrics = build_metrics
        self.clock = clock
        self.rng = rng or random.Random()
        self.maxsize = options.queue_size
        self.dropped: Dict[str, int] = {}
        self._drops_at_last_flush = 0
        self.sent: Dict[str, int] = {}
        self.last_error: Dict[str, str] = {}  # channel -> latest failure, for stats() and debugging
        self._init_state()
        _WORKERS.add(self)

    def _init_state(self) -> None:
        self._queue: Deque[Tuple[str, Any]] = deque()
        self._wake = threading.Event()
        self._done = threading.Condition()
        self._start_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stopping = False
        self._closed = False
        self._flush_requested = 0
        self._flush_done = 0
        self._logs: List[Any] = []
        self._log_deadline: Optional[float] = None
        self._metrics_deadline = self.clock() + self.options.metrics_interval
        self._channels = {name: _Channel(name) for name in ("errors", "logs", "metrics")}

    # ---- host side: never blocks, never raises ------------------------------------------------

    def put(self, kind: str, item: Any) -> bool:
        if self._closed:
            self.count_drop("closed")
            return False
        if len(self._queue) >= self.maxsize:
            self.count_drop("queue_full")
            return False
        self._queue.append((kind, item))
        if self._thread is None:
            self._start()
        # Wake the worker for events, for the first record of a batch and per full batch, not per
        # record: Event.set() takes a lock, and waking a thread per record costs the host CPU.
        if kind == EVENT or self._log_deadline is None or len(self._queue) % self.options.log_batch_size == 0:
            self._wake.set()
        return True

    def count_drop(self, reason: str, n: int = 1) -> None:
        with self._count_lock:
            self.dropped[reason] = self.dropped.get(reason, 0) + n

    def _count_sent(self, channel: str, n: int) -> None:
        with self._count_lock:
            self.sent[channel] = self.sent.get(channel, 0) + n

    def start(self) -> None:
        """Start the thread now (metrics pushes need it even when nothing is queued)."""
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._closed:
                return
            thread = threading.Thread(target=self._run, name="flowrent-monitoring", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # interpreter shutdown: flush() drains inline instead
                return
            self._thread = thread

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far is sent or dropped, at most ``timeout`` seconds.

        ``True`` only if it all went: a drop counted since the previous flush (rejected, rate
        limited, queue full; not the application's own sampling or ``before_send``) means something
        was not delivered. Counted since the previous
        flush, not since this call, because the worker may drop an item before the call begins."""
        done = self._wait_for_flush(max(0.0, timeout))
        with self._count_lock:
            drops = sum(n for reason, n in self.dropped.items() if reason not in CHOSEN_DROPS)
            nothing_dropped = drops == self._drops_at_last_flush
            self._drops_at_last_flush = drops
        return done and nothing_dropped

    def _wait_for_flush(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        thread = self._thread
        if thread is None or not thread.is_alive():
            return self._flush_inline(deadline)
        with self._done:
            self._flush_requested += 1
            target = self._flush_requested
        self._wake.set()
        with self._done:
            while self._flush_done < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._done.wait(remaining)
        return True

    def close(self, timeout: float) -> bool:
        ok = self.flush(timeout)
        with self._build_lock:
            self._closed = True
        self._stopping = True
        self._wake.set()
        return ok

    def queued(self) -> int:
        return len(self._queue) + self._unsent()

    def _unsent(self) -> int:
        return len(self._logs) + sum(len(c.backlog) for c in self._channels.values())

    # ---- worker side ----------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping:
            try:
                self._wake.wait(self._wait_seconds())
                self._wake.clear()
                with self._done:
                    flushing = self._flush_requested
                self._step(flush=flushing > self._flush_done)
                # Everything put before the flush request was drained by this step; what other
                # threads put since then does not hold the flush up.
                if flushing > self._flush_done and self._unsent() == 0:
                    with self._done:
                        self._flush_done = flushing
                        self._done.notify_all()
            except Exception as exc:  # noqa: BLE001 - the worker must survive its own bugs
                _internal.report(exc, "worker", background=True)
                time.sleep(0.05)
        self.sender.close()

    def _wait_seconds(self) -> float:
        now = self.clock()
        deadlines = [self._metrics_deadline if self.build_metrics else now + IDLE_WAKE_SECONDS]
        if self._log_deadline is not None:
            deadlines.append(self._log_deadline)
        for channel in self._channels.values():
            if channel.backlog:
                deadlines.append(channel.blocked_until)
        return min(IDLE_WAKE_SECONDS, max(0.0, min(deadlines) - now))

    def _flush_inline(self, deadline: float) -> bool:
        """Drain on the caller's thread: only when no worker thread can run (shutdown, closed)."""
        while time.monotonic() < deadline:
            self._step(flush=True, deadline=deadline)
            if self.queued() == 0:
                return True
            waits = [c.blocked_until for c in self._channels.values() if c.backlog]
            pause = min(waits) - self.clock() if waits else 0.0
            if pause > 0:
                if time.monotonic() + pause >= deadline:
                    return False
                time.sleep(pause)
        return self.queued() == 0

    def _step(self, flush: bool, deadline: Optional[float] = None) -> None:
        now = self.clock()
        self._drain(now)
        if self._logs and (flush or len(self._logs) >= self.options.log_batch_size
                           or (self._log_deadline is not None and now >= self._log_deadline)):
            self._batch_logs()
        if self.build_metrics and (flush or now >= self._metrics_deadline):
            self._metrics_deadline = now + self.options.metrics_interval
            with self._build_lock:
                # The registry outlives this worker: once closed (init() again replaces the client
                # with close(timeout=0), which does not wait for this thread), a step still running
                # must not take the new client's snapshot and refused counts.
                request = None if self._closed else self.build_metrics()
            if request is not None:
                channel = self._channels["metrics"]
                # Cumulative values: a newer snapshot replaces one still waiting to be retried.
                if channel.backlog:
                    request.attempts = channel.backlog[0].attempts
                    channel.backlog.clear()
                channel.backlog.append(request)
        for channel in self._channels.values():
            self._send_channel(channel, deadline)

    def _drain(self, now: float) -> None:
        queue = self._queue
        errors = self._channels["errors"]
        while queue:
            kind, item = queue.popleft()
            if kind == LOG:
                self._logs.append(item)
            elif self._limited(errors, item.category, now):
                self.count_drop("rate_limited", item.count)
            else:
                self._enqueue(errors, item)
        if self._logs and self._log_deadline is None:
            self._log_deadline = now + self.options.log_flush_interval

    def _batch_logs(self) -> None:
        records, self._logs, self._log_deadline = self._logs, [], None
        size = max(1, self.options.log_batch_size)
        for start in range(0, len(records), size):
            chunk = records[start : start + size]
            if self.build_log_batch is None:
                self.count_drop("no_destination", len(chunk))
                continue
            # none when it dropped (and counted) every record, several past the body limit
            for request in self.build_log_batch(chunk):
                self._enqueue(self._channels["logs"], request)

    def _enqueue(self, channel: _Channel, request: Request) -> None:
        # While a destination is healthy the backlog empties every step (the queue bounds it);
        # while it is failing (blocked for a retry) it is capped and new requests are dropped.
        if len(channel.backlog) >= MAX_BACKLOG_REQUESTS and self.clock() < channel.blocked_until:
            self.count_drop("backlog_full", request.count)
            return
        channel.backlog.append(request)

    def _limited(self, channel: _Channel, category: str, now: float) -> bool:
        until = max(channel.rate_limits.get(category, 0.0), channel.rate_limits.get("*", 0.0))
        return now < until

    def _send_channel(self, channel: _Channel, deadline: Optional[float]) -> None:
        while channel.backlog and self.clock() >= channel.blocked_until and not self._stopping:
            if deadline is not None and time.monotonic() >= deadline:
                return
            request = channel.backlog[0]
            verdict = self.sender.send(request)
            self._apply(channel, request, verdict)

    def _apply(self, channel: _Channel, request: Request, verdict: Verdict) -> None:
        now = self.clock()
        for category, seconds in verdict.rate_limits.items():
            channel.rate_limits[category] = max(channel.rate_limits.get(category, 0.0), now + seconds)
        if verdict.outcome == OK:
            channel.backlog.popleft()
            self._count_sent(channel.name, request.count)
            return
        self.last_error[channel.name] = f"{verdict.status or verdict.reason} from {request.url}"
        if verdict.outcome == DROP:
            channel.backlog.popleft()
            self.count_drop(verdict.reason or "rejected", request.count)
            _internal.logger.debug("%s: %s answered %s; dropped %d item(s)", channel.name, request.url,
                                   verdict.status, request.count)
            return
        request.attempts += 1
        if request.attempts > self.options.max_retries:
            channel.backlog.popleft()
            self.count_drop("retries_exhausted", request.count)
            _internal.logger.debug("%s: giving up after %d attempts (%s)", channel.name,
                                   request.attempts, verdict.reason)
            return
        delay = verdict.retry_after if verdict.retry_after is not None else self.backoff(request.attempts)
        channel.blocked_until = now + delay
        _internal.logger.debug("%s: %s; retry %d in %.2fs", channel.name, verdict.reason or verdict.status,
                               request.attempts, delay)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random, capped."""
        cap = min(self.options.backoff_max, self.options.backoff_base * 2.0 ** (attempt - 1))
        return cap / 2 + self.rng.uniform(0, cap / 2)

    # ---- fork safety ----------------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        # Locks may be held by a parent thread that does not exist here, the queue holds the
        # parent's items (the parent sends those), and the sockets belong to the parent.
        self.sender.reset()
        closed = self._closed
        self._init_state()
        self._closed = closed


_WORKERS: "weakref.WeakSet[Worker]" = weakref.WeakSet()


def _reinit_workers_in_child() -> None:
    for worker in list(_WORKERS):
        try:
            worker._after_fork_in_child()
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "after fork", background=True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_workers_in_child)
