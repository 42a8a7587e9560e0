"""Internal error policy: the client never hurts its host.

In production every unexpected exception inside the client is logged at debug level on the
``flowrent_monitoring`` logger and swallowed. With ``strict`` on (tests, ``raise_internal_errors``)
it is raised on the calling thread, or remembered and raised by the next ``flush()``/``close()``
when it happened on the background thread.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import List, Optional

logger = logging.getLogger("flowrent_monitoring")
logger.addHandler(logging.NullHandler())

_lock = threading.Lock()
_strict = False
_pending: List[BaseException] = []


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def set_strict(strict: bool) -> None:
    global _strict
    _strict = strict
    with _lock:
        _pending.clear()


def is_strict() -> bool:
    return _strict


def report(exc: BaseException, where: str, background: bool = False) -> None:
    """Handle an internal error: log it, and re-raise (or remember) it in strict mode."""
    try:
        logger.debug("internal error in %s", where, exc_info=exc)
    except Exception:  # noqa: BLE001 - logging itself must not break the host
        pass
    if not _strict:
        return
    if background:
        with _lock:
            _pending.append(exc)
        return
    raise exc


def take_pending() -> Optional[BaseException]:
    """The first internal error remembered from the background thread (strict mode only)."""
    with _lock:
        if not _pending:
            return None
        first = _pending[0]
        _pending.clear()
        return first


def raise_pending() -> None:
    exc = take_pending()
    if exc is not None:
        raise exc
