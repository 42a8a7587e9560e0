"""The demo app runs end to end against a capturing server and sends all three kinds of data."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from conftest import CaptureServer

DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "demo_app.py")


def test_demo_app_sends_errors_logs_and_metrics(server: CaptureServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, FLOWRENT_DSN=server.dsn, FLOWRENT_LOGS_URL=server.url, FLOWRENT_METRICS_URL=server.url,
               FLOWRENT_ERRORS_URL=server.url, FLOWRENT_LOGS_KEY="k", FLOWRENT_METRICS_KEY="k")
    result = subprocess.run([sys.executable, DEMO, "--duration", "3", "--port", str(port), "--threads", "2"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "One trace across the three UIs" in result.stdout
    assert server.of("/api/1/envelope/") and server.of("/api/logs") and server.of("/api/metrics")
    names = {m["name"] for req in server.of("/api/metrics") for m in req.json()["metrics"]}
    assert {"http_request_duration_seconds", "shop_payment_seconds"} <= names
