"""Scope: tags, user, extra, contexts and breadcrumbs applied to every event.

There is one process-wide scope. ``isolation_scope()`` (used by the WSGI/ASGI middleware per
request) gives the current thread or task a copy, so one request's tags and breadcrumbs do not
leak into another's. The copy lives in a ``ContextVar``.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Any, Deque, Dict, Iterator, Optional

DEFAULT_MAX_BREADCRUMBS = 100


class Scope:
    def __init__(self, max_breadcrumbs: int = DEFAULT_MAX_BREADCRUMBS) -> None:
        self.tags: Dict[str, str] = {}
        self.user: Optional[Dict[str, Any]] = None
        self.extra: Dict[str, Any] = {}
        self.contexts: Dict[str, Dict[str, Any]] = {}
        self.breadcrumbs: Deque[Dict[str, Any]] = deque(maxlen=max_breadcrumbs)
        self.request: Optional[Dict[str, Any]] = None
        self.transaction: Optional[str] = None
        self._lock = threading.Lock()

    def copy(self) -> "Scope":
        with self._lock:
            new = Scope(self.breadcrumbs.maxlen or DEFAULT_MAX_BREADCRUMBS)
            new.tags = dict(self.tags)
            new.user = dict(self.user) if self.user else None
            new.extra = dict(self.extra)
            new.contexts = {k: dict(v) for k, v in self.contexts.items()}
            new.breadcrumbs.extend(self.breadcrumbs)
            new.request = self.request
            new.transaction = self.transaction
        return new

    def set_tag(self, key: str, value: Any) -> None:
        self.tags[str(key)[:200]] = str(value)[:200]

    def set_user(self, user: Optional[Dict[str, Any]]) -> None:
        self.user = dict(user) if user else None

    def set_extra(self, key: str, value: Any) -> None:
        self.extra[key] = value

    def set_context(self, key: str, value: Optional[Dict[str, Any]]) -> None:
        if value is None:
            self.contexts.pop(key, None)
        else:
            self.contexts[key] = dict(value)

    def add_breadcrumb(self, crumb: Dict[str, Any]) -> None:
        # deque.append with maxlen is atomic under the GIL: no lock on the hot logging path.
        if "timestamp" not in crumb:
            crumb["timestamp"] = time.time()
        self.breadcrumbs.append(crumb)

    def clear(self) -> None:
        with self._lock:
            self.tags.clear()
            self.user = None
            self.extra.clear()
            self.contexts.clear()
            self.breadcrumbs.clear()
            self.request = None
            self.transaction = None


_global_scope = Scope()
_isolated: contextvars.ContextVar[Optional[Scope]] = contextvars.ContextVar("flowrent_scope", default=None)


def get_global_scope() -> Scope:
    return _global_scope


def get_current_scope() -> Scope:
    return _isolated.get() or _global_scope


def reset_global_scope(max_breadcrumbs: int = DEFAULT_MAX_BREADCRUMBS) -> None:
    global _global_scope
    _global_scope = Scope(max_breadcrumbs)


@contextmanager
def isolation_scope() -> Iterator[Scope]:
    """Run a block with its own copy of the current scope."""
    scope = get_current_scope().copy()
    token = _isolated.set(scope)
    try:
        yield scope
    finally:
        _isolated.reset(token)


def _after_fork_in_child() -> None:
    _global_scope._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def enter_isolation_scope() -> Scope:
    """Set a fresh copy as the current scope in the *current* context (for ``Context.run``)."""
    scope = get_current_scope().copy()
    _isolated.set(scope)
    return scope
