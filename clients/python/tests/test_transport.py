"""Transport verdicts, backoff, retries and rate limits."""

from __future__ import annotations

import random
from typing import List

import pytest

import flowrent_monitoring as fm
from conftest import CaptureServer, init_for
from flowrent_monitoring.options import build_options
from flowrent_monitoring.transport import DROP, OK, RETRY, Request, Verdict, classify, parse_rate_limits, parse_retry_after
from flowrent_monitoring.worker import EVENT, Worker


@pytest.mark.parametrize(
    ("status", "headers", "outcome", "retry_after", "limits"),
    [
        (200, {}, OK, None, {}),
        (204, {"x-sentry-rate-limits": "60:error:key"}, OK, None, {"error": 60.0}),
        (400, {}, DROP, None, {}),
        (401, {}, DROP, None, {}),
        (413, {}, DROP, None, {}),
        (429, {}, RETRY, 60.0, {"*": 60.0}),
        (429, {"retry-after": "7"}, RETRY, 7.0, {"*": 7.0}),
        (429, {"x-sentry-rate-limits": "30::organization, 90:error;default:key"}, RETRY, 90.0,
         {"*": 30.0, "error": 90.0, "default": 90.0}),
        (500, {}, RETRY, None, {}),
        (503, {"retry-after": "2"}, RETRY, 2.0, {}),
    ],
)
def test_classify(status: int, headers: dict, outcome: str, retry_after: float, limits: dict) -> None:
    verdict = classify(status, headers, now=1000.0)
    assert (verdict.outcome, verdict.retry_after, verdict.rate_limits) == (outcome, retry_after, limits)


def test_parse_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("5", 0) == 5.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:30 GMT", 10.0) == 20.0
    assert parse_retry_after("garbage", 0) is None
    assert parse_retry_after(None, 0) is None


def test_parse_rate_limits_keeps_the_longest_per_category() -> None:
    assert parse_rate_limits("10:error:key, 20:error:org, bad, x:y:z") == {"error": 20.0}


class FakeSender:
    def __init__(self, verdicts: List[Verdict]) -> None:
        self.verdicts = verdicts
        self.sent: List[Request] = []

    def send(self, request: Request) -> Verdict:
        self.sent.append(request)
        return self.verdicts.pop(0) if self.verdicts else Verdict(OK, 200)

    def reset(self) -> None: ...

    def close(self) -> None: ...


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _worker(verdicts: List[Verdict], **options: object) -> "tuple[Worker, FakeSender, FakeClock]":
    opts = build_options(dict(dict(max_retries=3, backoff_base=1.0, backoff_max=8.0), **options), environ={})
    sender = FakeSender(verdicts)
    clock = FakeClock()
    worker = Worker(opts, sender, clock=clock, rng=random.Random(1))  # type: ignore[arg-type]
    worker._start = lambda: None  # type: ignore[method-assign] - driven by hand, no thread
    return worker, sender, clock


def _event() -> Request:
    return Request("errors", "http://127.0.0.1:9/api/1/envelope/", {}, b"x", 1, "error")


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    worker, _, _ = _worker([])
    for attempt, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [worker.backoff(attempt) for _ in range(50)]
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(set(delays)) > 1


def test_retryable_failures_are_rescheduled_then_dropped_after_max_retries() -> None:
    worker, sender, clock = _worker([Verdict(RETRY, 500)] * 10)
    worker.put(EVENT, _event())
    worker._step(flush=False)
    assert len(sender.sent) == 1
    worker._step(flush=False)  # still blocked: no second attempt before the backoff passes
    assert len(sender.sent) == 1
    for _ in range(3):
        clock.now += 10
        worker._step(flush=False)
    assert len(sender.sent) == 4
    assert worker.dropped == {"retries_exhausted": 1} and worker.queued() == 0


