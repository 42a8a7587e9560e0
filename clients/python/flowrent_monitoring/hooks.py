"""``sys.excepthook`` and ``threading.excepthook``: capture, then chain the previous hook.

The previous hook always runs (the host's own error reporting and the default traceback print are
kept) even if capturing fails. ``uninstall`` restores a previous hook only if ours is still the
installed one, so a hook installed after ours is never clobbered.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Optional

from . import _internal


class ExceptHooks:
    def __init__(self, capture: Callable[..., Any]) -> None:
        self._capture = capture
        self._previous_sys: Optional[Callable[..., Any]] = None
        self._previous_threading: Optional[Callable[..., Any]] = None
        self._installed = False

    def install(self) -> None:
        if self._installed:
            return
        self._previous_sys = sys.excepthook
        sys.excepthook = self._sys_hook
        self._previous_threading = threading.excepthook
        threading.excepthook = self._threading_hook
        self._installed = True

    def uninstall(self) -> None:
        if not self._installed:
            return
        if sys.excepthook == self._sys_hook and self._previous_sys is not None:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self._threading_hook and self._previous_threading is not None:
            threading.excepthook = self._previous_threading
        self._installed = False

    def _sys_hook(self, exc_type: Any, exc_value: Any, tb: Any) -> None:
        try:
            if exc_value is not None and not isinstance(exc_value, KeyboardInterrupt) and self._installed:
                if exc_value.__traceback__ is None and tb is not None:
                    exc_value = exc_value.with_traceback(tb)
                self._capture(exc_value, handled=False, mechanism="excepthook")
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "sys.excepthook", background=True)
        previous = self._previous_sys or sys.__excepthook__
        previous(exc_type, exc_value, tb)

    def _threading_hook(self, args: Any) -> None:
        try:
            exc_value = args.exc_value
            if exc_value is not None and not isinstance(exc_value, SystemExit) and self._installed:
                thread = getattr(args, "thread", None)
                self._capture(exc_value, handled=False, mechanism="threading",
                              extra={"thread": getattr(thread, "name", None)})
        except Exception as exc:  # noqa: BLE001
            _internal.report(exc, "threading.excepthook", background=True)
        previous = self._previous_threading or threading.__excepthook__
        previous(args)
