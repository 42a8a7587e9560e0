"""Metrics: aggregation, the collector's JSON, exemplars, the cardinality guard, pushes."""

from __future__ import annotations

import pytest

import flowrent_monitoring as fm
from conftest import CaptureServer, init_for
from flowrent_monitoring import _internal
from flowrent_monitoring.registry import Registry


def _payload(registry: Registry) -> dict:
    return {(m["name"], tuple(sorted(m["labels"].items()))): m for m in registry.to_payload({}, 1.5)}


def test_counters_and_gauges_aggregate_per_label_set() -> None:
    reg = Registry()
    orders = reg.counter("orders_total", "Orders placed")
    orders.inc(status="ok")
    orders.inc(2, status="ok")
    orders.labels(status="failed").inc()
    queue = reg.gauge("queue_depth")
    queue.set(5)
    queue.inc()
    queue.dec(3)
    got = _payload(reg)
    assert got[("orders_total", (("status", "ok"),))] == {
        "name": "orders_total", "type": "counter", "help": "Orders placed",
        "labels": {"status": "ok"}, "value": 3.0, "timestamp": 1.5,
    }
    assert got[("orders_total", (("status", "failed"),))]["value"] == 1.0
    assert got[("queue_depth", ())]["value"] == 3.0


def test_histogram_sends_cumulative_buckets_sum_count_and_exemplar() -> None:
    reg = Registry()
    latency = reg.histogram("latency_seconds", buckets=[0.1, 1.0])
    latency.observe(0.05)
    with fm.trace() as ctx:
        latency.observe(0.5)
    latency.observe(7)
    (item,) = reg.to_payload({"service": "s"}, 2.0)
    assert item["buckets"] == [{"le": 0.1, "count": 1}, {"le": 1.0, "count": 2}, {"le": "+Inf", "count": 3}]
    assert item["sum"] == pytest.approx(7.55) and item["count"] == 3
    assert item["labels"] == {"service": "s"}
    assert item["exemplar"]["labels"] == {"trace_id": ctx.trace_id} and item["exemplar"]["value"] == 0.5


def test_timer_works_as_context_manager_and_decorator() -> None:
    reg = Registry()
    with reg.timer("job_seconds", job="a"):
        pass

    @reg.timer("job_seconds", job="b")
    def work(x: int) -> int:
        return x * 2

    assert work(2) == 4 and work(3) == 6
    counts = {m["labels"]["job"]: m["count"] for m in reg.to_payload({}, 0)}
    assert counts == {"a": 1, "b": 2}


def test_cardinality_guard_refuses_new_label_sets_past_the_limit() -> None:
    reg = Registry(max_series=3)
    c = reg.counter("per_user_total")
    for i in range(10):
        c.inc(user=str(i))
    c.inc(user="0")  # an existing series still counts
    values = {m["labels"]["user"]: m["value"] for m in reg.to_payload({}, 0)}
    assert values == {"0": 2.0, "1": 1.0, "2": 1.0}
    assert reg.refused == 7


def test_misuse_is_an_internal_error_raised_in_strict_mode_and_ignored_otherwise() -> None:
    reg = Registry()
    with pytest.raises(ValueError):
        reg.counter("bad name")
    reg.counter("requests_total")
    with pytest.raises(TypeError):
        reg.gauge("requests_total")
    with pytest.raises(ValueError):
        reg.histogram("h").observe(1, le="x")
    _internal.set_strict(False)
    reg.gauge("requests_total").set(3)  # detached, records nothing
    reg.counter("other total").inc()  # sanitised name, the same series on every call
    reg.counter("other total").inc()
    assert {m["name"]: m["value"] for m in reg.to_payload({}, 0)} == {"other_total": 2.0}


def test_flush_pushes_the_contract_json_with_default_labels(server: CaptureServer) -> None:
    client = init_for(server)
    fm.counter("checkouts_total").inc(3, result="ok")
    fm.histogram("checkout_seconds", buckets=[1]).observe(0.2)
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/metrics")
    assert request.headers["authorization"] == "Bearer metrics-key"
    assert request.headers["content-type"] == "application/json"
    metrics = {m["name"]: m for m in request.json()["metrics"]}
    assert metrics["checkouts_total"]["type"] == "counter" and metrics["checkouts_total"]["value"] == 3
    labels = metrics["checkouts_total"]["labels"]
    assert labels["result"] == "ok" and labels["service"] == "test-svc"
    assert labels["instance"] == client.default_metric_labels()["instance"]
    assert metrics["checkout_seconds"]["buckets"][-1] == {"le": "+Inf", "count": 1}