def test_retry_after_is_honoured_exactly() -> None:
    worker, sender, clock = _worker([Verdict(RETRY, 429, retry_after=30.0, rate_limits={"*": 30.0})])
    worker.put(EVENT, _event())
    worker._step(flush=False)
    clock.now += 29.9
    worker._step(flush=False)
    assert len(sender.sent) == 1
    clock.now += 0.2
    worker._step(flush=False)
    assert len(sender.sent) == 2 and worker.sent == {"errors": 1}


def test_sentry_rate_limits_drop_new_events_of_the_limited_category() -> None:
    worker, sender, clock = _worker([Verdict(OK, 200, rate_limits={"error": 60.0})])
    worker.put(EVENT, _event())
    worker._step(flush=False)
    worker.put(EVENT, _event())
    worker._step(flush=False)
    assert len(sender.sent) == 1 and worker.dropped == {"rate_limited": 1}
    clock.now += 61
    worker.put(EVENT, _event())
    worker._step(flush=False)
    assert len(sender.sent) == 2


def test_other_4xx_are_dropped_without_retry() -> None:
    worker, sender, clock = _worker([Verdict(DROP, 400, reason="rejected")])
    worker.put(EVENT, _event())
    worker._step(flush=False)
    clock.now += 100
    worker._step(flush=False)
    assert len(sender.sent) == 1 and worker.dropped == {"rejected": 1}


def test_queue_overflow_drops_and_counts_without_blocking() -> None:
    worker, sender, _ = _worker([], queue_size=5)
    results = [worker.put(EVENT, _event()) for _ in range(8)]
    assert results == [True] * 5 + [False] * 3
    assert worker.dropped == {"queue_full": 3}
    worker._step(flush=True)
    assert len(sender.sent) == 5


def test_server_500_then_200_is_delivered_on_retry(server: CaptureServer) -> None:
    answers = iter([500, 503, 200])
    server.responder = lambda _r: (next(answers, 200), {})
    init_for(server)
    fm.capture_message("retried")
    assert fm.flush(10)
    assert len(server.wait_for(3)) == 3
    assert fm.stats()["sent"] == {"errors": 1}


def test_server_429_with_retry_after_zero_is_retried(server: CaptureServer) -> None:
    answers = iter([(429, {"Retry-After": "0"}), (200, {})])
    server.responder = lambda _r: next(answers, (200, {}))
    init_for(server)
    fm.capture_message("limited")
    assert fm.flush(10)
    assert len(server.requests) == 2


def test_server_400_is_not_retried(server: CaptureServer) -> None:
    server.responder = lambda _r: (400, {})
    init_for(server)
    fm.capture_message("rejected")
    assert not fm.flush(10)  # finished, but nothing was delivered
    assert len(server.requests) == 1
    assert fm.stats()["dropped"] == {"rejected": 1}
    server.responder = lambda _r: (200, {})
    fm.capture_message("accepted later")
    assert fm.flush(10)  # an earlier drop does not fail a later flush


def test_x_sentry_rate_limits_on_a_200_drop_later_events_until_it_expires(server: CaptureServer) -> None:
    answers = iter([(200, {"X-Sentry-Rate-Limits": "3600:error:key"})])
    server.responder = lambda _r: next(answers, (200, {}))
    init_for(server)
    fm.capture_message("first")
    assert fm.flush(5)
    fm.capture_message("second")
    fm.capture_message("third")
    assert not fm.flush(5)  # both dropped by the limit
    assert len(server.requests) == 1
    assert fm.stats()["dropped"] == {"rate_limited": 2}


def test_a_429_with_x_sentry_rate_limits_is_retried_after_the_limit(server: CaptureServer) -> None:
    answers = iter([(429, {"X-Sentry-Rate-Limits": "0:error:key"}), (200, {})])
    server.responder = lambda _r: next(answers, (200, {}))
    init_for(server)
    fm.capture_message("limited then sent")
    assert fm.flush(10)
    assert [r.event()["message"] for r in server.requests] == ["limited then sent"] * 2
    assert fm.stats()["sent"] == {"errors": 1}
