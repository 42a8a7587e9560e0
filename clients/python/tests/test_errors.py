"""Errors: the envelope on the wire, frames, scrubbing, chains, scope, sampling, before_send."""

from __future__ import annotations

import json
import logging
import random
import sys

import pytest

import flowrent_monitoring as fm
from conftest import CaptureServer, init_for
from flowrent_monitoring.scrub import FILTERED


def _raise_with_locals() -> None:
    password = "hun" + "ter2"  # noqa: F841 - read from the frame by the client
    api_key = "k-123"  # noqa: F841
    big = "x" * 5000  # noqa: F841
    nested = {"token": "abc", "ok": [1, 2, 3]}  # noqa: F841
    count = 3  # noqa: F841
    raise ValueError("boom")


def _capture_one(server: CaptureServer) -> dict:
    try:
        _raise_with_locals()
    except ValueError as exc:
        event_id = fm.capture_exception(exc)
    assert event_id is not None
    assert fm.flush(5)
    request = server.wait_for(1, path="/api/1/envelope/")[0]
    event = request.event()
    assert event["event_id"] == event_id
    return event


def test_capture_exception_sends_a_gzipped_envelope_with_sentry_auth(server: CaptureServer) -> None:
    init_for(server)
    _capture_one(server)
    request = server.of("/api/1/envelope/")[0]
    assert request.headers["content-type"] == "application/x-sentry-envelope"
    assert request.headers["content-encoding"] == "gzip"
    auth = request.headers["x-sentry-auth"]
    assert auth.startswith("Sentry ") and "sentry_key=publickey" in auth and "sentry_version=7" in auth
    headers, items = request.envelope()
    assert set(headers) >= {"event_id", "sent_at", "sdk"}
    assert [(h["type"], h["length"] == len(p)) for h, p in items] == [("event", True)]


def test_event_carries_level_platform_release_environment_and_sdk(server: CaptureServer) -> None:
    init_for(server)
    event = _capture_one(server)
    assert event["level"] == "error"
    assert event["platform"] == "python"
    assert event["release"] == "test@1.0.0"
    assert event["environment"] == "test"
    assert event["tags"]["service"] == "test-svc"
    assert event["sdk"]["name"] == "flowrent.python"
    assert event["contexts"]["runtime"]["name"]


def test_frames_have_module_function_lineno_context_and_in_app(server: CaptureServer) -> None:
    init_for(server)
    event = _capture_one(server)
    (value,) = event["exception"]["values"]
    assert value["type"] == "ValueError" and value["value"] == "boom"
    assert value["mechanism"]["type"] == "generic" and value["mechanism"]["handled"] is True
    frames = value["stacktrace"]["frames"]
    crash = frames[-1]
    assert crash["function"] == "_raise_with_locals"
    assert crash["module"] == "test_errors"
    assert crash["filename"] == "test_errors.py"
    assert crash["abs_path"].endswith("tests/test_errors.py")
    assert crash["in_app"] is True
    assert crash["context_line"].strip() == 'raise ValueError("boom")'
    assert len(crash["pre_context"]) == 5 and len(crash["post_context"]) <= 5
    assert frames[-2]["function"] == "_capture_one"


def test_frame_vars_are_reprs_with_secrets_filtered_and_sizes_capped(server: CaptureServer) -> None:
    init_for(server, max_var_chars=100)
    event = _capture_one(server)
    variables = event["exception"]["values"][0]["stacktrace"]["frames"][-1]["vars"]
    assert variables["password"] == FILTERED
    assert variables["api_key"] == FILTERED
    assert variables["count"] == "3"
    assert len(variables["big"]) == 100 and variables["big"].endswith("...")
    assert variables["nested"] == {"token": FILTERED, "ok": ["1", "2", "3"]}
    assert "hunter2" not in json.dumps(event)


