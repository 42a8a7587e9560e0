"""The host never blocks or breaks: services down, slow or failing; flush deadlines; fork; hooks."""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from typing import Callable

import pytest

import flowrent_monitoring as fm
from conftest import CaptureServer, init_for
from flowrent_monitoring import _internal

HOST_WORK_DEADLINE = 20.0  # generous: only a blocked host would come near it


def _host_workload() -> None:
    log = logging.getLogger("app.host")
    log.setLevel(logging.INFO)
    hist = fm.histogram("work_seconds")
    for i in range(300):
        log.info("work item %d", i)
        hist.observe(0.01 * i)
        if i % 10 == 0:
            try:
                raise RuntimeError(f"failure {i}")
            except RuntimeError as exc:
                fm.capture_exception(exc)


def _run_in_thread(work: Callable[[], None]) -> threading.Event:
    done = threading.Event()

    def target() -> None:
        work()
        done.set()

    threading.Thread(target=target, daemon=True).start()
    return done


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_unreachable_services_never_block_and_drops_are_counted() -> None:
    port = _closed_port()
    fm.init(dsn=f"http://k@127.0.0.1:{port}/1", logs_url=f"http://127.0.0.1:{port}",
            metrics_url=f"http://127.0.0.1:{port}", raise_internal_errors=True, install_excepthooks=False,
            backoff_base=0.001, backoff_max=0.005, max_retries=2, log_flush_interval=0.01)
    done = _run_in_thread(_host_workload)
    assert done.wait(HOST_WORK_DEADLINE)
    assert not fm.flush(HOST_WORK_DEADLINE)  # finished, but everything was dropped after its retries
    assert fm.stats()["queued"] == 0
    dropped = fm.stats()["dropped"]
    assert dropped["retries_exhausted"] >= 30 + 1
    assert fm.stats()["sent"] == {}


def test_a_server_that_never_answers_does_not_block_the_host_and_flush_keeps_its_deadline(
    server: CaptureServer,
) -> None:
    def hang(_request: object) -> "tuple[int, dict]":
        server.release.wait(60)
        return 200, {}

    server.responder = hang
    init_for(server, http_timeout=60)
    done = _run_in_thread(_host_workload)
    assert done.wait(HOST_WORK_DEADLINE)
    server.wait_for(1)  # the worker is now stuck inside a request
    started = time.monotonic()
    assert fm.flush(0.2) is False
    assert time.monotonic() - started < 5.0
    assert not server.release.is_set()  # all of the above happened while the server still hung
    assert fm.close(timeout=0.1) is False


def test_a_server_answering_500_forever_does_not_block_the_host(server: CaptureServer) -> None:
    server.responder = lambda _r: (500, {})
    init_for(server, max_retries=1000)
    done = _run_in_thread(_host_workload)
    assert done.wait(HOST_WORK_DEADLINE)
    assert fm.flush(0.3) is False
    assert len(server.requests) >= 1
    assert fm.stats()["queued"] > 0


def test_internal_errors_are_swallowed_in_production_and_raised_in_tests(server: CaptureServer) -> None:
    def broken(event: dict, hint: dict) -> dict:
        raise RuntimeError("bug in before_send")

    init_for(server, before_send=broken)
    with pytest.raises(RuntimeError):
        fm.capture_message("strict")
    init_for(server, before_send=broken, raise_internal_errors=False)
    assert fm.capture_message("lenient") is None
    assert not _internal.is_strict()
    _internal.set_strict(True)  # restore for the fixture's teardown check


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_worker_and_metrics(server: CaptureServer) -> None:
    client = init_for(server)
    log = logging.getLogger("app.fork")
    log.setLevel(logging.INFO)
    fm.counter("forked_total").inc(5)
    log.info("parent before fork")
    assert fm.flush(5)  # the parent's worker thread is running
    parent_instance = client.default_metric_labels()["instance"]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: must not deadlock, must send on its own thread
        code = 1
        try:
            log.info("from child")
            fm.counter("forked_total").inc()
            code = 0 if fm.flush(10) else 2
        finally:
            os.write(write_end, bytes([code]))
            os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], HOST_WORK_DEADLINE * 2)
    if not ready:  # a deadlocked child must fail the test, not hang the suite
        os.kill(pid, signal.SIGKILL)
    status = os.read(read_end, 1) if ready else b"hung"
    os.close(read_end)
    os.waitpid(pid, 0)
    assert status == bytes([0])
    messages = [r["message"] for req in server.of("/api/logs") for r in req.ndjson()]
    assert messages.count("from child") == 1 and messages.count("parent before fork") == 1
    pushes = [m for req in server.of("/api/metrics") for m in req.json()["metrics"]]
    child = [m for m in pushes if m["labels"]["instance"] != parent_instance]
    assert [(m["name"], m["value"]) for m in child] == [("forked_total", 1.0)]
    log.info("parent after fork")
    assert fm.flush(5)
    assert "parent after fork" in [r["message"] for req in server.of("/api/logs") for r in req.ndjson()]


