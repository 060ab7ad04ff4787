#!/usr/bin/env python3
"""Benchmarks, run by hand (never by the test suite). Every mode measures our server and a
reference in the same run and prints ratios, because these machines are noisy.

  bench/bench.py server    # our /health vs nginx serving the same JSON: c1, c64, c256, c64 new-conn
  bench/bench.py idle      # RSS of 10,000 idle connections and a request's latency meanwhile
  bench/bench.py rss       # idle RSS of each of the four services started alone, and of nginx
  bench/bench.py stock     # cached quote GET /stocks/AAPL vs /health on the same process
  bench/bench.py auth      # logins/s and GET /auth/me requests/s
  bench/bench.py trade     # durable buy orders/s at 1 and 16 users, portfolio reads/s
  bench/bench.py gateway   # gateway vs nginx reverse proxy in front of the same services
  bench/bench.py shards    # durable orders/s and p99 through the gateway with 1, 2 and 4 trade shards
  bench/bench.py ab DIR    # this build against the release binaries in DIR (a previous commit): /health,
                           # the gateway (/stocks/AAPL, /auth/me), a cached quote, durable orders
  BENCH_BASE_BIN_DIR=DIR bench/bench.py ab-health # this tree's stock /health vs the stock binary in DIR (A/B)

BENCH_DURATION (default 10s) sets each run's length; BENCH_CONNS (default 1,64,256) the gateway's connections; BENCH_ROUNDS (default 1) repeats each row of
`server` and `gateway`, ours and nginx alternating, and reports medians.

Servers are pinned to core 0 (one event loop), the load generator (wrk) to core 1.
Needs: wrk and nginx (apt-get install wrk nginx-light), a release build (done here).
"""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DURATION = os.environ.get("BENCH_DURATION", "10s")
# Rounds per row in the modes that compare with a reference: ours and the reference alternate, and
# the row reports each figure's median, so one noisy run moves no ratio.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
# BENCH_CONNS (default 1,64,256) picks the gateway mode's client concurrencies.
CONNS = [int(c) for c in os.environ.get("BENCH_CONNS", "1,64,256").split(",")]
SERVER_CPU, LOAD_CPU = "0", "1"
SECRET = "bench-secret-0123456789-0123456789-abcdef"


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, text=True, capture_output=True, **kw).stdout


