"""Sentry DSN parsing: ``{scheme}://{public_key}[:{secret}]@{host}[:{port}]{path}/{project_id}``.

Follows Sentry's develop docs (transport/authentication): the envelope endpoint is
``{scheme}://{host}{path}/api/{project_id}/envelope/`` (trailing slash) and authentication goes
in the ``X-Sentry-Auth`` header. The secret key is deprecated and only passed through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

SENTRY_PROTOCOL_VERSION = 7


@dataclass(frozen=True)
class Dsn:
    scheme: str
    public_key: str
    secret_key: Optional[str]
    host: str
    port: Optional[int]
    path: str
    project_id: str

    @property
    def origin(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{self.host}{port}"

    @property
    def envelope_url(self) -> str:
        return f"{self.origin}{self.path}/api/{self.project_id}/envelope/"

    def auth_header(self, client: str) -> str:
        parts = [
            f"sentry_key={self.public_key}",
            f"sentry_version={SENTRY_PROTOCOL_VERSION}",
            f"sentry_client={client}",
        ]
        if self.secret_key:
            parts.append(f"sentry_secret={self.secret_key}")
        return "Sentry " + ", ".join(parts)


def parse_dsn(value: str) -> Dsn:
    """Parse a DSN; raises ``ValueError`` with the reason when it is malformed."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError("DSN scheme must be http or https")
    if not parts.username:
        raise ValueError("DSN has no public key")
    if not parts.hostname:
        raise ValueError("DSN has no host")
    path, _, project = parts.path.rstrip("/").rpartition("/")
    digits = ""
    for ch in project:
        if not ch.isdigit():
            break
        digits += ch
    if not digits:
        raise ValueError("DSN has no numeric project id")
    return Dsn(
        scheme=parts.scheme,
        public_key=parts.username,
        secret_key=parts.password or None,
        host=parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]",
        port=parts.port,
        path=path,
        project_id=digits,
    )
