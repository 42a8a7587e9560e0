"""Integration: the client against the REAL three services (node <service>/dist/main.js).

One traced request through ``WsgiMiddleware`` raises an exception, logs a line and observes a
metric; each is then found through its service's read API, sharing the trace id. A service whose
``dist/main.js`` is missing (``npm run build -w <service>``) or that does not become ready fails the
suite; only a missing ``node`` skips it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import flowrent_monitoring as fm
from flowrent_monitoring.integrations import WsgiMiddleware
from flowrent_monitoring.dsn import parse_dsn

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
READY_SECONDS = 60.0
FIND_SECONDS = 30.0
SERVICES = ("error-tracker", "log-viewer", "metrics-collector")


@dataclass
class Service:
    name: str
    url: str = ""
    key: str = ""
    process: Optional[subprocess.Popen] = None
    skip_reason: Optional[str] = None
    failure: Optional[str] = None
    log_path: str = ""

    def get(self, path: str, params: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        url = self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
                return response.status, json.loads(body) if body else None
        except urllib.error.HTTPError as err:
            body = err.read()
            try:
                return err.code, json.loads(body)
            except ValueError:
                return err.code, body.decode("utf-8", "replace")

    def post(self, path: str, payload: Any) -> Tuple[int, Any]:
        request = urllib.request.Request(self.url + path, data=json.dumps(payload).encode(), method="POST",
                                         headers={"Authorization": f"Bearer {self.key}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
                return response.status, json.loads(body) if body else None
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def output(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return fh.read()[-2000:]
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _start(name: str, root: str) -> Service:
    service = Service(name)
    main = os.path.join(REPO, name, "dist", "main.js")
    if shutil.which("node") is None:
        service.skip_reason = "node is not installed"
        return service
    if not os.path.exists(main):
        service.failure = f"{name}/dist/main.js does not exist (run `npm run build -w {name}`)"
        return service
    port = _free_port()
    data_dir = os.path.join(root, name)
    os.makedirs(data_dir)
    service.key = secrets.token_hex(16)
    service.url = f"http://127.0.0.1:{port}"
    service.log_path = os.path.join(root, f"{name}.log")
    env = dict(os.environ, API_KEY=service.key, PORT=str(port), HOST="127.0.0.1", DATA_DIR=data_dir,
               LOG_LEVEL="warn")
    if name == "metrics-collector":
        # Its StatsD listener defaults to UDP 0.0.0.0:8125: off, so a second collector (npm start,
        # another suite) cannot make this one fail, and nothing listens beyond loopback.
        env["STATSD_PORT"] = "0"
    with open(service.log_path, "wb") as log_file:
        service.process = subprocess.Popen(["node", main], cwd=REPO, env=env, stdout=log_file,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            service.failure = f"{name} exited with {service.process.returncode}: {service.output()}"
            return service
        if _ready(service.url):
            return service
        time.sleep(0.1)
    service.failure = f"{name} did not answer GET /readyz = 200 within {READY_SECONDS:.0f}s"
    return service


def _stop(service: Service) -> None:
    if service.process is None or service.process.poll() is not None:
        return
    service.process.terminate()
    try:
        service.process.wait(10)
    except subprocess.TimeoutExpired:
        service.process.kill()
        service.process.wait(5)


@pytest.fixture(scope="module")
def stack() -> Iterator[Dict[str, Service]]:
    root = tempfile.mkdtemp(prefix="flowrent-python-it-")
    services = {name: _start(name, root) for name in SERVICES}
    failures = [s.failure for s in services.values() if s.failure]
    if failures:
        # All three services exist now: one that does not start is a failure, not a reason to skip.
        for service in services.values():
            _stop(service)
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail("; ".join(failures))
    try:
        yield services
    finally:
        for service in services.values():
            _stop(service)
        shutil.rmtree(root, ignore_errors=True)


def _dsn(tracker: Service) -> str:
    """The first project's DSN from ``GET /api/projects``, pointed at the port we started."""
    status, body = tracker.get("/api/projects")
    assert status == 200, f"GET /api/projects answered {status}: {body}"
    projects = body if isinstance(body, list) else (body.get("data") or body.get("projects") or [])
    if not projects:
        status, created = tracker.post("/api/projects", {"name": "python-client-it"})
        assert status in (200, 201), f"no project and POST /api/projects answered {status}: {created}"
        status, body = tracker.get("/api/projects")
        projects = body if isinstance(body, list) else (body.get("data") or body.get("projects") or [])
    project = projects[0]
    dsn = project.get("dsn") or (project.get("keys") or [{}])[0].get("dsn")
    assert dsn, f"project without dsn: {project}"
    parsed = parse_dsn(dsn)
    port = tracker.url.rsplit(":", 1)[1]
    return f"http://{parsed.public_key}@127.0.0.1:{port}{parsed.path}/{parsed.project_id}"