def build():
    # The images ship binaries linked with --static-swift-stdlib; measure those, not a build that maps the
    # toolchain's shared Swift runtime and Foundation (10 MiB more RSS per process, and other code).
    print("building release (--static-swift-stdlib, as the images)...", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return sh("swift build -c release --static-swift-stdlib --show-bin-path", cwd=ROOT).strip()


def wait_http(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code == 503:  # the gateway's degraded health still means it serves
                return
            time.sleep(0.1)
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def cpu_seconds(pid, user_only=False):
    """utime + stime (or utime alone) of a process and its threads, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + (0 if user_only else int(fields[12]))) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid, key="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def tree_pids(pid):
    pids = [pid]
    for child in sh(f"pgrep -P {pid} || true").split():
        pids += tree_pids(int(child))
    return pids


class Server:
    def __init__(self, name, cmd, env=None, url=None):
        self.name = name
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + cmd, env={**os.environ, **(env or {})},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        STARTED.append(self)
        if url:
            wait_http(url)
        if self.proc.poll() is not None:
            raise SystemExit(f"{name} exited at start (is its port taken by a leftover process?)")

    def pids(self):
        return tree_pids(self.proc.pid)

    def cpu(self, user_only=False):
        return sum(cpu_seconds(p, user_only) for p in self.pids())

    def rss(self, key="VmRSS"):
        return sum(rss_kib(p, key) for p in self.pids())

    def stop(self):
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def wrk(url, conns, headers=(), script=None, duration=DURATION):
    args = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{conns}", f"-d{duration}", "--latency"]
    for h in headers:
        args += ["-H", h]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url], check=True, text=True, capture_output=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockerr = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "total": total, "p50": to_ms(lat.get("50")), "p99": to_ms(lat.get("99")),
            "non2xx": int(errors.group(1)) if errors else 0, "sockerr": sockerr.group(1) if sockerr else ""}


def to_ms(text):
    if not text:
        return float("nan")
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def measure(server, url, conns, **kw):
    before, user_before = server.cpu(), server.cpu(user_only=True)
    result = wrk(url, conns, **kw)
    result["cpu_us"] = (server.cpu() - before) / max(result["total"], 1) * 1e6
    # User space is where the two servers' code differs; the kernel's TCP work is much the same.
    result["user_us"] = (server.cpu(user_only=True) - user_before) / max(result["total"], 1) * 1e6
    result["peak_rss_mib"] = server.rss("VmHWM") / 1024
    return result


def measure_pair(ours, ours_url, ref, ref_url, conns, **kw):
    """`ROUNDS` alternating runs of ours and the reference, each going first every other round (so a
    drift over the run, a database that grows, favours neither); each figure is the median of its runs."""
    runs = []
    for index in range(ROUNDS):
        if index % 2 == 0:
            a = measure(ours, ours_url, conns, **kw)
            runs.append((a, measure(ref, ref_url, conns, **kw)))
        else:
            b = measure(ref, ref_url, conns, **kw)
            runs.append((measure(ours, ours_url, conns, **kw), b))

    def median(results):
        merged = {}
        for key in results[0]:
            values = [r[key] for r in results]
            if isinstance(values[0], (int, float)) and key != "non2xx":
                merged[key] = sorted(values)[len(values) // 2]
            elif key == "non2xx":
                merged[key] = sum(values)
            else:
                merged[key] = " ".join(v for v in values if v)
        return merged
    ours_median = median([a for a, _ in runs])
    # The spread of the paired rounds' ratios says how far the medians can be trusted: on these
    # machines one binary's throughput moves by several percent from run to run.
    rps = sorted(a["rps"] / b["rps"] for a, b in runs if b["rps"])
    cpu = sorted(a["cpu_us"] / b["cpu_us"] for a, b in runs if b["cpu_us"])
    if rps and cpu:
        ours_median["spread"] = f"{rps[0]:.2f}–{rps[-1]:.2f}, {cpu[0]:.2f}–{cpu[-1]:.2f}"
    return ours_median, median([b for _, b in runs])


def row(label, ours, ref):
    def ratio(a, b):
        return a / b if b else float("nan")
    print(f"| {label} | {ours['rps']:,.0f} | {ref['rps']:,.0f} | {ratio(ours['rps'], ref['rps']):.2f} "
          f"| {ours['p50']:.3f} / {ours['p99']:.3f} | {ref['p50']:.3f} / {ref['p99']:.3f} | {ratio(ours['p99'], ref['p99']):.2f} "
          f"| {ours['cpu_us']:.1f} | {ref['cpu_us']:.1f} | {ratio(ours['cpu_us'], ref['cpu_us']):.2f} "
          f"| {ours['user_us']:.1f} / {ref['user_us']:.1f} "
          f"| {ours['non2xx']}{' ' + ours['sockerr'] if ours['sockerr'] else ''} | {ours.get('spread', '—')} |", flush=True)


HEADER = ("| load | ours req/s | ref req/s | ratio | ours p50/p99 ms | ref p50/p99 ms | p99 ratio "
          "| ours CPU µs/req | ref CPU µs/req | CPU ratio | user-space µs/req ours / ref | our errors "
          "| rounds' req/s ratio, CPU ratio (min–max) |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def nginx(conf_body, port):
    folder = tempfile.mkdtemp(prefix="bench-nginx-")
    conf = os.path.join(folder, "nginx.conf")
    open(conf, "w").write(f"""
worker_processes 1; daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log crit;
events {{ worker_connections 20000; }}
http {{ access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
  {conf_body}
}}""")
    return Server("nginx", ["nginx", "-c", conf, "-p", folder], url=None), folder


def mode_server(bin_dir):
    data = tempfile.mkdtemp(prefix="bench-")
    ours = Server("stock", [f"{bin_dir}/stock"], {"PORT": "5802", "EVENT_LOOPS": "1", "LOG_LEVEL": "warning",
                                                "DATABASE_PATH": f"{data}/stock.sqlite"}, "http://127.0.0.1:5802/health")
    ref, _ = nginx("""server { listen 127.0.0.1:5803 reuseport backlog=4096;
      location = /health { default_type application/json; return 200 '{"status":"ok"}'; } }""", 5803)
    wait_http("http://127.0.0.1:5803/health")
    time.sleep(0.5)
    print(f"idle RSS: ours {ours.rss() / 1024:.1f} MiB (private/anonymous {ours.rss('RssAnon') / 1024:.1f} MiB), "
          f"nginx master+worker {ref.rss() / 1024:.1f} MiB (anonymous {ref.rss('RssAnon') / 1024:.1f} MiB)\n")
    print(HEADER)
    try:
        for label, conns, headers in [("c1 keep-alive", 1, ()), ("c64 keep-alive", 64, ()), ("c256 keep-alive", 256, ()),
                                      ("c64 new connection per request", 64, ("Connection: close",))]:
            a, b = measure_pair(ours, "http://127.0.0.1:5802/health", ref, "http://127.0.0.1:5803/health", conns,
                                headers=headers)
            row(label, a, b)
        print(f"\npeak RSS: ours {ours.rss('VmHWM') / 1024:.1f} MiB, nginx {ref.rss('VmHWM') / 1024:.1f} MiB; "
              f"anonymous now: ours {ours.rss('RssAnon') / 1024:.1f} MiB, nginx {ref.rss('RssAnon') / 1024:.1f} MiB")
    finally:
        ours.stop(), ref.stop()


def mode_idle(bin_dir):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    data = tempfile.mkdtemp(prefix="bench-")
    ours = Server("stock", [f"{bin_dir}/stock"], {"PORT": "5802", "EVENT_LOOPS": "1", "LOG_LEVEL": "warning",
                                                "DATABASE_PATH": f"{data}/stock.sqlite"}, "http://127.0.0.1:5802/health")
    try:
        time.sleep(0.5)
        before = ours.rss()
        socks = []
        for _ in range(10_000):
            s = socket.create_connection(("127.0.0.1", 5802))
            socks.append(s)
        time.sleep(1.0)
        after = ours.rss()
        t = time.perf_counter()
        with urllib.request.urlopen("http://127.0.0.1:5802/stocks/AAPL", timeout=5) as r:
            r.read()
        latency = (time.perf_counter() - t) * 1000
        print(f"10,000 idle connections: RSS {before / 1024:.1f} → {after / 1024:.1f} MiB "
              f"(+{(after - before) / 1024:.1f} MiB, {(after - before) * 1024 / 10000:.0f} bytes each); "
              f"a request meanwhile took {latency:.2f} ms")
        for s in socks:
            s.close()
    finally:
        ours.stop()


def mode_rss(bin_dir):
    """Each service alone and idle after its first /health (simulated market, no upstreams up)."""
    data = tempfile.mkdtemp(prefix="bench-")
    env = {"EVENT_LOOPS": "1", "LOG_LEVEL": "warning", "JWT_SECRET": SECRET, "AUTH_URL": "http://127.0.0.1:5831",
           "STOCK_URL": "http://127.0.0.1:5832", "TRADE_URL": "http://127.0.0.1:5833"}
    ref, _ = nginx("""server { listen 127.0.0.1:5839;
      location = /health { default_type application/json; return 200 '{"status":"ok"}'; } }""", 5839)
    wait_http("http://127.0.0.1:5839/health")
    print("| process | RSS MiB | of which anonymous MiB | file-backed MiB |\n|---|---|---|---|")
    for name, port in [("gateway", 5830), ("auth", 5831), ("stock", 5832), ("trade", 5833), ("nginx", 5839)]:
        server = ref if name == "nginx" else Server(
            name, [f"{bin_dir}/{name}"], {**env, "PORT": str(port), "DATABASE_PATH": f"{data}/{name}.sqlite"},
            f"http://127.0.0.1:{port}/health")
        time.sleep(1.0)
        total, anon = server.rss() / 1024, server.rss("RssAnon") / 1024
        label = "nginx (master + worker)" if name == "nginx" else name
        print(f"| {label} | {total:.1f} | {anon:.1f} | {total - anon:.1f} |", flush=True)
        server.stop()


def token_for(user_id=1, name="bench"):
    import base64, hashlib, hmac
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    now = int(time.time())
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": str(user_id), "name": name, "iat": now, "exp": now + 3600, "iss": "auth"}).encode())
    sig = b64(hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def mode_stock(bin_dir):
    data = tempfile.mkdtemp(prefix="bench-")
    ours = Server("stock", [f"{bin_dir}/stock"], {"PORT": "5802", "EVENT_LOOPS": "1", "LOG_LEVEL": "warning",
                                                "DATABASE_PATH": f"{data}/stock.sqlite"}, "http://127.0.0.1:5802/health")
    print(HEADER.replace("ref", "/health"))
    try:
        for conns in (1, 64):
            a = measure(ours, "http://127.0.0.1:5802/stocks/AAPL", conns)
            b = measure(ours, "http://127.0.0.1:5802/health", conns)
            row(f"c{conns} GET /stocks/AAPL vs /health (simulated)", a, b)
    finally:
        ours.stop()


def post_script(path, body, extra=""):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f"""wrk.method = "POST"\nwrk.body = '{body}'\nwrk.headers["Content-Type"] = "application/json"\n{extra}""")
    script.close()
    return script.name


def mode_auth(bin_dir):
    data = tempfile.mkdtemp(prefix="bench-")
    ours = Server("auth", [f"{bin_dir}/auth"], {"PORT": "5801", "LOG_LEVEL": "warning", "JWT_SECRET": SECRET,
                                              "DATABASE_PATH": f"{data}/auth.sqlite"}, "http://127.0.0.1:5801/health")
    try:
        req = urllib.request.Request("http://127.0.0.1:5801/auth/register", method="POST",
                                     data=b'{"username":"bench","password":"benchpass1"}')
        urllib.request.urlopen(req).read()
        login = post_script("/auth/login", '{"username":"bench","password":"benchpass1"}')
        a = measure(ours, "http://127.0.0.1:5801/auth/login", 4, script=login)
        print(f"logins (scrypt N=2^15, r=8, p=3; 4 connections): {a['rps']:.1f}/s, p50 {a['p50']:.1f} ms, p99 {a['p99']:.1f} ms")
        token = json.loads(urllib.request.urlopen(urllib.request.Request(
            "http://127.0.0.1:5801/auth/login", method="POST", data=b'{"username":"bench","password":"benchpass1"}')).read())["access_token"]
        b = measure(ours, "http://127.0.0.1:5801/auth/me", 64, headers=(f"Authorization: Bearer {token}",))
        c = measure(ours, "http://127.0.0.1:5801/health", 64)
        print(f"GET /auth/me (64 connections): {b['rps']:,.0f}/s, p99 {b['p99']:.2f} ms, {b['cpu_us']:.1f} µs CPU; "
              f"/health on the same process: {c['rps']:,.0f}/s")
    finally:
        ours.stop()


def mode_trade(bin_dir):
    data = tempfile.mkdtemp(prefix="bench-")
    stock = Server("stock", [f"{bin_dir}/stock"], {"PORT": "5802", "LOG_LEVEL": "warning",
                                                 "DATABASE_PATH": f"{data}/stock.sqlite"}, "http://127.0.0.1:5802/health")
    trade = Server("trade", [f"{bin_dir}/trade"], {"PORT": "5803", "LOG_LEVEL": "warning", "JWT_SECRET": SECRET,
                                                 "STOCK_URL": "http://127.0.0.1:5802", "INITIAL_CASH": "1000000000.00",
                                                 "DATABASE_PATH": f"{data}/trade.sqlite"}, "http://127.0.0.1:5803/health")
    try:
        buy = post_script("/trade/buy", '{"symbol":"KO","quantity":1}')
        multi = post_script("/trade/buy", '{"symbol":"KO","quantity":1}', extra=f"""
tokens = {{{",".join('"' + token_for(i, f"u{i}") + '"' for i in range(1, 17))}}}
counter = 0
setup = function(thread) end
init = function(args) end
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, {{["Authorization"] = "Bearer " .. tokens[(counter % 16) + 1]}})
end""")
        one = measure(trade, "http://127.0.0.1:5803/trade/buy", 1, script=buy, headers=(f"Authorization: Bearer {token_for(100)}",))
        many = measure(trade, "http://127.0.0.1:5803/trade/buy", 16, script=multi)
        reads = measure(trade, "http://127.0.0.1:5803/trade/portfolio", 16, headers=(f"Authorization: Bearer {token_for(1)}",))
        for label, r in [("1 user, 1 connection", one), ("16 users, 16 connections", many)]:
            print(f"buy orders, {label}: {r['rps']:,.0f}/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, non-2xx {r['non2xx']}")
        print(f"portfolio reads, 16 connections: {reads['rps']:,.0f}/s, p99 {reads['p99']:.2f} ms")
    finally:
        trade.stop(), stock.stop()


def mode_shards(bin_dir):
    """Orders through one gateway to 1, 2 and 4 trade shards (TRADE_SHARDS, even slot ranges), 64
    connections, each request a buy by one of 256 users spread over every shard. Nothing is pinned: the
    point is what more shards (more SQLite writers) give on this machine's cores, shared by the gateway,
    stock, the shards and wrk alike. BENCH_SHARDS (default 1,2,4) and BENCH_ROUNDS (rounds interleave
    the shard counts; medians) apply."""
    counts = [int(c) for c in os.environ.get("BENCH_SHARDS", "1,2,4").split(",")]
    users = 256
    script = post_script("/trade/buy", '{"symbol":"KO","quantity":1}', extra=f"""
tokens = {{{",".join('"' + token_for(i, f"u{i}") + '"' for i in range(1, users + 1))}}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, {{["Authorization"] = "Bearer " .. tokens[(counter % {users}) + 1]}})
end""")
    results = {count: [] for count in counts}
    for round_index in range(ROUNDS):
        for count in (counts if round_index % 2 == 0 else list(reversed(counts))):
            data = tempfile.mkdtemp(prefix="bench-shards-")
            servers = [Server("stock", [f"{bin_dir}/stock"], {"PORT": "5802", "LOG_LEVEL": "warning",
                              "DATABASE_PATH": f"{data}/stock.sqlite"}, "http://127.0.0.1:5802/health")]
            entries = []
            try:
                for index in range(count):
                    slots = f"{index * 1024 // count}-{(index + 1) * 1024 // count - 1}"
                    port = 5810 + index
                    servers.append(Server(f"trade-{index}", [f"{bin_dir}/trade"], {
                        "PORT": str(port), "LOG_LEVEL": "warning", "JWT_SECRET": SECRET, "TRADE_SLOTS": slots,
                        "STOCK_URL": "http://127.0.0.1:5802", "INITIAL_CASH": "1000000000.00",
                        "DATABASE_PATH": f"{data}/trade-{index}.sqlite"}, f"http://127.0.0.1:{port}/health"))
                    entries.append(f"{slots}=http://127.0.0.1:{port}")
                servers.append(Server("gateway", [f"{bin_dir}/gateway"], {
                    "PORT": "5800", "LOG_LEVEL": "warning", "JWT_SECRET": SECRET, "RATE_LIMIT_RPS": "0", "EVENT_LOOPS": "2",
                    "AUTH_URL": "http://127.0.0.1:5801", "STOCK_URL": "http://127.0.0.1:5802",
                    "TRADE_SHARDS": " ".join(entries)}, "http://127.0.0.1:5800/health"))
                # SERVER_CPU pinning is Server's default; undo it: every process may use both cores.
                for server in servers:
                    for pid in server.pids():
                        subprocess.run(["taskset", "-pc", "0-1", str(pid)], capture_output=True)
                results[count].append(wrk("http://127.0.0.1:5800/trade/buy", 64, script=script))
            finally:
                for server in reversed(servers):
                    server.stop()
                shutil.rmtree(data, ignore_errors=True)
    print("| trade shards | orders/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---|---|---|")
    for count in counts:
        runs = results[count]
        median = lambda key: sorted(r[key] for r in runs)[len(runs) // 2]
        print(f"| {count} | {median('rps'):,.0f} | {median('p50'):.2f} | {median('p99'):.2f} | "
              f"{sum(r['non2xx'] for r in runs)} |", flush=True)


def mode_gateway(bin_dir):
    data = tempfile.mkdtemp(prefix="bench-")
    env = {"LOG_LEVEL": "warning", "JWT_SECRET": SECRET}
    # Services get no pinning from us here: they stand behind both proxies alike.
    auth = Server("auth", [f"{bin_dir}/auth"], {**env, "PORT": "5811", "DATABASE_PATH": f"{data}/auth.sqlite"},
                  "http://127.0.0.1:5811/health")
    stock = Server("stock", [f"{bin_dir}/stock"], {**env, "PORT": "5812", "DATABASE_PATH": f"{data}/stock.sqlite"},
                   "http://127.0.0.1:5812/health")
    gateway = Server("gateway", [f"{bin_dir}/gateway"], {**env, "PORT": "5810", "EVENT_LOOPS": "1", "RATE_LIMIT_RPS": "0",
                                                       "AUTH_URL": "http://127.0.0.1:5811", "STOCK_URL": "http://127.0.0.1:5812",
                                                       "TRADE_URL": "http://127.0.0.1:5813"}, "http://127.0.0.1:5810/health")
    ref, _ = nginx("""upstream auth { server 127.0.0.1:5811; keepalive 512; }
      upstream stock { server 127.0.0.1:5812; keepalive 512; }
      server { listen 127.0.0.1:5820 reuseport backlog=4096;
        location /auth/ { proxy_pass http://auth; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /stocks { proxy_pass http://stock; proxy_http_version 1.1; proxy_set_header Connection ""; } }""", 5820)
    wait_http("http://127.0.0.1:5820/stocks/AAPL")
    try:
        urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:5811/auth/register", method="POST",
                               data=b'{"username":"bench","password":"benchpass1"}')).read()
        token = json.loads(urllib.request.urlopen(urllib.request.Request(
            "http://127.0.0.1:5811/auth/login", method="POST", data=b'{"username":"bench","password":"benchpass1"}')).read())["access_token"]
        print(HEADER.replace("ref", "nginx"))
        for path, headers in [("/stocks/AAPL", ()), ("/auth/me", (f"Authorization: Bearer {token}",))]:
            for conns in CONNS:
                a, b = measure_pair(gateway, f"http://127.0.0.1:5810{path}", ref, f"http://127.0.0.1:5820{path}", conns,
                                    headers=headers)
                row(f"{path} c{conns}", a, b)
    finally:
        gateway.stop(), ref.stop(), auth.stop(), stock.stop()


def mode_ab(bin_dir):
    """This build (A) against another build's binaries (B, `bench.py ab DIR`), each process pair side by
    side on core 0; only the measured one is loaded. Upstreams the two share are B's, so a row
    measures one process's change: the gateway's rows run both gateways over the same stock and
    auth, the orders both trades over the same stock."""
    base = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("BENCH_BASE", "")
    if not base or not os.path.exists(f"{base}/gateway"):
        raise SystemExit("usage: bench.py ab DIR (DIR holds the other build's auth, stock, trade, gateway)")
    data = tempfile.mkdtemp(prefix="bench-")
    env = {"LOG_LEVEL": "warning", "JWT_SECRET": SECRET}

    def start(name, folder, port, extra):
        return Server(name, [f"{folder}/{name}"], {**env, "PORT": str(port), "EVENT_LOOPS": "1",
                                                   "DATABASE_PATH": f"{data}/{name}{port}.sqlite", **extra},
                      f"http://127.0.0.1:{port}/health")
    stock_a, stock_b = start("stock", bin_dir, 5901, {}), start("stock", base, 5902, {})
    auth = start("auth", base, 5903, {})
    upstreams = {"AUTH_URL": "http://127.0.0.1:5903", "STOCK_URL": "http://127.0.0.1:5902",
                 "TRADE_URL": "http://127.0.0.1:5904", "RATE_LIMIT_RPS": "0"}
    gateway_a, gateway_b = start("gateway", bin_dir, 5910, upstreams), start("gateway", base, 5920, upstreams)
    orders = {"STOCK_URL": "http://127.0.0.1:5902", "INITIAL_CASH": "1000000000.00"}
    trade_a, trade_b = start("trade", bin_dir, 5931, orders), start("trade", base, 5932, orders)
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:5903/auth/register", method="POST",
                           data=b'{"username":"bench","password":"benchpass1"}')).read()
    token = json.loads(urllib.request.urlopen(urllib.request.Request(
        "http://127.0.0.1:5903/auth/login", method="POST", data=b'{"username":"bench","password":"benchpass1"}')).read())["access_token"]
    buy = post_script("/trade/buy", '{"symbol":"KO","quantity":1}', extra=f"""
tokens = {{{",".join('"' + token_for(i, f"u{i}") + '"' for i in range(1, 17))}}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, {{["Authorization"] = "Bearer " .. tokens[(counter % 16) + 1]}})
end""")
    rows = [
        ("/health c64 (stock)", stock_a, 5901, stock_b, 5902, "/health", 64, {}),
        ("/health c1 (stock)", stock_a, 5901, stock_b, 5902, "/health", 1, {}),
        ("/stocks/AAPL c64 (stock, a handler)", stock_a, 5901, stock_b, 5902, "/stocks/AAPL", 64, {}),
        ("gateway /stocks/AAPL c64", gateway_a, 5910, gateway_b, 5920, "/stocks/AAPL", 64, {}),
        ("gateway /stocks/AAPL c1", gateway_a, 5910, gateway_b, 5920, "/stocks/AAPL", 1, {}),
        ("gateway /auth/me c64 (token checked)", gateway_a, 5910, gateway_b, 5920, "/auth/me", 64,
         {"headers": (f"Authorization: Bearer {token}",)}),
        ("orders c16, 16 users (trade)", trade_a, 5931, trade_b, 5932, "/trade/buy", 16, {"script": buy}),
    ]
    print(HEADER.replace("ref", "B"))
    try:
        # BENCH_AB_ROWS (a substring of the labels, e.g. "gateway /stocks") re-runs some rows alone.
        for label, a, port_a, b, port_b, path, conns, kw in rows:
            if os.environ.get("BENCH_AB_ROWS", "") not in label:
                continue
            ours, ref = measure_pair(a, f"http://127.0.0.1:{port_a}{path}", b, f"http://127.0.0.1:{port_b}{path}", conns, **kw)
            row(label, ours, ref)
    finally:
        stop_all_started()