def test_metrics_are_pushed_every_interval_without_a_flush(server: CaptureServer) -> None:
    init_for(server, metrics_interval=0.05)
    fm.gauge("temperature").set(21.5)
    pushes = server.wait_for(2, path="/api/metrics")
    assert all(p.json()["metrics"][0]["value"] == 21.5 for p in pushes)


def test_refused_series_are_counted_as_dropped(server: CaptureServer) -> None:
    init_for(server, max_series_per_metric=1)
    c = fm.counter("c_total")
    c.inc(a="1")
    c.inc(a="2")
    assert not fm.flush(5)  # the refused series was not delivered
    assert fm.stats()["dropped"] == {"cardinality": 1}


def test_a_replaced_clients_worker_leaves_the_registry_to_the_new_client(server: CaptureServer) -> None:
    old = init_for(server, max_series_per_metric=1)
    c = fm.counter("c_total")
    c.inc(a="1")
    c.inc(a="2")  # refused: counted by whichever client builds the next snapshot
    new = init_for(server, max_series_per_metric=1)  # closes the old client with timeout=0
    old.worker._step(flush=True)  # a step of the old worker thread that was still running
    assert old.stats()["dropped"] == {}
    assert not fm.flush(5)  # the new client counted the refused series
    assert new.stats()["dropped"] == {"cardinality": 1}


def test_metrics_recorded_before_init_are_pushed_periodically(server: CaptureServer) -> None:
    fm.counter("early_total").inc()
    init_for(server, metrics_interval=0.05)
    pushes = server.wait_for(1, path="/api/metrics")
    assert pushes[0].json()["metrics"][0]["name"] == "early_total"


def test_nan_and_infinite_values_are_sent_as_the_collectors_strings() -> None:
    # JSON has no NaN or infinities; sent as null they made the collector refuse the whole push
    reg = Registry()
    ratio = reg.gauge("cache_hit_ratio")
    ratio.set(float("nan"), pool="a")
    ratio.set(float("inf"), pool="b")
    ratio.set(float("-inf"), pool="c")
    reg.counter("bytes_total").inc(float("inf"))
    latency = reg.histogram("wait_seconds", buckets=[1.0])
    latency.observe(float("inf"))
    latency.observe(0.5)
    got = _payload(reg)
    assert [got[("cache_hit_ratio", (("pool", p),))]["value"] for p in "abc"] == ["NaN", "+Inf", "-Inf"]
    assert got[("bytes_total", ())]["value"] == "+Inf"
    histogram = got[("wait_seconds", ())]
    assert histogram["sum"] == "+Inf"
    assert histogram["buckets"] == [{"le": 1.0, "count": 1}, {"le": "+Inf", "count": 2}]
    reg.histogram("nan_seconds", buckets=[1.0]).observe(float("nan"))
    assert _payload(reg)[("nan_seconds", ())]["sum"] == "NaN"


def test_a_nan_bucket_bound_is_ignored_as_an_infinite_one_is() -> None:
    # its "le" went out as null, and the collector refused the whole push (every metric, every interval)
    reg = Registry()
    reg.histogram("odd_seconds", buckets=[float("nan"), 1.0, float("inf")]).observe(0.5)
    assert _payload(reg)[("odd_seconds", ())]["buckets"] == [{"le": 1.0, "count": 1}, {"le": "+Inf", "count": 1}]


def test_a_metric_that_would_write_another_types_series_is_misuse() -> None:
    # the collector refuses a push where one series would belong to two families of different
    # types (a histogram x and a gauge x_count, a counter x and a gauge x_total) with a 400 for the
    # whole push, every interval: in one push, or against what the first push stored
    reg = Registry()
    reg.histogram("wait_seconds", buckets=[1]).observe(0.5)
    reg.gauge("queue_size_sum").set(1)
    reg.counter("jobs").inc()
    reg.counter("jobs_total").inc()  # two counters may share jobs_total, as the collector allows
    with pytest.raises(ValueError, match="wait_seconds_count"):
        reg.counter("wait_seconds_count")
    with pytest.raises(ValueError, match="queue_size_sum"):
        reg.histogram("queue_size")
    reg.counter("tasks").inc()
    with pytest.raises(ValueError, match="tasks_total"):
        reg.gauge("tasks_total")
    _internal.set_strict(False)
    reg.counter("wait_seconds_count").inc()  # detached, records nothing
    reg.histogram("queue_size").observe(1)
    reg.gauge("tasks_total").set(1)
    names = sorted(m["name"] for m in reg.to_payload({}, 0))
    assert names == ["jobs", "jobs_total", "queue_size_sum", "tasks", "wait_seconds"]
