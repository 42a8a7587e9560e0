#!/usr/bin/env python3
"""Demo: a small WSGI shop plus a traffic generator that fills the three UIs in about a minute.

    npm start                                  # in another terminal: the three services
    python3 clients/python/examples/demo_app.py [--duration 60] [--port 8077] [--serve-only]

Zero configuration against ``npm start``: the service URLs default to http://localhost:5010/5011/
5012, the API keys are read from ``./data/{errors,logs,metrics}/api-key`` (or the
``*_API_KEY`` variables / ``deploy/secrets.env`` that ``npm start`` uses), and the DSN comes from
the error tracker's ``GET /api/projects``. Any ``FLOWRENT_*`` variable overrides (see the README).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterable, List, Optional
from wsgiref.simple_server import WSGIRequestHandler, make_server

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.dirname(HERE))

import flowrent_monitoring as fm  # noqa: E402
from flowrent_monitoring.integrations import WsgiMiddleware  # noqa: E402

log = logging.getLogger("shop")
orders = fm.counter("shop_orders_total", "Orders by outcome")
cart_items = fm.histogram("shop_cart_items", "Items per checked-out cart", buckets=[1, 2, 3, 5, 8, 13])
payment_time = fm.histogram("shop_payment_seconds", "Payment provider latency", buckets=[0.01, 0.05, 0.1, 0.25, 0.5])
stock = fm.gauge("shop_stock_units", "Units in stock per product")
PRODUCTS = {str(i): {"id": str(i), "name": name, "price": price, "stock": 20}
            for i, (name, price) in enumerate([("bike", 240.0), ("scooter", 180.0), ("helmet", 35.0),
                                                 ("lock", 22.5), ("pump", 15.0)], start=1)}


# ---- configuration against `npm start` --------------------------------------------------------

def _secrets_file() -> Dict[str, str]:
    values: Dict[str, str] = {}
    try:
        with open(os.path.join(REPO, "deploy", "secrets.env"), encoding="utf-8") as fh:
            for line in fh:
                key, sep, value = line.strip().partition("=")
                if sep and not key.startswith("#"):
                    values[key.strip()] = value.strip().strip("'\"")
    except OSError:
        pass
    return values


def _key(var: str, data: str) -> Optional[str]:
    value = os.environ.get(var) or _secrets_file().get(var)
    if value:
        return value
    try:
        with open(os.path.join(REPO, "data", data, "api-key"), encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return None


def _dsn(errors_url: str, key: Optional[str]) -> Optional[str]:
    request = urllib.request.Request(errors_url.rstrip("/") + "/api/projects",
                                     headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.loads(response.read())
    except (OSError, ValueError) as exc:
        print(f"demo: could not read the DSN from {errors_url}/api/projects ({exc}); errors will not be sent")
        return None
    projects = body if isinstance(body, list) else (body.get("data") or body.get("projects") or [])
    return (projects[0].get("dsn") or (projects[0].get("keys") or [{}])[0].get("dsn")) if projects else None


def configure() -> Dict[str, str]:
    urls = {
        "errors": os.environ.get("FLOWRENT_ERRORS_URL", "http://localhost:5010"),
        "logs": os.environ.get("FLOWRENT_LOGS_URL", "http://localhost:5011"),
        "metrics": os.environ.get("FLOWRENT_METRICS_URL", "http://localhost:5012"),
    }
    dsn = os.environ.get("FLOWRENT_DSN") or _dsn(urls["errors"], _key("ERROR_TRACKER_API_KEY", "errors"))
    fm.init(
        dsn=dsn,
        logs_url=urls["logs"],
        logs_key=os.environ.get("FLOWRENT_LOGS_KEY") or _key("LOG_VIEWER_API_KEY", "logs"),
        metrics_url=urls["metrics"],
        metrics_key=os.environ.get("FLOWRENT_METRICS_KEY") or _key("METRICS_COLLECTOR_API_KEY", "metrics"),
        service=os.environ.get("FLOWRENT_SERVICE", "demo-shop"),
        environment=os.environ.get("FLOWRENT_ENVIRONMENT", "demo"),
        release=os.environ.get("FLOWRENT_RELEASE", "demo-shop@1.4.2"),
        metrics_interval=5.0,
    )
    return urls


# ---- the shop ------------------------------------------------------------------------------

class PaymentDeclined(Exception):
    pass


class ProviderTimeout(Exception):
    pass


def charge(amount: float, card: str) -> str:
    with payment_time.time(provider="acme-pay"):
        time.sleep(random.uniform(0.002, 0.03))
        roll = random.random()
        if roll < 0.05:
            raise ProviderTimeout(f"acme-pay did not answer within 30s for {amount:.2f} EUR")
        if roll < 0.12:
            raise PaymentDeclined(f"card ending {card[-4:]} declined: insufficient funds")
    return f"pay_{random.randrange(10**8):08d}"


def checkout(cart: List[str], user_id: str) -> Dict[str, Any]:
    api_token = "sk_live_demo_not_a_real_token"  # noqa: F841 - shows scrubbing of frame variables
    total = 0.0
    for product_id in cart:
        product = PRODUCTS[product_id]  # KeyError for unknown products: a realistic bug
        product["stock"] = max(0, product["stock"] - 1) or 20
        stock.set(product["stock"], product=product["name"])
        total += product["price"]
    discount = 0.0
    if len(cart) >= 5:  # a bulk discount with a bug: exactly five items divide by zero
        discount = total * 0.1 / (len(cart) - 5)
    try:
        payment = charge(total - discount, "4242424242424242")
    except ProviderTimeout as exc:
        raise RuntimeError(f"checkout for user {user_id} failed") from exc
    cart_items.observe(len(cart))
    return {"payment": payment, "total": round(total - discount, 2)}


def route_of(environ: Dict[str, Any]) -> str:
    """Route templates for the duration histogram's ``route`` label (never raw paths)."""
    path = environ.get("PATH_INFO", "/")
    return "/products/{id}" if path.startswith("/products/") else path if path in KNOWN_ROUTES else "other"


