"""Table-driven tests of the pure modules: DSN, options, trace headers, scrubbing, envelopes."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from flowrent_monitoring.dsn import parse_dsn
from flowrent_monitoring.envelope import dumps, parse_envelope, serialize_envelope
from flowrent_monitoring.integrations._http import filter_headers, filter_query
from flowrent_monitoring.options import build_options
from flowrent_monitoring.scrub import FILTERED, is_secret_key, serialize_value
from flowrent_monitoring.trace import continue_from_headers, parse_sentry_trace, parse_traceparent

T = "4bf92f3577b34da6a3ce929d0e0e4736"
S = "00f067aa0ba902b7"


@pytest.mark.parametrize(
    ("dsn", "envelope_url", "key"),
    [
        ("http://pk@127.0.0.1:5010/1", "http://127.0.0.1:5010/api/1/envelope/", "pk"),
        ("https://pk:secret@errors.example.com/sub/path/42", "https://errors.example.com/sub/path/api/42/envelope/", "pk"),
        ("http://pk@localhost:9000/7/", "http://localhost:9000/api/7/envelope/", "pk"),
    ],
)
def test_parse_dsn(dsn: str, envelope_url: str, key: str) -> None:
    parsed = parse_dsn(dsn)
    assert (parsed.envelope_url, parsed.public_key) == (envelope_url, key)


@pytest.mark.parametrize("dsn", ["ftp://pk@h/1", "http://h/1", "http://pk@h/", "http://pk@h/abc", "not a dsn"])
def test_parse_dsn_rejects_malformed(dsn: str) -> None:
    with pytest.raises(ValueError):
        parse_dsn(dsn)


def test_auth_header_has_key_version_and_client() -> None:
    header = parse_dsn("http://pk@h/1").auth_header("flowrent.python/0.1.0")
    assert header == "Sentry sentry_key=pk, sentry_version=7, sentry_client=flowrent.python/0.1.0"


def test_options_arguments_win_over_environment_over_defaults() -> None:
    env = {"FLOWRENT_SERVICE": "from-env", "FLOWRENT_RELEASE": "r@1", "SENTRY_DSN": "http://k@h/3",
           "FLOWRENT_SAMPLE_RATE": "0.5", "FLOWRENT_DEBUG": "true"}
    opts = build_options({"service": "from-arg"}, env)
    assert (opts.service, opts.release, opts.sample_rate, opts.debug) == ("from-arg", "r@1", 0.5, True)
    assert opts.parsed_dsn is not None and opts.parsed_dsn.project_id == "3"
    assert build_options({}, {}).environment == "production"


@pytest.mark.parametrize(
    ("kwargs", "env"),
    [({"nope": 1}, {}), ({"sample_rate": 2}, {}), ({}, {"FLOWRENT_SAMPLE_RATE": "x"}), ({"dsn": "bad"}, {})],
)
def test_options_reject_invalid_values(kwargs: dict, env: dict) -> None:
    with pytest.raises(ValueError):
        build_options(kwargs, env)


@pytest.mark.parametrize(
    ("header", "trace_id", "parent", "sampled"),
    [
        (f"00-{T}-{S}-01", T, S, True),
        (f"00-{T.upper()}-{S}-00", T, S, False),
        (f"00-{T}-{S}", None, None, None),
        (f"ff-{T}-{S}-01", None, None, None),
        (f"00-{'0' * 32}-{S}-01", None, None, None),
        (f"00-{T}-{'0' * 16}-01", None, None, None),
        ("garbage", None, None, None),
    ],
)
def test_parse_traceparent(header: str, trace_id: Optional[str], parent: Optional[str], sampled: Any) -> None:
    ctx = parse_traceparent(header)
    got = (ctx.trace_id, ctx.parent_span_id, ctx.sampled) if ctx else (None, None, None)
    assert got == (trace_id, parent, sampled)
    if ctx:
        assert len(ctx.span_id) == 16 and ctx.span_id != parent


@pytest.mark.parametrize(
    ("header", "trace_id", "sampled"),
    [(f"{T}-{S}-1", T, True), (f"{T}-{S}-0", T, False), (f"{T}-{S}", T, None), (f"{T}-{S}-", None, None),
     ("x-y", None, None)],
)
def test_parse_sentry_trace(header: str, trace_id: Optional[str], sampled: Any) -> None:
    ctx = parse_sentry_trace(header)
    assert ((ctx.trace_id, ctx.sampled) if ctx else (None, None)) == (trace_id, sampled)


def test_traceparent_wins_over_sentry_trace_and_a_new_trace_is_made_otherwise() -> None:
    other = "a" * 32
    assert continue_from_headers({"traceparent": f"00-{T}-{S}-01", "sentry-trace": f"{other}-{S}"}).trace_id == T
    assert continue_from_headers({"traceparent": "bad", "sentry-trace": f"{other}-{S}"}).trace_id == other
    fresh = continue_from_headers({})
    assert len(fresh.trace_id) == 32 and fresh.parent_span_id is None


@pytest.mark.parametrize(
    ("key", "secret"),
    [("password", True), ("db_passwd", True), ("API_KEY", True), ("apiKey", True), ("x-api-key", True),
     ("Authorization", True), ("session_id", True), ("csrftoken", True), ("client_secret", True),
     ("Cookie", True), ("user", False), ("count", False), ("keyboard", False), (3, False)],
)
def test_is_secret_key(key: Any, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_serialize_value_bounds_depth_breadth_and_length() -> None:
    deep = {"a": {"b": {"c": {"d": 1}}}}
    assert serialize_value(deep, 100) == {"a": {"b": {"c": "{'d': 1}"}}}
    wide = list(range(30))
    out = serialize_value(wide, 100)
    assert len(out) == 21 and out[-1] == "... 10 more"
    assert serialize_value("x" * 50, 10) == "'xxxxxx..."
    assert serialize_value({"token": "t", 1: "one"}, 100) == {"token": FILTERED, "1": "'one'"}

    class BadRepr:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert serialize_value(BadRepr(), 100) == "<BadRepr instance (repr failed)>"


def test_request_headers_and_query_strings_are_filtered() -> None:
    headers = {"Cookie": "a=b", "Authorization": "Bearer x", "X-Api-Key": "k", "X-Csrf-Token": "t", "Accept": "*/*"}
    assert filter_headers(headers) == {"Cookie": FILTERED, "Authorization": FILTERED, "X-Api-Key": FILTERED,
                                       "X-Csrf-Token": FILTERED, "Accept": "*/*"}
    assert filter_query("a=1&password=p&flag&api_key=") == f"a=1&password={FILTERED}&flag&api_key={FILTERED}"


def test_envelope_round_trip_with_and_without_length() -> None:
    body = serialize_envelope({"event_id": "e"}, [({"type": "attachment"}, b"line1\nline2"),
                                                  ({"type": "event"}, b'{"a":1}')])
    headers, items = parse_envelope(body)
    assert headers == {"event_id": "e"}
    assert [(h["type"], p) for h, p in items] == [("attachment", b"line1\nline2"), ("event", b'{"a":1}')]
    _, items = parse_envelope(b'{}\n{"type":"event"}\n{"b":2}\n')
    assert items == [({"type": "event"}, b'{"b":2}')]
    with pytest.raises(ValueError):
        parse_envelope(b'{}\n{"type":"event","length":50}\n{"b":2}\n')


def test_dumps_replaces_non_finite_numbers_and_reprs_unknown_objects() -> None:
    assert dumps({"a": float("nan"), "b": [float("inf")], "c": "NaN"}) == b'{"a":null,"b":[null],"c":"NaN"}'
    assert dumps({"o": object()}).startswith(b'{"o":"<object object at')


def test_outgoing_headers_continue_the_current_trace_and_round_trip() -> None:
    import flowrent_monitoring as fm

    assert fm.outgoing_headers() == {}
    with fm.trace(fm.continue_trace({"TraceParent": f"00-{T}-{S}-01"})) as ctx:
        headers = fm.outgoing_headers()
    assert headers == {"traceparent": f"00-{T}-{ctx.span_id}-01", "sentry-trace": f"{T}-{ctx.span_id}-1"}
    downstream = continue_from_headers(headers)
    assert (downstream.trace_id, downstream.parent_span_id) == (T, ctx.span_id)