@dataclass
class Journey:
    trace_id: str
    event_id: Optional[str]
    metric: str
    run: str


@pytest.fixture(scope="module")
def journey(stack: Dict[str, Service]) -> Iterator[Journey]:
    """One request through the WSGI middleware: an exception, a log line, a metric observation."""
    tracker, logs, metrics = stack["error-tracker"], stack["log-viewer"], stack["metrics-collector"]
    options: Dict[str, Any] = dict(service="python-it", environment="it", release="it@1",
                                   install_excepthooks=False, raise_internal_errors=True,
                                   metrics_interval=3600, log_flush_interval=0.05)
    if tracker.skip_reason:
        pytest.skip(tracker.skip_reason)
    options["dsn"] = _dsn(tracker)
    options.update(logs_url=logs.url, logs_key=logs.key, metrics_url=metrics.url, metrics_key=metrics.key)
    from flowrent_monitoring import _internal
    from flowrent_monitoring.registry import default_registry

    _internal.set_strict(True)
    default_registry.clear()
    client = fm.init(**options)
    assert client is not None
    run = secrets.token_hex(4)
    metric = "python_it_checkout_seconds"
    captured: Dict[str, Any] = {}
    log = logging.getLogger("python_it.shop")
    log.setLevel(logging.INFO)

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        captured["trace_id"] = fm.current_trace().trace_id  # type: ignore[union-attr]
        log.info("checkout started for run %s", run, extra={"run": run})
        fm.histogram(metric, "Checkout time in the integration test", buckets=[0.1, 1]).observe(0.25, run=run)
        raise RuntimeError(f"checkout failed in run {run}")

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/checkout", "QUERY_STRING": "", "SERVER_NAME": "it",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "HTTP_HOST": "shop.it"}
    with pytest.raises(RuntimeError):
        WsgiMiddleware(app)(environ, lambda *a: None)
    assert fm.flush(15), f"flush did not complete: {fm.stats()}"
    stats = fm.stats()
    fm.close(timeout=1)
    _internal.set_strict(False)
    # A transient failure that a retry fixed is fine; data the client gave up on is not.
    assert not any(stats["dropped"].values()), f"the client dropped data: {stats}"
    yield Journey(captured["trace_id"], None, metric, run)
    default_registry.clear()


def _poll(find: Any, what: str) -> Any:
    deadline = time.monotonic() + FIND_SECONDS
    last: Any = None
    while time.monotonic() < deadline:
        found, last = find()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} not found within {FIND_SECONDS:.0f}s; last answer: {last}")


def _require(service: Service) -> None:
    if service.skip_reason:
        pytest.skip(service.skip_reason)


def test_the_exception_is_found_in_the_error_tracker_by_trace_id(stack: Dict[str, Service], journey: Journey) -> None:
    tracker = stack["error-tracker"]
    _require(tracker)

    def find() -> Tuple[Optional[Dict[str, Any]], Any]:
        status, body = tracker.get("/api/events", {"trace_id": journey.trace_id})
        events = body.get("data") if status == 200 and isinstance(body, dict) else None
        return (events[0] if events else None), (status, body)

    event = _poll(find, f"event with trace_id {journey.trace_id}")
    text = json.dumps(event)
    assert journey.run in text and "RuntimeError" in text
    assert event.get("event_id") and event.get("issue_id") is not None


def test_the_log_lines_are_found_in_the_log_viewer_by_trace_id(stack: Dict[str, Service], journey: Journey) -> None:
    logs = stack["log-viewer"]
    _require(logs)

    def find() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
        status, body = logs.get("/api/logs", {"query": f"trace_id:{journey.trace_id}", "from": "1h"})
        records = body.get("data") if status == 200 and isinstance(body, dict) else None
        return (records if records and len(records) >= 2 else None), (status, body)

    records = _poll(find, f"two log records with trace_id {journey.trace_id}")
    assert all(r["trace_id"] == journey.trace_id for r in records)
    messages = [r["message"] for r in records]
    assert f"checkout started for run {journey.run}" in messages
    assert any(m.startswith("POST /checkout 500") for m in messages)
    app_line = next(r for r in records if r["message"].startswith("checkout started"))
    assert app_line["service"] == "python-it" and app_line["level"] in ("info", "INFO")
    assert app_line["attributes"].get("logger") == "python_it.shop"
    assert app_line["time_ns"].isdigit()


