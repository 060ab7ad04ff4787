#!/usr/bin/env python3
"""Order engine benchmark (issue 26), run by hand: orders placed per second into a book that grows
to 10,000 open orders, and fill latency (the price crossing an order's limit → the order seen
`filled` event received on `GET /trade/events`) with those 10,000 orders open.

  bench/orders.py                      # builds release binaries (as bench.py) unless BENCH_BIN_DIR is set
  BENCH_BIN_DIR=DIR bench/orders.py    # the trade and stock binaries in DIR

Stock runs in live mode against a fake provider in this script (QUOTE_TTL_SECONDS=0, no call budget),
so the script moves the price; trade's matcher asks stock once per symbol per MATCH_INTERVAL_MS.
Placement: 16 client threads, each with its own keep-alive connection, 10 users of 1,000 orders
(OPEN_ORDERS_PER_USER_MAX), resting buys far below the price. Latency: a probe order whose limit
only the next price crosses, then the provider's price moves; a reader holding the probe user's
`GET /trade/events` stream (Server-Sent Events) notes when the order's `filled` event arrives; the figure
is from the move to that event, for each matching interval. Trade and stock are pinned to core 0, the clients to core 1 (as bench.py).
"""
import http.client, http.server, json, os, random, statistics, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import SECRET, Server, build, stop_all_started, token_for  # noqa: E402

PRICE = {"AAPL": "100.0000"}
OPEN_ORDERS = 10_000
USERS = 10
THREADS = 16
PROBES = int(os.environ.get("BENCH_PROBES", "20"))