KNOWN_ROUTES = {"/", "/products", "/search", "/checkout"}


def respond(start_response: Callable[..., Any], status: str, body: Any) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def shop(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    user_id = environ.get("HTTP_X_USER", "anonymous")
    fm.set_user({"id": user_id})
    fm.set_tag("route", path.split("/")[1] or "index")
    if path == "/":
        return respond(start_response, "200 OK", {"shop": "flowrent demo"})
    if path == "/products":
        log.info("listing products", extra={"user_id": user_id, "page": query.get("page", ["1"])[0]})
        return respond(start_response, "200 OK", list(PRODUCTS.values()))
    if path.startswith("/products/"):
        product = PRODUCTS.get(path.rsplit("/", 1)[1])
        if product is None:
            log.warning("product not found: %s", path, extra={"user_id": user_id})
            return respond(start_response, "404 Not Found", {"error": "no such product"})
        return respond(start_response, "200 OK", product)
    if path == "/search":
        term = query.get("q", [""])[0]
        delay = random.expovariate(1 / 0.05)
        time.sleep(min(delay, 0.5))
        if delay > 0.2:
            log.warning("slow search for %r took %.0f ms", term, delay * 1000, extra={"user_id": user_id})
        return respond(start_response, "200 OK", {"q": term, "hits": random.randrange(40)})
    if path == "/checkout":
        cart = query.get("item", [])
        log.info("checkout started", extra={"user_id": user_id, "cart_size": len(cart)})
        fm.add_breadcrumb("cart validated", category="shop", data={"items": len(cart)})
        try:
            result = checkout(cart, user_id)
        except PaymentDeclined as exc:
            orders.inc(status="declined")
            log.warning("payment declined: %s", exc, extra={"user_id": user_id})
            return respond(start_response, "402 Payment Required", {"error": str(exc)})
        orders.inc(status="ok")
        log.info("order placed", extra={"user_id": user_id, "payment": result["payment"], "total": result["total"]})
        return respond(start_response, "200 OK", result)
    return respond(start_response, "404 Not Found", {"error": "not found"})


# ---- traffic ---------------------------------------------------------------------------------

def one_request(base: str, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.3:
        target = f"/products?page={rng.randint(1, 3)}"
    elif roll < 0.45:
        target = f"/products/{rng.randint(1, 7)}"
    elif roll < 0.6:
        target = "/search?" + urllib.parse.urlencode({"q": rng.choice(["bike", "helmet", "city", "ebike"])})
    else:
        size = rng.choice([1, 1, 2, 2, 3, 4, 5, 6])
        items = [str(rng.choice([1, 2, 3, 4, 5, 5, 9] if rng.random() < 0.1 else [1, 2, 3, 4, 5]))
                 for _ in range(size)]
        target = "/checkout?" + urllib.parse.urlencode([("item", i) for i in items])
    headers = {"X-User": f"user-{rng.randint(1, 40)}"}
    if rng.random() < 0.3:  # some requests arrive from an upstream that already started a trace
        headers["traceparent"] = f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"
    try:
        with urllib.request.urlopen(urllib.request.Request(base + target, headers=headers), timeout=10) as r:
            r.read()
    except urllib.error.HTTPError as err:
        err.read()
    except OSError:
        pass


def generate_traffic(base: str, duration: float, threads: int) -> int:
    stop = time.monotonic() + duration
    counts = [0] * threads

    def loop(index: int) -> None:
        rng = random.Random(index)
        while time.monotonic() < stop:
            one_request(base, rng)
            counts[index] += 1
            time.sleep(rng.uniform(0.01, 0.08))

    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts)


def error_page(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """Outermost wrapper: the middleware has captured and re-raised; answer a plain 500."""

    def wrapped(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            body = app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()  # PEP 3333: ends the request for the middleware
        except Exception:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
            return [b"internal error"]

    return wrapped


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description="FlowRent Monitoring demo shop and traffic generator")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of generated traffic")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--serve-only", action="store_true", help="serve the shop without generating traffic")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("shop").setLevel(logging.INFO)
    urls = configure()
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIServer

    class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server("127.0.0.1", args.port, error_page(WsgiMiddleware(shop, route_of=route_of)), server_class=ThreadingWSGIServer,
                         handler_class=QuietHandler)
    base = f"http://127.0.0.1:{args.port}"
    print(f"demo shop on {base}")
    if args.serve_only:
        server.serve_forever()
        return
    threading.Thread(target=server.serve_forever, daemon=True).start()
    logging.getLogger("shop").propagate = True
    for handler in logging.getLogger().handlers:  # keep the console quiet; the services get everything
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, fm.LogHandler):
            handler.setLevel(logging.ERROR)
    total = generate_traffic(base, args.duration, args.threads)
    with fm.trace() as sample:
        log.error("demo finished: %d requests; this line, an error and a metric share one trace", total)
        fm.capture_message(f"demo finished after {total} requests", level="warning")
        payment_time.observe(0.042, provider="acme-pay")
    fm.flush(10)
    server.shutdown()
    stats = fm.stats()
    metric_query = urllib.parse.quote('sum by (status) (rate(http_request_duration_seconds_count{service="demo-shop"}[1m]))')
    print(f"\nsent {stats['sent']}, dropped {stats['dropped'] or 'nothing'}")
    if stats.get("last_error"):
        print(f"last errors: {stats['last_error']}")
    print(f"\nOne trace across the three UIs ({sample.trace_id}):")
    print(f"  errors   {urls['errors']}/?query=trace:{sample.trace_id}")
    print(f"  logs     {urls['logs']}/?query=trace_id:{sample.trace_id}")
    print(f"  metrics  {urls['metrics']}/?query={metric_query}")
    fm.close()


if __name__ == "__main__":
    main()