def test_the_metric_is_found_in_the_collector(stack: Dict[str, Service], journey: Journey) -> None:
    metrics = stack["metrics-collector"]
    _require(metrics)
    query = f'{journey.metric}_count{{run="{journey.run}"}}'

    def find() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
        status, body = metrics.get("/api/v1/query", {"query": query})
        result = body.get("data", {}).get("result") if status == 200 and isinstance(body, dict) else None
        return (result or None), (status, body)

    (series,) = _poll(find, f"series {query}")
    assert float(series["value"][1]) == 1.0
    assert series["metric"]["service"] == "python-it"
    assert series["metric"]["instance"].endswith(f":{os.getpid()}")


def test_the_metric_exemplar_carries_the_trace_id(stack: Dict[str, Service], journey: Journey) -> None:
    metrics = stack["metrics-collector"]
    _require(metrics)
    now = time.time()
    params = {"query": f'{journey.metric}_bucket{{run="{journey.run}"}}', "start": str(now - 3600),
              "end": str(now + 60)}

    def find() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
        status, body = metrics.get("/api/v1/query_exemplars", params)
        data = body.get("data") if status == 200 and isinstance(body, dict) else None
        return (data or None), (status, body)

    # The observation (0.25) was the request's exemplar: it sits on the smallest bucket holding it.
    (series,) = _poll(find, f"exemplars of {params['query']}")
    assert series["seriesLabels"]["le"] == "1"
    assert series["seriesLabels"]["service"] == "python-it"
    (exemplar,) = series["exemplars"]
    assert exemplar["labels"]["trace_id"] == journey.trace_id
    assert float(exemplar["value"]) == 0.25
    assert now - 3600 < exemplar["timestamp"] <= now + 60


def test_the_request_duration_histogram_is_exported(stack: Dict[str, Service], journey: Journey) -> None:
    metrics = stack["metrics-collector"]
    _require(metrics)
    query = 'http_request_duration_seconds_count{service="python-it",status="500"}'

    def find() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
        status, body = metrics.get("/api/v1/query", {"query": query})
        result = body.get("data", {}).get("result") if status == 200 and isinstance(body, dict) else None
        return (result or None), (status, body)

    (series,) = _poll(find, query)
    assert series["metric"]["method"] == "POST"


def test_non_finite_metrics_an_over_long_log_line_and_nested_extras_reach_the_services(
        stack: Dict[str, Service], journey: Journey) -> None:
    """NaN/±Inf samples were sent as null (a 400 for the whole push), a record over the log viewer's
    256 KB line limit made it answer 413 for the whole batch, and dict extras arrived as repr text."""
    logs, metrics = stack["log-viewer"], stack["metrics-collector"]
    _require(logs)
    _require(metrics)
    from flowrent_monitoring import _internal
    from flowrent_monitoring.logs import MAX_LINE_BYTES, TRUNCATED
    from flowrent_monitoring.registry import default_registry

    _internal.set_strict(True)
    default_registry.clear()
    fm.init(service="python-it-edge", install_excepthooks=False, raise_internal_errors=True, metrics_interval=3600,
            log_flush_interval=0.05, logs_url=logs.url, logs_key=logs.key, metrics_url=metrics.url,
            metrics_key=metrics.key)
    run = secrets.token_hex(4)
    ratio = fm.gauge("python_it_edge_ratio", "Non-finite values")
    for kind, value in (("nan", float("nan")), ("inf", float("inf")), ("minus_inf", float("-inf"))):
        ratio.set(value, run=run, kind=kind)
    fm.histogram("python_it_edge_seconds", buckets=[1]).observe(float("inf"), run=run)
    fm.counter("python_it_edge_total").inc(run=run)  # a finite metric of the same push
    log = logging.getLogger("python_it.edge")
    log.setLevel(logging.INFO)
    with fm.trace() as ctx:
        log.info("huge %s", "z" * MAX_LINE_BYTES, extra={"nested": {"a": [1, 2]}})
        log.info("small", extra={"nested": {"a": [1, 2]}})
        deep: Any = 1
        for _ in range(200):  # past the log viewer's 128 levels: a 400 for the whole batch
            deep = [deep]
        log.info("deep", extra={"tree": deep})
    try:
        assert fm.flush(15), f"flush did not complete: {fm.stats()}"
        stats = fm.stats()
    finally:
        fm.close(timeout=1)
        _internal.set_strict(False)
        default_registry.clear()
    assert not any(stats["dropped"].values()), f"the client dropped data: {stats}"

    def query(q: str) -> Any:
        def find() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
            status, body = metrics.get("/api/v1/query", {"query": q})
            result = body.get("data", {}).get("result") if status == 200 and isinstance(body, dict) else None
            return (result or None), (status, body)
        return _poll(find, q)

    values = {s["metric"]["kind"]: s["value"][1] for s in query(f'python_it_edge_ratio{{run="{run}"}}')}
    assert values == {"nan": "NaN", "inf": "+Inf", "minus_inf": "-Inf"}
    (total,) = query(f'python_it_edge_total{{run="{run}"}}')
    assert float(total["value"][1]) == 1.0
    (histogram_sum,) = query(f'python_it_edge_seconds_sum{{run="{run}"}}')
    assert histogram_sum["value"][1] == "+Inf"

    def find_logs() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
        status, body = logs.get("/api/logs", {"query": f"trace_id:{ctx.trace_id}", "from": "1h"})
        records = body.get("data") if status == 200 and isinstance(body, dict) else None
        return (records if records and len(records) >= 3 else None), (status, body)

    records = {r["message"][:5]: r for r in _poll(find_logs, f"three log records with trace_id {ctx.trace_id}")}
    assert records["huge "]["message"].endswith(TRUNCATED)
    assert records["small"]["attributes"]["nested"] == {"a": [1, 2]}
    assert records["deep"]["attributes"]["tree"] == "[" * 200 + "1" + "]" * 200


