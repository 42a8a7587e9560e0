"""Log shipping: NDJSON batches to POST /api/logs with the contract's fields."""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

import flowrent_monitoring as fm
from conftest import CaptureServer, init_for
from flowrent_monitoring.logs import MAX_LINE_BYTES, MAX_NESTED_LEVELS, MAX_REQUEST_BYTES, TRUNCATED, format_timestamp_ns
from flowrent_monitoring.scrub import FILTERED


def _logger(name: str) -> logging.Logger:
    log = logging.getLogger(name)
    log.setLevel(logging.DEBUG)
    return log


def test_records_are_batched_into_one_ndjson_post_with_bearer_key(server: CaptureServer) -> None:
    init_for(server, log_flush_interval=30)
    log = _logger("app.batch")
    for i in range(20):
        log.info("record %d", i)
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/logs")
    assert request.headers["content-type"] == "application/x-ndjson"
    assert request.headers["authorization"] == "Bearer logs-key"
    assert request.headers["content-encoding"] == "gzip"
    records = request.ndjson()
    assert [r["message"] for r in records] == [f"record {i}" for i in range(20)]


def test_a_record_carries_the_contract_fields_and_extras_as_attributes(server: CaptureServer) -> None:
    init_for(server)
    log = _logger("app.fields")
    log.warning("paid %s", "EUR 12", extra={"order_id": 77, "api_key": "nope", "obj": object()})
    assert fm.flush(5)
    (record,) = server.wait_for(1, path="/api/logs")[0].ndjson()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", record["timestamp"])
    assert record["level"] == "warning"
    assert record["message"] == "paid EUR 12"
    assert record["service"] == "test-svc"
    assert record["host"]
    assert record["logger"] == "app.fields"
    assert record["thread"] == threading.current_thread().name
    assert record["environment"] == "test" and record["release"] == "test@1.0.0"
    assert record["order_id"] == 77
    assert record["api_key"] == FILTERED
    assert record["obj"].startswith("<object object")
    assert "trace_id" not in record


def test_exception_text_is_attached(server: CaptureServer) -> None:
    init_for(server)
    log = _logger("app.exc")
    try:
        raise KeyError("k")
    except KeyError:
        log.exception("lookup failed")
    assert fm.flush(5)
    (record,) = server.wait_for(1, path="/api/logs")[0].ndjson()
    assert record["level"] == "error"
    assert record["exception"].startswith("Traceback (most recent call last):")
    assert record["exception"].endswith("KeyError: 'k'")


def test_the_trace_id_of_the_current_context_is_attached(server: CaptureServer) -> None:
    init_for(server)
    log = _logger("app.trace")
    with fm.trace() as ctx:
        log.info("inside")
    log.info("outside")
    assert fm.flush(5)
    records = {r["message"]: r for r in server.wait_for(1, path="/api/logs")[0].ndjson()}
    assert records["inside"]["trace_id"] == ctx.trace_id and records["inside"]["span_id"] == ctx.span_id
    assert "trace_id" not in records["outside"]


def test_batches_split_at_log_batch_size(server: CaptureServer) -> None:
    init_for(server, log_batch_size=10, log_flush_interval=30)
    log = _logger("app.split")
    for i in range(25):
        log.info("r%d", i)
    assert fm.flush(5)
    sizes = [len(r.ndjson()) for r in server.of("/api/logs")]
    assert sum(sizes) == 25 and max(sizes) <= 10


def test_records_below_the_level_and_the_clients_own_logger_are_not_shipped(server: CaptureServer) -> None:
    init_for(server, log_level=logging.WARNING)
    _logger("app.levels").info("too low")
    _logger("flowrent_monitoring.x").error("own")
    _logger("app.levels").error("shipped")
    assert fm.flush(5)
    messages = [r["message"] for req in server.of("/api/logs") for r in req.ndjson()]
    assert messages == ["shipped"]


def test_logs_sample_rate_zero_ships_nothing_and_counts(server: CaptureServer) -> None:
    init_for(server, logs_sample_rate=0.0)
    _logger("app.sample").info("x")
    assert fm.flush(5)
    assert server.of("/api/logs") == []
    assert fm.stats()["dropped"]["sample_rate"] == 1