def mode_ab_health(bin_dir):
    """This tree's `stock` (B) against a previous build's (A, `BENCH_BASE_BIN_DIR`) on `/health`,
    both pinned to the same core, alternating A and B `BENCH_ROUNDS` times at each of `BENCH_CONNS`
    (default 64): the per-round ratios B/A and their spread are the figures to read on a loaded host."""
    base = os.environ.get("BENCH_BASE_BIN_DIR")
    if not base:
        raise SystemExit("set BENCH_BASE_BIN_DIR to the bin directory of the previous build")
    data = tempfile.mkdtemp(prefix="bench-ab-")
    env = {"EVENT_LOOPS": "1", "LOG_LEVEL": "warning"}
    a = Server("A", [f"{base}/stock"], {**env, "PORT": "5806", "DATABASE_PATH": f"{data}/a.sqlite"},
               "http://127.0.0.1:5806/health")
    b = Server("B", [f"{bin_dir}/stock"], {**env, "PORT": "5807", "DATABASE_PATH": f"{data}/b.sqlite"},
               "http://127.0.0.1:5807/health")
    conns_list = [int(c) for c in os.environ.get("BENCH_CONNS", "64").split(",")]
    try:
        for conns in conns_list:
            print(f"\n/health c{conns}: round, A req/s, B req/s, B/A req/s, A CPU µs/req, B CPU µs/req, B/A CPU, "
                  f"A/B user µs/req, errors")
            ratios_rps, ratios_cpu = [], []
            for index in range(ROUNDS):
                # Alternate which goes first, so a drift in the host's load falls on both.
                first, second = (a, b) if index % 2 == 0 else (b, a)
                results = {first.name: measure(first, f"http://127.0.0.1:{5806 if first is a else 5807}/health", conns),
                           second.name: measure(second, f"http://127.0.0.1:{5806 if second is a else 5807}/health", conns)}
                ra, rb = results["A"], results["B"]
                ratios_rps.append(rb["rps"] / ra["rps"])
                ratios_cpu.append(rb["cpu_us"] / ra["cpu_us"])
                print(f"{index + 1}, {ra['rps']:,.0f}, {rb['rps']:,.0f}, {ratios_rps[-1]:.3f}, {ra['cpu_us']:.2f}, "
                      f"{rb['cpu_us']:.2f}, {ratios_cpu[-1]:.3f}, {ra['user_us']:.2f} / {rb['user_us']:.2f}, "
                      f"{ra['non2xx']} {ra['sockerr']} / {rb['non2xx']} {rb['sockerr']}", flush=True)
            for label, values in (("req/s B/A", ratios_rps), ("CPU per request B/A", ratios_cpu)):
                ordered = sorted(values)
                print(f"{label}: median {ordered[len(ordered) // 2]:.3f}, min {ordered[0]:.3f}, max {ordered[-1]:.3f}, "
                      f"geometric mean {pow(prod(ordered), 1 / len(ordered)):.3f}")
    finally:
        a.stop(), b.stop()


def prod(values):
    result = 1.0
    for value in values:
        result *= value
    return result


def stop_all_started():
    for server in list(STARTED):
        try:
            server.stop()
        except Exception:
            pass


STARTED = []

if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "server"
    for tool in ("wrk", "taskset") + (() if mode.startswith("ab") else ("nginx",)):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install -y wrk nginx-light util-linux")
    # BENCH_BIN_DIR: measure binaries already built (skips the release build of every product).
    bin_dir = os.environ.get("BENCH_BIN_DIR") or build()
    print(f"# {mode} — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, duration {DURATION}, "
          f"{ROUNDS} round(s), medians\n")
    try:
        {"server": mode_server, "idle": mode_idle, "rss": mode_rss, "stock": mode_stock, "auth": mode_auth,
         "trade": mode_trade, "gateway": mode_gateway, "shards": mode_shards, "ab": mode_ab, "ab-health": mode_ab_health}[mode](bin_dir)
    finally:
        stop_all_started()  # also after a failed start: no process outlives the benchmark
