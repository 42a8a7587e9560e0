"""Secret scrubbing and bounded serialisation of arbitrary Python values.

A key (variable name, dict key, header name) matching ``SECRET_KEY_PATTERN`` has its value
replaced by ``FILTERED`` whatever its type. Values become JSON-safe ``repr()`` strings, nested
mappings and sequences are walked with depth and breadth limits (Sentry's Python SDK sends the
same repr-string shape, so the tracker renders both alike).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping

FILTERED = "[Filtered]"
SECRET_KEY_PATTERN = re.compile(
    r"passw(or)?d|secret|token|authori[sz]ation|api[-_]?key|cookie|session|csrf|credential|private[-_]?key",
    re.IGNORECASE,
)
MAX_DEPTH = 3
MAX_BREADTH = 20


def is_secret_key(key: Any) -> bool:
    return isinstance(key, str) and SECRET_KEY_PATTERN.search(key) is not None


def safe_repr(value: Any, max_chars: int) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ in the host must not break capture
        text = f"<{type(value).__name__} instance (repr failed)>"
    if len(text) > max_chars:
        text = text[: max(0, max_chars - 3)] + "..."
    return text


def serialize_value(value: Any, max_chars: int, depth: int = 0) -> Any:
    """JSON-safe, size-bounded, scrubbed view of ``value`` (repr strings at the leaves)."""
    if depth < MAX_DEPTH:
        if isinstance(value, Mapping):
            out: Dict[str, Any] = {}
            for i, (k, v) in enumerate(list(value.items())):
                if i >= MAX_BREADTH:
                    out["..."] = f"{len(value) - MAX_BREADTH} more"
                    break
                key = k if isinstance(k, str) else safe_repr(k, 100)
                out[key] = FILTERED if is_secret_key(key) else serialize_value(v, max_chars, depth + 1)
            return out
        if isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)
            result = [serialize_value(v, max_chars, depth + 1) for v in items[:MAX_BREADTH]]
            if len(items) > MAX_BREADTH:
                result.append(f"... {len(items) - MAX_BREADTH} more")
            return result
    return safe_repr(value, max_chars)


def scrub_mapping(data: Mapping[str, Any]) -> Dict[str, Any]:
    """Copy of a flat mapping with secret keys filtered (headers, extra, tags)."""
    return {k: (FILTERED if is_secret_key(k) else v) for k, v in data.items()}


def scrub_json(value: Any, depth: int = 0) -> Any:
    """Filter secret keys anywhere in already JSON-shaped data (user extras, contexts)."""
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {k: (FILTERED if is_secret_key(k) else scrub_json(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v, depth + 1) for v in value]
    return value