def test_a_standalone_log_handler_can_be_attached_to_any_logger(server: CaptureServer) -> None:
    client = init_for(server, capture_logs=False)
    log = _logger("app.own")
    log.propagate = False
    handler = fm.LogHandler(logging.INFO, client)
    log.addHandler(handler)
    try:
        log.info("via own handler")
        assert fm.flush(5)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    assert [r["message"] for r in server.wait_for(1, path="/api/logs")[0].ndjson()] == ["via own handler"]


def test_format_timestamp_ns() -> None:
    assert format_timestamp_ns(0) == "1970-01-01T00:00:00.000000000Z"
    assert format_timestamp_ns(1764110000_123456789) == "2025-11-25T22:33:20.123456789Z"


def test_a_record_over_the_line_limit_is_cut_and_marked_and_the_batch_is_kept(server: CaptureServer) -> None:
    init_for(server, log_flush_interval=30)
    log = _logger("app.huge")
    log.info("before")
    log.info("x" * (MAX_LINE_BYTES + 1000))
    log.info("after")
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/logs")
    lines = request.body.splitlines()
    assert all(len(line) <= MAX_LINE_BYTES for line in lines)
    records = request.ndjson()
    assert [r["message"][:6] for r in records] == ["before", "xxxxxx", "after"]
    assert records[1]["message"].endswith(TRUNCATED)
    assert len(records[1]["message"]) > MAX_LINE_BYTES - 4096, "cut to fit, not emptied"
    assert not any(fm.stats()["dropped"].values())


def test_a_record_that_cannot_fit_is_dropped_and_counted_the_others_sent(server: CaptureServer) -> None:
    init_for(server, log_flush_interval=30)
    log = _logger("app.wide")
    wide = {f"field_{i}": "y" * 2000 for i in range(200)}  # 400 KB of attributes, each within its cap
    log.info("kept 1")
    log.info("too wide", extra=wide)
    log.info("kept 2")
    assert not fm.flush(5)  # the wide record was not delivered
    (request,) = server.wait_for(1, path="/api/logs")
    assert [r["message"] for r in request.ndjson()] == ["kept 1", "kept 2"]
    assert fm.stats()["dropped"] == {"too_large": 1}


def test_dict_and_list_extras_are_sent_as_nested_json(server: CaptureServer) -> None:
    init_for(server)
    log = _logger("app.nested")
    log.info("nested", extra={"nested": {"a": [1, 2]}, "ids": (3, 4), "conf": {"password": "p", "o": object()},
                              "tuple_key": {(1, 2): 3}})
    assert fm.flush(5)
    (record,) = server.wait_for(1, path="/api/logs")[0].ndjson()
    assert record["nested"] == {"a": [1, 2]}
    assert record["ids"] == [3, 4]
    assert record["conf"]["password"] == FILTERED
    assert record["conf"]["o"].startswith("<object object")
    assert record["tuple_key"] == "{(1, 2): 3}", "what JSON cannot encode falls back to its repr"


def test_a_message_with_a_lone_surrogate_is_sent_and_the_batch_kept(server: CaptureServer) -> None:
    # os.listdir()/sys.argv decode undecodable bytes as lone surrogates (surrogateescape); UTF-8
    # cannot encode them, and the exception lost the whole batch without counting it
    init_for(server, log_flush_interval=30)
    log = _logger("app.surrogate")
    log.info("before")
    log.info("opening %s", "report-\udcff.csv", extra={"path": "/tmp/\udcfe"})
    log.info("\udcff" + "x" * MAX_LINE_BYTES)  # and one cut to fit
    log.info("after")
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/logs")
    records = request.ndjson()
    assert [r["message"][:20] for r in records] == ["before", "opening report-?.csv", "?" + "x" * 19, "after"]
    assert records[1]["path"] == "/tmp/?"
    assert records[2]["message"].endswith(TRUNCATED)
    assert not any(fm.stats()["dropped"].values())