class FakeProvider(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        symbol = self.path.split("symbol=")[1].split("&")[0].upper() if "symbol=" in self.path else ""
        price = PRICE.get(symbol)
        quote = {} if price is None else {"01. symbol": symbol, "02. open": price, "03. high": price, "04. low": price,
                                          "05. price": price, "06. volume": "1", "07. latest trading day": "2026-11-24",
                                          "08. previous close": price, "09. change": "0.0000", "10. change percent": "0.0000%"}
        body = json.dumps({"Global Quote": quote}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def request(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    reply = conn.getresponse()
    return reply.status, json.loads(reply.read() or b"null")


def place_book(port):
    tokens = [token_for(1000 + user) for user in range(USERS)]
    per_thread = OPEN_ORDERS // THREADS
    errors = []

    def work(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(per_thread + (1 if index < OPEN_ORDERS % THREADS else 0)):
            k = index + n * THREADS
            # Limits from 50.00 to 59.99: far below the price, so every one rests.
            body = {"symbol": "AAPL", "side": "buy", "quantity": 1, "type": "limit", "time_in_force": "gtc",
                    "limit_price": f"{50 + (k % 1000) / 100:.2f}"}
            status, reply = request(conn, "POST", "/trade/orders", tokens[k % USERS], body)
            if status != 201 or reply.get("status") != "new":
                errors.append((status, reply))
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} placements failed, first: {errors[0]}")
    return OPEN_ORDERS / elapsed, elapsed


class EventReader(threading.Thread):
    """Holds one `GET /trade/events` stream and notes when each order's `filled` event arrives."""

    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.filled_at = {}
        self.arrived = threading.Condition()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/trade/events", headers={"Authorization": f"Bearer {token}",
                                                           "Accept": "text/event-stream"})
        self.reply = self.conn.getresponse()
        assert self.reply.status == 200, self.reply.status

    def run(self):
        try:
            self.read_events()
        except (OSError, AttributeError, ValueError):
            pass  # the stream closed at the end of the run

    def read_events(self):
        event = None
        while True:
            line = self.reply.readline()
            if not line:
                return
            line = line.rstrip(b"\r\n")
            if line.startswith(b"event:"):
                event = line[6:].strip()
            elif line.startswith(b"data:") and event == b"order":
                order = json.loads(line[5:])
                if order.get("status") == "filled":
                    with self.arrived:
                        self.filled_at[order["id"]] = time.perf_counter()
                        self.arrived.notify_all()

    def wait_filled(self, order_id, timeout):
        with self.arrived:
            if not self.arrived.wait_for(lambda: order_id in self.filled_at, timeout):
                raise SystemExit("probe's filled event not received in 30 s")
            return self.filled_at[order_id]


def probe_latencies(port, probes, interval_ms):
    token = token_for(1)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    events = EventReader(port, token)
    events.start()
    latencies = []
    phases = random.Random(26)
    for i in range(probes):
        PRICE["AAPL"] = "100.0000"
        time.sleep(0.05)
        status, order = request(conn, "POST", "/trade/orders", token,
                                {"symbol": "AAPL", "side": "buy", "quantity": 1, "type": "limit", "time_in_force": "gtc",
                                 "limit_price": "99.00"})
        assert status == 201 and order["status"] == "new", (status, order)
        # A random phase against the matcher's ticks, as a real price move would have (each probe
        # otherwise starts right after the tick that filled the last one, always the same phase).
        time.sleep(phases.uniform(0, interval_ms / 1000))
        moved = time.perf_counter()
        PRICE["AAPL"] = "98.5000"
        latencies.append((events.wait_filled(order["id"], 30) - moved) * 1000)
    conn.close()
    events.conn.close()
    return latencies


def run(bin_dir, interval_ms, port_base):
    data = tempfile.mkdtemp(prefix="orders-bench-")
    provider = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    stock_port, trade_port = port_base, port_base + 1
    stock = Server("stock", [f"{bin_dir}/stock"], {
        "PORT": str(stock_port), "LOG_LEVEL": "warning", "DATABASE_PATH": f"{data}/stock.sqlite", "API_KEY": "bench",
        "STOCK_API_URL": f"http://127.0.0.1:{provider.server_address[1]}/query", "QUOTE_TTL_SECONDS": "0",
        "PROVIDER_CALLS_PER_MINUTE": "0", "PROVIDER_CALLS_PER_DAY": "0", "EVENT_LOOPS": "1"},
        f"http://127.0.0.1:{stock_port}/health")
    trade = Server("trade", [f"{bin_dir}/trade"], {
        "PORT": str(trade_port), "LOG_LEVEL": "warning", "JWT_SECRET": SECRET, "DATABASE_PATH": f"{data}/trade.sqlite",
        "STOCK_URL": f"http://127.0.0.1:{stock_port}", "MATCH_INTERVAL_MS": str(interval_ms), "EVENT_LOOPS": "1",
        "INITIAL_CASH": "1000000.00"}, f"http://127.0.0.1:{trade_port}/health")
    try:
        rate, elapsed = place_book(trade_port)
        latencies = probe_latencies(trade_port, PROBES, interval_ms)
        return rate, elapsed, latencies
    finally:
        trade.stop()
        stock.stop()
        provider.shutdown()


if __name__ == "__main__":
    os.sched_setaffinity(0, {1})
    bin_dir = os.environ.get("BENCH_BIN_DIR") or build()
    print(f"# orders — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"{OPEN_ORDERS} open orders, {PROBES} probes per interval\n")
    print("| MATCH_INTERVAL_MS | orders placed/s (10,000, c16) | fill latency p50 / p90 / max ms |")
    print("|---|---|---|")
    try:
        for index, interval in enumerate([1000, 100, 20]):
            rate, elapsed, lat = run(bin_dir, interval, 5950 + 2 * index)
            lat.sort()
            p90 = lat[min(len(lat) - 1, int(len(lat) * 0.9))]
            print(f"| {interval} | {rate:,.0f} ({elapsed:.1f} s) | {statistics.median(lat):.1f} / {p90:.1f} / {lat[-1]:.1f} |",
                  flush=True)
    finally:
        stop_all_started()
