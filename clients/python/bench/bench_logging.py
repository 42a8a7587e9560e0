#!/usr/bin/env python3
"""Microseconds the client adds per captured log record on the calling thread.

    python3 clients/python/bench/bench_logging.py [--records 50000] [--logs-url URL --logs-key KEY]

Times ``logger.info("order %s placed by %s", i, "c-42", extra={...})`` (median over 5000-record
chunks, a flush between chunks that is not timed, so the queue never overflows into the cheap
drop path) in four setups:

1. baseline: the logger with only a ``NullHandler``;
2. emit cost: the client's handlers as ``init()`` installs them (log shipping + breadcrumbs) with
   the background thread kept idle during the chunk: what ``emit`` itself costs the caller;
3. same inside a trace context (the trace id is read from the context per record);
4. concurrent: default batching, so the background thread serialises, gzips and sends *while*
   the caller logs; on CPython that work competes for the GIL, so this is the wall-clock cost a
   busy host sees on a loaded machine.

Each row also gives the calling thread's own CPU time (``time.thread_time``): on a machine shared
with other work it is the steadier figure, since it ignores time spent descheduled.

Without ``--logs-url`` the records go to a sink HTTP server in a separate process on 127.0.0.1.
Goal (issue 6): < 50 us added per record on the calling thread.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flowrent_monitoring as fm  # noqa: E402

SINK = r"""
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


CPU: List[float] = []  # per chunk: CPU microseconds per record used by the calling thread itself


def _time_chunks(log: logging.Logger, records: int, between_chunks: Callable[[], Any]) -> List[float]:
    """Wall-clock microseconds per record on the calling thread, one figure per chunk; the calling
    thread's own CPU time (``time.thread_time``, blind to other processes and to GIL waits) goes
    to ``CPU``."""
    per_record = []
    CPU.clear()
    extra = {"order_id": 1234, "customer": "c-42"}
    for start in range(0, records, CHUNK):
        n = min(CHUNK, records - start)
        c0 = time.thread_time()
        t0 = time.perf_counter()
        for i in range(n):
            log.info("order %s placed by %s", i, "customer-42", extra=extra)
        per_record.append((time.perf_counter() - t0) / n * 1e6)
        CPU.append((time.thread_time() - c0) / n * 1e6)
        between_chunks()
    return per_record


def _with_client(log: logging.Logger, records: int, logs_url: str, logs_key: Optional[str], traced: bool,
                 **options: Any) -> Dict[str, Any]:
    fm.init(logs_url=logs_url, logs_key=logs_key, service="bench", install_excepthooks=False,
            queue_size=CHUNK * 2, **options)
    drains: List[float] = []

    def flush() -> None:
        t0 = time.perf_counter()
        fm.flush(60)
        drains.append((time.perf_counter() - t0) / CHUNK * 1e6)

    if traced:
        with fm.trace():
            times = _time_chunks(log, records, flush)
    else:
        times = _time_chunks(log, records, flush)
    stats = fm.stats()
    fm.close()
    return {"us": statistics.median(times), "best": min(times), "cpu": statistics.median(CPU),
            "drain": statistics.median(drains), "stats": stats}


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
        logs_url = f"http://127.0.0.1:{sink.stdout.readline().strip()}"  # type: ignore[union-attr]
    try:
        log = logging.getLogger("bench.app")
        log.setLevel(logging.INFO)
        log.propagate = False
        null = logging.NullHandler()
        log.addHandler(null)
        base_times = _time_chunks(log, args.records, lambda: None)
        base, base_best, base_cpu = statistics.median(base_times), min(base_times), statistics.median(CPU)
        log.removeHandler(null)
        log.propagate = True
        idle = dict(log_batch_size=CHUNK * 2, log_flush_interval=3600.0)  # worker waits for the flush
        emit = _with_client(log, args.records, logs_url, args.logs_key, False, **idle)
        traced = _with_client(log, args.records, logs_url, args.logs_key, True, **idle)
        concurrent = _with_client(log, args.records, logs_url, args.logs_key, False)
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait()

    def line(label: str, result: Dict[str, Any]) -> str:
        return (f"  {label:<44} {result['us']:7.2f} us/record  (+{result['us'] - base:.2f} us added; "
                f"best chunk +{result['best'] - base_best:.2f}; calling-thread CPU +{result['cpu'] - base_cpu:.2f})")

    print(f"python {sys.version.split()[0]}, {args.records} records per setup, median of {CHUNK}-record chunks, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'1. logger.info with a NullHandler only':<44} {base:7.2f} us/record  (best chunk {base_best:.2f}; "
          f"calling-thread CPU {base_cpu:.2f})")
    print(line("2. emit cost (background thread idle)", emit))
    print(line("3. emit cost inside a trace context", traced))
    print(line("4. concurrent with the background thread", concurrent))
    print(f"  background thread per record (serialise, gzip, POST): {emit['drain']:.2f} us")
    shipped = sum(r["stats"]["sent"].get("logs", 0) for r in (emit, traced, concurrent))
    dropped = [r["stats"]["dropped"] for r in (emit, traced, concurrent) if r["stats"]["dropped"]]
    print(f"  shipped {shipped} records, dropped {dropped or 'none'}")
    added = max(emit["us"], traced["us"]) - base
    added_cpu = max(emit["cpu"], traced["cpu"]) - base_cpu
    print(f"  goal < 50 us added per record on the calling thread: {'met' if added_cpu < 50 else 'NOT met'} "
          f"by its CPU time ({added_cpu:.2f} us); wall clock {added:.2f} us at this load")


if __name__ == "__main__":
    main()