def test_library_frames_are_not_in_app(server: CaptureServer) -> None:
    init_for(server)
    try:
        json.loads("{not json")
    except ValueError as exc:
        fm.capture_exception(exc)
    assert fm.flush(5)
    frames = server.wait_for(1)[0].event()["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[0]["in_app"] is True
    assert frames[-1]["module"].startswith("json") and frames[-1]["in_app"] is False


def test_chained_exceptions_are_sent_cause_first(server: CaptureServer) -> None:
    init_for(server)
    try:
        try:
            {}["missing"]
        except KeyError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        fm.capture_exception(exc)
    try:
        try:
            1 / 0
        except ZeroDivisionError:
            raise TypeError("during handling")  # noqa: B904 - implicit __context__ on purpose
    except TypeError as exc:
        fm.capture_exception(exc)
    try:
        try:
            1 / 0
        except ZeroDivisionError:
            raise TypeError("suppressed") from None
    except TypeError as exc:
        fm.capture_exception(exc)
    assert fm.flush(5)
    events = [r.event() for r in server.wait_for(3)]
    by_value = {e["exception"]["values"][-1]["value"]: e["exception"]["values"] for e in events}
    assert [v["type"] for v in by_value["wrapped"]] == ["KeyError", "RuntimeError"]
    assert by_value["wrapped"][0]["mechanism"]["source"] == "__cause__"
    assert [v["type"] for v in by_value["during handling"]] == ["ZeroDivisionError", "TypeError"]
    assert by_value["during handling"][0]["mechanism"]["source"] == "__context__"
    assert [v["type"] for v in by_value["suppressed"]] == ["TypeError"]


def test_capture_message_and_scope_tags_user_extra_contexts(server: CaptureServer) -> None:
    init_for(server)
    fm.set_tag("region", "eu")
    fm.set_user({"id": "42", "email": "a@example.com"})
    fm.set_extra("cart", {"items": 3, "session_token": "s3cret"})
    fm.set_context("booking", {"id": "b-1"})
    with fm.new_scope():
        fm.set_tag("only_inside", "yes")
        fm.capture_message("inside", level="warning")
    fm.capture_message("outside")
    assert fm.flush(5)
    events = {e["message"]: e for e in (r.event() for r in server.wait_for(2))}
    inside, outside = events["inside"], events["outside"]
    assert inside["level"] == "warning" and outside["level"] == "info"
    assert inside["tags"]["only_inside"] == "yes" and "only_inside" not in outside["tags"]
    assert outside["tags"]["region"] == "eu"
    assert outside["user"] == {"id": "42", "email": "a@example.com"}
    assert outside["extra"]["cart"] == {"items": "3", "session_token": FILTERED}
    assert outside["contexts"]["booking"] == {"id": "b-1"}


def test_logging_records_become_breadcrumbs_on_the_next_event(server: CaptureServer) -> None:
    init_for(server, logs_url=None)
    log = logging.getLogger("app.crumbs")
    log.setLevel(logging.DEBUG)
    log.debug("too low for a breadcrumb")
    log.info("user %s logged in", "ann")
    log.warning("slow query")
    fm.capture_message("after logs")
    assert fm.flush(5)
    crumbs = server.wait_for(1)[0].event()["breadcrumbs"]["values"]
    assert [(c["category"], c["level"], c["message"]) for c in crumbs] == [
        ("app.crumbs", "info", "user ann logged in"),
        ("app.crumbs", "warning", "slow query"),
    ]
    assert all(c["type"] == "log" for c in crumbs)


def test_log_event_level_turns_error_records_into_events(server: CaptureServer) -> None:
    init_for(server, logs_url=None, log_event_level=logging.ERROR)
    log = logging.getLogger("app.events")
    log.error("payment %s failed", 1234)
    assert fm.flush(5)
    event = server.wait_for(1)[0].event()
    assert event["logentry"] == {"message": "payment %s failed", "params": ["1234"]}
    assert event["logger"] == "app.events" and event["level"] == "error"


def test_before_send_may_modify_or_drop(server: CaptureServer) -> None:
    def before_send(event: dict, hint: dict) -> dict | None:
        if event.get("message") == "drop me":
            return None
        event["tags"]["seen"] = "yes"
        return event

    init_for(server, before_send=before_send)
    assert fm.capture_message("drop me") is None
    fm.capture_message("keep me")
    assert fm.flush(5)
    (request,) = server.wait_for(1)
    assert request.event()["tags"]["seen"] == "yes"
    assert fm.stats()["dropped"] == {"before_send": 1}


def test_sample_rate_drops_the_unsampled_fraction(server: CaptureServer) -> None:
    client = init_for(server, sample_rate=0.25)
    client.rng = random.Random(7)
    ids = [fm.capture_message(f"m{i}") for i in range(200)]
    sent = sum(1 for i in ids if i)
    assert fm.flush(10)
    assert len(server.requests) == sent
    assert 20 < sent < 80
    assert fm.stats()["dropped"]["sample_rate"] == 200 - sent


def test_without_dsn_errors_are_not_sent(server: CaptureServer) -> None:
    init_for(server, dsn=None)
    assert fm.capture_message("nowhere") is None
    assert fm.flush(2)
    assert server.of("/api/1/envelope/") == []


def test_an_oversized_event_is_trimmed_below_the_event_size_limit(server: CaptureServer) -> None:
    init_for(server, max_var_chars=100_000, max_vars_per_frame=50)

    def deep(n: int) -> None:
        payload = "y" * 90_000  # noqa: F841 - 90 KB of vars per frame, 15 frames
        if n == 0:
            raise MemoryError("deep")
        deep(n - 1)

    try:
        deep(14)
    except MemoryError as exc:
        fm.capture_exception(exc)
    assert fm.flush(5)
    request = server.wait_for(1)[0]
    assert len(request.body) <= 1024 * 1024 + 2048
    frames = request.event()["exception"]["values"][0]["stacktrace"]["frames"]
    assert len(frames) == 16 and all("vars" not in f for f in frames)
    assert frames[-1]["function"].endswith("deep") and "context_line" in frames[-1]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is Python >= 3.11")
def test_exception_group_members_are_sent_before_the_group(server: CaptureServer) -> None:
    init_for(server)
    try:
        raise ExceptionGroup("two failures", [ValueError("a"), KeyError("b")])  # noqa: F821
    except Exception as exc:  # noqa: BLE001
        fm.capture_exception(exc)
    assert fm.flush(5)
    values = server.wait_for(1)[0].event()["exception"]["values"]
    assert [v["type"] for v in values] == ["KeyError", "ValueError", "ExceptionGroup"]
    assert values[-1]["mechanism"]["is_exception_group"] is True
    assert [(v["mechanism"]["source"], v["mechanism"]["parent_id"]) for v in values[:2]] == [
        ("exceptions[1]", 0), ("exceptions[0]", 0)]


def test_logging_an_error_inside_before_send_does_not_recurse(server: CaptureServer) -> None:
    log = logging.getLogger("app.recursive")

    def before_send(event: dict, hint: dict) -> dict:
        log.error("inside before_send")
        return event

    init_for(server, logs_url=None, log_event_level=logging.ERROR, before_send=before_send)
    log.error("outer")
    assert fm.flush(5)
    assert [r.event()["logentry"]["message"] for r in server.wait_for(1)] == ["outer"]


def test_a_message_with_a_lone_surrogate_is_sent(server: CaptureServer) -> None:
    # UTF-8 cannot encode a lone surrogate (surrogateescape-decoded bytes): the event was lost
    init_for(server)
    fm.capture_message("cannot open report-\udcff.csv")
    assert fm.flush(5)
    (request,) = server.wait_for(1, path="/api/1/envelope")
    assert request.event()["message"] == "cannot open report-?.csv"