class _BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("broken __repr__")


def test_an_extra_whose_repr_raises_is_sent_as_a_placeholder_and_the_batch_kept(server: CaptureServer) -> None:
    # the exception from the host's __repr__ lost the whole batch, uncounted
    init_for(server, log_flush_interval=30)
    log = _logger("app.repr")
    log.info("before")
    log.info("broken", extra={"obj": _BrokenRepr(), "keyed": {(1, 2): _BrokenRepr()}})
    log.info("after")
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/logs")
    records = request.ndjson()
    assert [r["message"] for r in records] == ["before", "broken", "after"]
    assert records[1]["obj"] == "<_BrokenRepr instance (repr failed)>"
    assert records[1]["keyed"] == "<dict instance (repr failed)>"
    assert not any(fm.stats()["dropped"].values())


def _nest(levels: int, leaf: Any) -> Any:
    for i in range(levels):
        leaf = {f"k{i}": leaf} if i % 2 else [leaf]
    return leaf


def test_an_extra_nested_deeper_than_its_secret_filter_reaches_is_sent_as_text(server: CaptureServer) -> None:
    # the log viewer refuses a record nested past 128 levels with a 400 for the whole batch, and
    # scrub_json filters secret keys in the first MAX_NESTED_LEVELS levels only
    init_for(server, log_flush_interval=30)
    log = _logger("app.deep")
    log.info("before")
    log.info("deep", extra={"tree": _nest(200, 1), "ok": _nest(MAX_NESTED_LEVELS - 1, {"password": "p"}),
                            "over": _nest(MAX_NESTED_LEVELS + 1, 1)})
    log.info("after")
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/logs")
    records = request.ndjson()
    assert [r["message"] for r in records] == ["before", "deep", "after"]
    assert isinstance(records[1]["tree"], str) and isinstance(records[1]["over"], str)
    assert json.loads(records[1]["over"]) == _nest(MAX_NESTED_LEVELS + 1, 1)
    assert records[1]["ok"] == _nest(MAX_NESTED_LEVELS - 1, {"password": FILTERED})


def test_a_batch_over_the_log_viewers_body_limit_is_sent_in_several_requests(server: CaptureServer) -> None:
    # 45 records of 250 KB, each within the line limit, made an 11 MB body: the log viewer's
    # MAX_REQUEST_BYTES (10 MiB, decompressed) answered 413 and the whole batch was lost
    init_for(server, log_flush_interval=30)
    log = _logger("app.bulk")
    for i in range(45):
        log.info("%02d %s", i, "b" * 250_000)
    assert fm.flush(10)
    requests = server.of("/api/logs")
    assert len(requests) == 2
    assert all(len(r.body) <= MAX_REQUEST_BYTES for r in requests)
    assert [r["message"][:2] for q in requests for r in q.ndjson()] == [f"{i:02d}" for i in range(45)]
    assert fm.stats()["sent"] == {"logs": 45}


def test_a_message_whose_escapes_are_uneven_is_cut_to_fit_not_dropped_or_emptied(server: CaptureServer) -> None:
    # a control character takes 6 bytes of JSON (\u0001), a letter 1: a cut in proportion to the
    # whole text's escapes, repeated 4 times, still did not fit (dropped) or kept far less than fits
    init_for(server, log_flush_interval=30)
    log = _logger("app.escapes")
    log.info(("\x01" * 30_000 + "a" * 100_000) * 3)
    log.info("a" * 200_000 + "\x01" * 100_000)
    log.error("short message", exc_info=(ValueError, ValueError("\x01" * 60_000 + "b" * 300_000), None))
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/logs")
    lines = request.body.splitlines()
    assert len(lines) == 3 and all(MAX_LINE_BYTES - 64 < len(line) <= MAX_LINE_BYTES for line in lines)
    records = request.ndjson()
    assert records[0]["message"].endswith(TRUNCATED) and records[1]["message"].endswith(TRUNCATED)
    assert records[2]["message"] == "short message" and records[2]["exception"].endswith(TRUNCATED)
    assert not any(fm.stats()["dropped"].values())
