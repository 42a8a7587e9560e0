"""Trace context shared by errors, log records and metric exemplars.

W3C Trace Context (``traceparent: 00-<32 hex trace>-<16 hex parent>-<2 hex flags>``) and Sentry's
``sentry-trace: <32 hex trace>-<16 hex span>[-<0|1>]`` are both accepted; otherwise a new trace id
is made. The current context lives in a ``contextvars.ContextVar`` so threads and asyncio tasks
each see their own request's trace.
"""

from __future__ import annotations

import contextvars
import os
import re
from dataclasses import dataclass
from typing import Dict, Iterator, Mapping, Optional
from contextlib import contextmanager

_TRACEPARENT = re.compile(r"^\s*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})\s*$")
_SENTRY_TRACE = re.compile(r"^\s*([0-9a-f]{32})-([0-9a-f]{16})(?:-([01]))?\s*$")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str
    parent_span_id: Optional[str] = None
    sampled: Optional[bool] = None

    def to_traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled is not False else '00'}"


_current: contextvars.ContextVar[Optional[TraceContext]] = contextvars.ContextVar(
    "flowrent_trace", default=None
)


def new_trace_id() -> str:
    return os.urandom(16).hex()


def new_span_id() -> str:
    return os.urandom(8).hex()


def parse_traceparent(value: str) -> Optional[TraceContext]:
    match = _TRACEPARENT.match(value.lower())
    if not match or match.group(1) == "ff":
        return None
    _, trace_id, parent, flags = match.groups()
    if trace_id == _ZERO_TRACE or parent == _ZERO_SPAN:
        return None
    return TraceContext(trace_id, new_span_id(), parent, bool(int(flags, 16) & 1))


def parse_sentry_trace(value: str) -> Optional[TraceContext]:
    match = _SENTRY_TRACE.match(value.lower())
    if not match:
        return None
    trace_id, parent, sampled = match.groups()
    if trace_id == _ZERO_TRACE:
        return None
    return TraceContext(trace_id, new_span_id(), parent, None if sampled is None else sampled == "1")


def continue_from_headers(headers: Mapping[str, str]) -> TraceContext:
    """A child context of the incoming ``traceparent`` or ``sentry-trace``, else a new trace.

    ``headers`` keys must be lower case.
    """
    value = headers.get("traceparent")
    ctx = parse_traceparent(value) if value else None
    if ctx is None:
        value = headers.get("sentry-trace")
        ctx = parse_sentry_trace(value) if value else None
    return ctx or TraceContext(new_trace_id(), new_span_id())


def current_trace() -> Optional[TraceContext]:
    return _current.get()


def set_trace(ctx: Optional[TraceContext]) -> "contextvars.Token[Optional[TraceContext]]":
    return _current.set(ctx)


def reset_trace(token: "contextvars.Token[Optional[TraceContext]]") -> None:
    _current.reset(token)


def outgoing_headers() -> Dict[str, str]:
    """``traceparent`` and ``sentry-trace`` for an outgoing request, so the callee continues the
    current trace; empty outside a trace."""
    ctx = _current.get()
    if ctx is None:
        return {}
    sampled = "" if ctx.sampled is None else f"-{int(ctx.sampled)}"
    return {"traceparent": ctx.to_traceparent(), "sentry-trace": f"{ctx.trace_id}-{ctx.span_id}{sampled}"}


@contextmanager
def trace(ctx: Optional[TraceContext] = None) -> Iterator[TraceContext]:
    """Run a block under a trace (a new one by default): ``with trace() as t: ...``."""
    ctx = ctx or TraceContext(new_trace_id(), new_span_id())
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
