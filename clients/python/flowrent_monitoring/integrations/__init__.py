"""Framework-free integrations: WSGI and ASGI middleware."""

from .asgi import AsgiMiddleware
from .wsgi import WsgiMiddleware

__all__ = ["AsgiMiddleware", "WsgiMiddleware"]
