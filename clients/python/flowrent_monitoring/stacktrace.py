"""Python exceptions to Sentry ``exception.values`` (event-payloads/exception + stacktrace).

Values are ordered oldest to newest (the cause first, the raised exception last) and frames caller
to callee (the crash site last), as the protocol requires. ``in_app`` is false for the standard
library, site-packages/dist-packages and this package itself.
"""

from __future__ import annotations

import builtins
import linecache
import os
import sysconfig
from types import FrameType, TracebackType
from typing import Any, Dict, List, Optional, Tuple

from .options import Options
from .scrub import FILTERED, is_secret_key, serialize_value

CONTEXT_LINES = 5
MAX_CHAINED = 10
MAX_CONTEXT_LINE_CHARS = 300


def _library_prefixes() -> Tuple[str, ...]:
    prefixes = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            path = sysconfig.get_paths().get(key)
        except Exception:  # noqa: BLE001
            path = None
        if path:
            prefixes.add(os.path.realpath(path) + os.sep)
            prefixes.add(os.path.abspath(path) + os.sep)
    prefixes.add(os.path.dirname(os.path.abspath(__file__)) + os.sep)
    return tuple(sorted(prefixes))


_LIBRARY_PREFIXES = _library_prefixes()


def is_in_app(abs_path: str, module: Optional[str]) -> bool:
    if module and (module == "flowrent_monitoring" or module.startswith("flowrent_monitoring.")):
        return False
    if not abs_path or abs_path.startswith("<"):
        return False
    if "site-packages" in abs_path or "dist-packages" in abs_path:
        return False
    return not abs_path.startswith(_LIBRARY_PREFIXES)


def _clip(line: str) -> str:
    line = line.rstrip("\r\n")
    return line if len(line) <= MAX_CONTEXT_LINE_CHARS else line[: MAX_CONTEXT_LINE_CHARS - 3] + "..."


def _context(abs_path: str, lineno: int, module_globals: Dict[str, Any]) -> Dict[str, Any]:
    lines = linecache.getlines(abs_path, module_globals)
    if not lines or lineno < 1 or lineno > len(lines):
        return {}
    idx = lineno - 1
    return {
        "pre_context": [_clip(x) for x in lines[max(0, idx - CONTEXT_LINES) : idx]],
        "context_line": _clip(lines[idx]),
        "post_context": [_clip(x) for x in lines[idx + 1 : idx + 1 + CONTEXT_LINES]],
    }


def _filename(abs_path: str, module: Optional[str]) -> str:
    """Project-relative filename: the module path when known, so it is stable across hosts."""
    if module and module != "__main__" and abs_path.endswith(".py"):
        base = module.replace(".", "/")
        return base + ("/__init__.py" if abs_path.endswith("__init__.py") else ".py")
    return os.path.basename(abs_path) if os.path.isabs(abs_path) else abs_path


def frame_to_dict(frame: FrameType, lineno: int, options: Options) -> Dict[str, Any]:
    code = frame.f_code
    f_globals = frame.f_globals
    module = f_globals.get("__name__") if isinstance(f_globals.get("__name__"), str) else None
    abs_path = os.path.abspath(code.co_filename) if not code.co_filename.startswith("<") else code.co_filename
    out: Dict[str, Any] = {
        "filename": _filename(abs_path, module),
        "abs_path": abs_path,
        "function": getattr(code, "co_qualname", code.co_name),
        "module": module,
        "lineno": lineno,
        "in_app": is_in_app(abs_path, module),
    }
    out.update(_context(code.co_filename, lineno, f_globals))
    if options.include_local_variables:
        out["vars"] = frame_vars(frame, options.max_vars_per_frame, options.max_var_chars)
    return out


def frame_vars(frame: FrameType, max_vars: int, max_chars: int) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for i, (name, value) in enumerate(list(frame.f_locals.items())):
        if i >= max_vars:
            break
        if name.startswith("__") and name.endswith("__"):
            continue
        out[name] = FILTERED if is_secret_key(name) else serialize_value(value, max_chars)
    return out


def _frames(tb: Optional[TracebackType], options: Options) -> List[Dict[str, Any]]:
    entries: List[Tuple[FrameType, int]] = []
    while tb is not None:
        if not tb.tb_frame.f_globals.get("__traceback_hide__"):
            entries.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    limit = max(2, options.max_frames)
    if len(entries) > limit:  # keep both ends: the entry point and the crash site matter most
        entries = entries[: limit // 2] + entries[-(limit - limit // 2) :]
    return [frame_to_dict(f, n, options) for f, n in entries]


def _type_name(exc: BaseException) -> Tuple[str, Optional[str]]:
    cls = type(exc)
    module = cls.__module__
    return cls.__qualname__, (None if module in ("builtins", "__builtin__") else module)


def _chain(exc: BaseException) -> List[BaseException]:
    """Newest first: the exception, then its ``__cause__`` or unsuppressed ``__context__``."""
    chain: List[BaseException] = []
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen and len(chain) < MAX_CHAINED:
        chain.append(current)
        seen.add(id(current))
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return chain


def _value(item: BaseException, options: Options, mechanism: Dict[str, Any]) -> Dict[str, Any]:
    type_name, module = _type_name(item)
    value: Dict[str, Any] = {"type": type_name, "value": _str(item), "module": module, "mechanism": mechanism}
    frames = _frames(item.__traceback__, options)
    if frames:
        value["stacktrace"] = {"frames": frames}
    return value


def exception_values(exc: BaseException, options: Options, mechanism: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The chain of ``exc`` plus, for an exception group, its members (one level, ``MAX_CHAINED``).

    Built newest first, returned oldest first: causes, then group members, then ``exc`` last (the
    main exception), each with Sentry's ``exception_id``/``parent_id`` mechanism links.
    """
    handled = mechanism.get("handled", True)
    chain = _chain(exc)
    values: List[Dict[str, Any]] = [_value(exc, options, dict(mechanism, exception_id=0))]
    members = list(getattr(exc, "exceptions", None) or []) if _is_group(exc) else []
    if members:
        values[0]["mechanism"]["is_exception_group"] = True
    for index, member in enumerate(members[:MAX_CHAINED]):
        values.append(_value(member, options, {"type": "chained", "source": f"exceptions[{index}]",
                                               "exception_id": len(values), "parent_id": 0, "handled": handled}))
    for position in range(1, len(chain)):
        item = chain[position]
        source = "__cause__" if chain[position - 1].__cause__ is item else "__context__"
        parent = 0 if position == 1 else len(values) - 1
        values.append(_value(item, options, {"type": "chained", "source": source, "exception_id": len(values),
                                             "parent_id": parent, "handled": handled}))
    values.reverse()
    return values


_EXCEPTION_GROUP: Optional[type] = getattr(builtins, "BaseExceptionGroup", None)  # Python >= 3.11


def _is_group(exc: BaseException) -> bool:
    return _EXCEPTION_GROUP is not None and isinstance(exc, _EXCEPTION_GROUP)


def _str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001
        return "<exception str() failed>"
