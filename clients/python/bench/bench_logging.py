#!/usr/bin/env python3
"""Microseconds the client adds per captured log record on the calling thread.

    python3 clients/python/bench/bench_logging.py [--records 50000] [--logs-url URL --logs-key KEY]

Times ``logger.info(...)`` with the client's handlers installed (log shipping + breadcrumbs, the
``init()`` defaults) against the same call with only a ``NullHandler``, in chunks with a flush
between chunks (flush time is not counted) so the queue never overflows into the cheap drop path.
The background worker serialises, compresses and sends concurrently, as in production. Without
``--logs-url`` the records go to a sink HTTP server in a separate process on 127.0.0.1.
Goal (issue 6): < 50 us added per record.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flowrent_monitoring as fm  # noqa: E402

SINK = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""

CHUNK = 5000


def _time_chunks(log: logging.Logger, records: int, between_chunks) -> list:
    """Per-chunk microseconds per record."""
    per_record = []
    extra = {"order_id": 1234, "customer": "c-42"}
    for start in range(0, records, CHUNK):
        n = min(CHUNK, records - start)
        t0 = time.perf_counter()
        for i in range(n):
            log.info("order %s placed by %s", i, "customer-42", extra=extra)
        per_record.append((time.perf_counter() - t0) / n * 1e6)
        between_chunks()
    return per_record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--logs-url")
    parser.add_argument("--logs-key")
    args = parser.parse_args()

    sink = None
    logs_url = args.logs_url
    if not logs_url:
        sink = subprocess.Popen([sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)
        logs_url = f"http://127.0.0.1:{sink.stdout.readline().strip()}"
    try:
        log = logging.getLogger("bench.app")
        log.setLevel(logging.INFO)
        log.propagate = False
        null = logging.NullHandler()
        log.addHandler(null)
        baseline = _time_chunks(log, args.records, lambda: None)
        log.removeHandler(null)
        log.propagate = True

        logging.getLogger().setLevel(logging.WARNING)  # the host's root level: records pass via bench.app's level
        fm.init(logs_url=logs_url, logs_key=args.logs_key, service="bench", install_excepthooks=False,
                queue_size=CHUNK * 2)
        with_client = _time_chunks(log, args.records, lambda: fm.flush(30))
        with fm.trace():
            traced = _time_chunks(log, args.records, lambda: fm.flush(30))
        stats = fm.stats()
        fm.close()
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait()

    base = statistics.median(baseline)
    client = statistics.median(with_client)
    trace = statistics.median(traced)
    print(f"python {sys.version.split()[0]}, {args.records} records per run, median of {CHUNK}-record chunks")
    print(f"  logger.info with a NullHandler only     {base:7.2f} us/record")
    print(f"  with the client's handlers               {client:7.2f} us/record  (+{client - base:.2f} us added)")
    print(f"  same, inside a trace context             {trace:7.2f} us/record  (+{trace - base:.2f} us added)")
    print(f"  shipped: {stats['sent'].get('logs', 0)} records, dropped: {stats['dropped'] or 'none'}")
    print(f"  goal: < 50 us added per record -> {'met' if max(client, trace) - base < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
