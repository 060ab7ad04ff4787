#!/usr/bin/env python3
"""Event streams through the gateway: events delivered per second, and memory per idle stream.

Starts the gateway binary (and the stock binary for the second figure) on loopback with a Python
stand-in for the upstream: a firehose that answers `/stocks/stream` with chunked `text/event-stream`
bytes as fast as the gateway takes them (each event `event: quote` + 120 bytes of data, --batch events
per chunk: 1 is a service writing each event as it happens), so the figure is the gateway's relay, not a service's event rate.

- throughput: one client reads the relayed stream for --seconds and counts the events.
- idle memory: opens --idle streams through the gateway to the stand-in (which then sends nothing)
  and straight to `stock` (`/stocks/stream?symbols=AAPL`, simulated market), and reports each
  process's VmRSS growth divided by the streams.

Usage: bench/streams.py [--bin .build/release] [--seconds 5] [--idle 1000] [--batch 1]
"""
import argparse
import os
import socket
import subprocess
import sys
import threading
import time

EVENT = b"event: quote\ndata: " + b"x" * 120 + b"\n\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def firehose(listener, idle, batch_events):
    """Answers each connection's request with an endless (or, when `idle`, silent) event stream."""
    def serve(conn):
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            if idle.is_set():
                conn.recv(1)  # until the gateway closes it
                return
            batch = EVENT * batch_events
            chunk = b"%x\r\n" % len(batch) + batch + b"\r\n"
            while True:
                conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def wait_health(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1"):
                    return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"port {port} never answered /health")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_stream(port, target):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError(f"{target}: closed before the head")
        head += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"{target}: {head[:80]!r}")
    return s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=".build/release")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=1, help="events per chunk the stand-in writes")
    args = parser.parse_args()

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    idle = threading.Event()
    threading.Thread(target=firehose, args=(listener, idle, args.batch), daemon=True).start()
    upstream = f"http://127.0.0.1:{listener.getsockname()[1]}"

    gateway_port, stock_port = free_port(), free_port()
    common = dict(os.environ, HOST="127.0.0.1", LOG_LEVEL="error", EVENT_LOOPS="1", RATE_LIMIT_RPS="0",
                  JWT_SECRET="bench-streams-secret-0123456789abcdef-xyz", API_KEY="")
    gateway = subprocess.Popen([f"{args.bin}/gateway"], stdout=subprocess.DEVNULL,
                               env=dict(common, PORT=str(gateway_port), STOCK_URL=upstream, AUTH_URL=upstream,
                                        TRADE_URL=upstream, STREAMS_MAX=str(args.idle + 10),
                                        STREAMS_PER_PEER_MAX=str(args.idle + 10),
                                        MAX_CONNECTIONS_PER_PEER=str(2 * args.idle + 10)))
    folder = f"/tmp/bench-streams-{os.getpid()}"
    os.makedirs(folder, exist_ok=True)
    stock = subprocess.Popen([f"{args.bin}/stock"], stdout=subprocess.DEVNULL,
                             env=dict(common, PORT=str(stock_port), DATABASE_PATH=f"{folder}/stock.sqlite"))
    try:
        wait_health(stock_port)
        time.sleep(0.5)
        # The gateway's /health asks upstreams that are the stand-in: its port answering is enough.
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", gateway_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)

        client = open_stream(gateway_port, "/stocks/stream?symbols=AAPL")
        received = 0
        start = time.time()
        while time.time() - start < args.seconds:
            data = client.recv(1 << 20)
            if not data:
                break
            received += data.count(b"event: quote")
        elapsed = time.time() - start
        client.close()
        print(f"relay ({args.batch} per chunk): {received} events in {elapsed:.1f} s = {received / elapsed:,.0f} events/s "
              f"({received * len(EVENT) / elapsed / 1e6:.1f} MB/s of event bytes)")

        idle.set()
        time.sleep(0.5)
        gateway_before, stock_before = rss_kib(gateway.pid), rss_kib(stock.pid)
        relayed = [open_stream(gateway_port, "/stocks/stream?symbols=AAPL") for _ in range(args.idle)]
        direct = [open_stream(stock_port, "/stocks/stream?symbols=AAPL") for _ in range(args.idle)]
        time.sleep(1)
        gateway_after, stock_after = rss_kib(gateway.pid), rss_kib(stock.pid)
        print(f"idle: {args.idle} streams; gateway VmRSS {gateway_before} -> {gateway_after} KiB = "
              f"{(gateway_after - gateway_before) * 1024 / args.idle:,.0f} B per relayed stream; "
              f"stock {stock_before} -> {stock_after} KiB = {(stock_after - stock_before) * 1024 / args.idle:,.0f} B per stream")
        for s in relayed + direct:
            s.close()
    finally:
        gateway.terminate()
        stock.terminate()
        gateway.wait(10)
        stock.wait(10)
        listener.close()


if __name__ == "__main__":
    main()