def test_sys_excepthook_captures_and_chains_the_previous_hook(server: CaptureServer, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *args: seen.append(args[1]))
    init_for(server, install_excepthooks=True)
    try:
        raise LookupError("uncaught")
    except LookupError:
        sys.excepthook(*sys.exc_info())
    assert fm.flush(5)
    value = server.wait_for(1)[0].event()["exception"]["values"][-1]
    assert value["type"] == "LookupError"
    assert value["mechanism"] == {"type": "excepthook", "handled": False, "exception_id": 0}
    assert [str(e) for e in seen] == ["uncaught"]
    fm.close(timeout=0)
    assert sys.excepthook is not None and "flowrent" not in repr(sys.excepthook)


def test_threading_excepthook_captures_and_chains_the_previous_hook(server: CaptureServer, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_value))
    init_for(server, install_excepthooks=True)

    def crash() -> None:
        raise OSError("thread died")

    thread = threading.Thread(target=crash, name="worker-7")
    thread.start()
    thread.join()
    assert fm.flush(5)
    event = server.wait_for(1)[0].event()
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "threading"
    assert event["extra"]["thread"] == "'worker-7'"
    assert [str(e) for e in seen] == ["thread died"]


def test_init_alone_captures_an_uncaught_exception_and_flushes_at_exit(server: CaptureServer) -> None:
    script = textwrap.dedent(
        """
        import flowrent_monitoring
        flowrent_monitoring.init()
        def checkout():
            raise ZeroDivisionError("division by zero in checkout")
        checkout()
        """
    )
    env = dict(os.environ, FLOWRENT_DSN=server.dsn, FLOWRENT_SERVICE="script",
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "ZeroDivisionError: division by zero in checkout" in result.stderr  # the default hook still ran
    event = server.wait_for(1)[0].event()
    value = event["exception"]["values"][-1]
    assert value["mechanism"]["handled"] is False and value["stacktrace"]["frames"][-1]["function"] == "checkout"
    assert event["tags"]["service"] == "script"


def test_flush_completes_while_other_threads_keep_logging(server: CaptureServer) -> None:
    init_for(server, log_flush_interval=0.01)
    log = logging.getLogger("app.busy")
    log.setLevel(logging.INFO)
    stop = threading.Event()

    def chatter() -> None:
        while not stop.is_set():
            log.info("background chatter")

    thread = threading.Thread(target=chatter, daemon=True)
    thread.start()
    try:
        log.info("before flush")
        assert fm.flush(HOST_WORK_DEADLINE)
    finally:
        stop.set()
        thread.join()
    assert "before flush" in [r["message"] for req in server.of("/api/logs") for r in req.ndjson()]


def test_interpreter_exit_waits_at_most_the_shutdown_timeout_for_a_hanging_service(server: CaptureServer) -> None:
    def hang(_request: object) -> "tuple[int, dict]":
        server.release.wait(120)
        return 200, {}

    server.responder = hang
    script = textwrap.dedent(
        """
        import logging, flowrent_monitoring as fm
        fm.init(shutdown_timeout=0.5, http_timeout=120)
        logging.getLogger().setLevel(logging.INFO)
        logging.getLogger("app").info("last words")
        fm.capture_message("bye")
        """
    )
    env = dict(os.environ, FLOWRENT_DSN=server.dsn, FLOWRENT_LOGS_URL=server.url,
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not server.release.is_set()  # it exited while the service was still hanging


def test_queue_overflow_drops_new_items_and_counts_them(server: CaptureServer) -> None:
    def hang(_request: object) -> "tuple[int, dict]":
        server.release.wait(60)
        return 200, {}

    server.responder = hang
    init_for(server, queue_size=20, http_timeout=60)
    fm.capture_message("occupies the worker")
    server.wait_for(1)  # the worker is now inside a request that does not return
    log = logging.getLogger("app.overflow")
    log.setLevel(logging.INFO)
    for i in range(100):
        log.info("record %d", i)
    assert fm.stats()["dropped"] == {"queue_full": 80}
    assert fm.stats()["queued"] == 20 + 1  # plus the event still in flight
