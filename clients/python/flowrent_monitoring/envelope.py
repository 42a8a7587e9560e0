"""Sentry envelope serialisation (develop docs: transport/envelopes).

``Envelope = Headers { "\\n" ItemHeaders "\\n" Payload } "\\n"``; every item header carries
``length`` in bytes so payloads may contain newlines. Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

Item = Tuple[Dict[str, Any], bytes]


def _json_default(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # noqa: BLE001
        return f"<{type(value).__name__}>"


# One encoder for the process: json.dumps() with options builds a new encoder per call (slow).
_encode = json.JSONEncoder(separators=(",", ":"), default=_json_default, ensure_ascii=False).encode


def dumps(value: Any) -> bytes:
    """Compact JSON; anything not JSON-serialisable becomes its repr; NaN/Infinity become null; a
    lone surrogate becomes "?"."""
    text = _encode(value)
    if ("NaN" in text or "Infinity" in text) and _has_non_finite(value):
        text = _encode(_replace_non_finite(value))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes decoded with surrogateescape (file names, argv, environ) leave lone surrogates,
        # which UTF-8 cannot hold: raising here lost the event, or the whole log batch, uncounted.
        return text.encode("utf-8", "replace")


def _has_non_finite(value: Any) -> bool:
    return bool(_replace_non_finite(value) != value)


def _replace_non_finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _replace_non_finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace_non_finite(v) for v in value]
    return value


def serialize_envelope(headers: Dict[str, Any], items: Iterable[Item]) -> bytes:
    parts: List[bytes] = [dumps(headers)]
    for item_headers, payload in items:
        parts.append(dumps(dict(item_headers, length=len(payload))))
        parts.append(payload)
    return b"\n".join(parts) + b"\n"


def event_envelope(event: Dict[str, Any], sent_at: str, sdk: Dict[str, str],
                   trace: Optional[Dict[str, Any]] = None) -> bytes:
    headers: Dict[str, Any] = {"event_id": event["event_id"], "sent_at": sent_at, "sdk": sdk}
    if trace:
        headers["trace"] = trace
    payload = dumps(event)
    return serialize_envelope(headers, [({"type": "event", "content_type": "application/json"}, payload)])


def parse_envelope(body: bytes) -> Tuple[Dict[str, Any], List[Item]]:
    """Inverse of ``serialize_envelope`` (also accepts items without ``length``); for tests and tools."""
    newline = body.find(b"\n")
    if newline < 0:
        return json.loads(body or b"{}"), []
    headers = json.loads(body[:newline])
    pos = newline + 1
    items: List[Item] = []
    while pos < len(body):
        end = body.find(b"\n", pos)
        if end < 0:
            end = len(body)
        line = body[pos:end]
        pos = end + 1
        if not line.strip():
            continue
        item_headers = json.loads(line)
        if "length" in item_headers:
            length = int(item_headers["length"])
            payload = body[pos : pos + length]
            if len(payload) != length:
                raise ValueError("envelope item shorter than its length")
            pos += length + 1
        else:
            end = body.find(b"\n", pos)
            end = len(body) if end < 0 else end
            payload = body[pos:end]
            pos = end + 1
        items.append((item_headers, payload))
    return headers, items