def test_a_batch_over_the_log_viewers_body_limit_reaches_it_whole(stack: Dict[str, Service]) -> None:
    """45 records of 250 KB (each within the line limit) were one 11 MB body, over the log viewer's
    10 MiB MAX_REQUEST_BYTES: a 413, and the whole batch lost."""
    logs = stack["log-viewer"]
    _require(logs)
    from flowrent_monitoring import _internal

    _internal.set_strict(True)
    fm.init(service="python-it-bulk", install_excepthooks=False, raise_internal_errors=True, metrics_interval=3600,
            log_flush_interval=30, logs_url=logs.url, logs_key=logs.key)
    log = logging.getLogger("python_it.bulk")
    log.setLevel(logging.INFO)
    with fm.trace() as ctx:
        for i in range(45):
            log.info("%02d %s", i, "b" * 250_000)
    try:
        assert fm.flush(30), f"flush did not complete: {fm.stats()}"
        stats = fm.stats()
    finally:
        fm.close(timeout=1)
        _internal.set_strict(False)
    assert not any(stats["dropped"].values()), f"the client dropped data: {stats}"
    assert stats["sent"] == {"logs": 45}

    def find_logs() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
        status, body = logs.get("/api/logs", {"query": f"trace_id:{ctx.trace_id}", "from": "1h", "limit": "100"})
        records = body.get("data") if status == 200 and isinstance(body, dict) else None
        return (records if records and len(records) == 45 else None), (status, body)

    records = _poll(find_logs, f"45 log records with trace_id {ctx.trace_id}")
    assert sorted(r["message"][:2] for r in records) == [f"{i:02d}" for i in range(45)]


def test_metrics_whose_series_clash_do_not_stop_the_others_reaching_the_collector(
        stack: Dict[str, Service]) -> None:
    """A histogram x beside a gauge x_count (one push), a counter y beside a gauge y_total (against
    what the first push stored): the collector refused every later push whole with a 400."""
    metrics = stack["metrics-collector"]
    _require(metrics)
    from flowrent_monitoring import _internal
    from flowrent_monitoring.registry import default_registry

    _internal.set_strict(False)  # the clashing metrics are misuse: logged and ignored, as in production
    default_registry.clear()
    fm.init(service="python-it-clash", install_excepthooks=False, metrics_interval=3600,
            metrics_url=metrics.url, metrics_key=metrics.key)
    run = secrets.token_hex(4)
    try:
        fm.histogram("python_it_clash_seconds", buckets=[1]).observe(0.5, run=run)
        fm.gauge("python_it_clash_seconds_count").set(1, run=run)
        fm.counter("python_it_clash_jobs").inc(run=run)
        assert fm.flush(15), f"flush did not complete: {fm.stats()}"
        fm.gauge("python_it_clash_jobs_total").set(1, run=run)
        fm.counter("python_it_clash_jobs").inc(run=run)
        assert fm.flush(15), f"flush did not complete: {fm.stats()}"
        stats = fm.stats()
    finally:
        fm.close(timeout=1)
        _internal.set_strict(True)
        default_registry.clear()
    assert not any(stats["dropped"].values()), f"the client dropped data: {stats}"

    def find() -> Tuple[Optional[List[Dict[str, Any]]], Any]:
        status, body = metrics.get("/api/v1/query", {"query": f'python_it_clash_jobs{{run="{run}"}} == 2'})
        result = body.get("data", {}).get("result") if status == 200 and isinstance(body, dict) else None
        return (result or None), (status, body)

    _poll(find, "python_it_clash_jobs at 2")
