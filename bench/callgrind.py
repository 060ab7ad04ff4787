#!/usr/bin/env python3
"""Instructions per request under callgrind, for builds side by side (A/B) and nginx.

  bench/callgrind.py DIR [DIR ...]   # each DIR holds a build's release binaries (auth, stock, gateway)

Each row runs the measured process under `valgrind --tool=callgrind` with instrumentation off,
warms it up with `wrk -c64` for 2 s, switches instrumentation on (`callgrind_control -i on`), runs
`wrk -t1 -cN -dD`, switches it off, and divides the instructions the whole process executed by the
requests wrk completed. The binary is a copy without DWARF (valgrind reads it faster; the counts are
the same). Upstreams (stock, auth) run natively from the first DIR, so only the measured process
changes between builds. Rounds alternate which build goes first.

Instruction counts hardly move with the host's load (other sessions' builds), unlike wall-clock
figures; runs of one build still differ by about ±1% (how many requests each `epoll_wait` returns).

  BENCH_CG_ROWS    substring of the row labels to run (default: every row)
  BENCH_CG_ROUNDS  rounds per row (default 2)
  BENCH_CG_CONNS   wrk connections (default 64)
  BENCH_CG_SECONDS measured seconds (default 5)
  BENCH_CG_NGINX   1: add nginx (master_process off, one worker) as a reference row per route
  BENCH_CG_KEEP    a folder: keep each run's callgrind file there (for callgrind_annotate and
                   `bench/callgrind.py diff FILE_A FILE_B`)

  bench/callgrind.py diff A.callgrind B.callgrind [REQUESTS_A REQUESTS_B]
                   # per-function self instructions (per request when counts are given), B - A
"""
import os, re, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import SECRET, Server, nginx, stop_all_started, wait_http  # noqa: E402

ROWS = os.environ.get("BENCH_CG_ROWS", "")
ROUNDS = int(os.environ.get("BENCH_CG_ROUNDS", "2"))
CONNS = int(os.environ.get("BENCH_CG_CONNS", "64"))
SECONDS = int(os.environ.get("BENCH_CG_SECONDS", "5"))
KEEP = os.environ.get("BENCH_CG_KEEP")
WITH_NGINX = os.environ.get("BENCH_CG_NGINX") == "1"


def wrk(url, conns, seconds, headers=()):
    args = ["taskset", "-c", "1", "wrk", "-t1", f"-c{conns}", f"-d{seconds}s"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(args + [url], check=True, text=True, capture_output=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return total, int(bad.group(1)) if bad else 0


def total_instructions(profile):
    """The profile's `totals:` line: every instruction counted (its `summary:` stays 0 when
    instrumentation started off)."""
    for _ in range(50):  # valgrind may still be writing it
        for line in open(profile, errors="replace"):
            if line.startswith("totals:"):
                return int(line.split()[1])
        time.sleep(0.2)
    raise SystemExit(f"no totals in {profile}")


def under_callgrind(label, command, env, url, work, headers=()):
    """Ir per request of `command` serving `url`; returns (ir_per_request, requests, profile)."""
    profile = os.path.join(work, f"{label}-{time.time_ns()}.callgrind")
    server = Server(label, ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--demangle=no",
                            f"--callgrind-out-file={profile}"] + command, env)
    try:
        wait_http(re.sub(r"(//[^/]+).*", r"\1/health", url), timeout=180)
        wrk(url, CONNS, 2, headers)  # warm-up: caches, upstream connections, token cache
        pid = str(server.proc.pid)
        subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
        requests, bad = wrk(url, CONNS, SECONDS, headers)
        subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
        # Dumped now: a process that takes long to exit (nginx under valgrind) is killed unprofiled.
        subprocess.run(["callgrind_control", "--dump", pid], check=True, capture_output=True)
        dumped = [f for f in os.listdir(work) if f.startswith(os.path.basename(profile) + ".")]
        if dumped:
            profile = os.path.join(work, sorted(dumped)[-1])
    finally:
        server.stop()
    if bad:
        raise SystemExit(f"{label}: {bad} non-2xx answers under callgrind")
    total_instructions(profile)  # waits until it is written
    if KEEP:
        os.makedirs(KEEP, exist_ok=True)
        kept = os.path.join(KEEP, f"{label}-{requests}.callgrind")
        shutil.copy(profile, kept)
        profile = kept
    return total_instructions(profile) / requests, requests, profile


def stripped(binary, work, tag):
    copy = os.path.join(work, f"{tag}-{os.path.basename(binary)}")
    subprocess.run(["objcopy", "--strip-debug", binary, copy], check=True)
    return copy


def main():
    dirs = sys.argv[1:]
    if not dirs or not all(os.path.exists(f"{d}/gateway") for d in dirs):
        raise SystemExit(__doc__)
    work = tempfile.mkdtemp(prefix="bench-cg-")
    env = {"LOG_LEVEL": "warning", "JWT_SECRET": SECRET, "EVENT_LOOPS": "1", "RATE_LIMIT_RPS": "0"}
    base = dirs[0]
    import json, urllib.request
    stock = Server("stock", [f"{base}/stock"], {**env, "PORT": "5952", "DATABASE_PATH": f"{work}/stock.sqlite"},
                   "http://127.0.0.1:5952/health")
    auth = Server("auth", [f"{base}/auth"], {**env, "PORT": "5953", "DATABASE_PATH": f"{work}/auth.sqlite"},
                  "http://127.0.0.1:5953/health")
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:5953/auth/register", method="POST",
                           data=b'{"username":"bench","password":"benchpass1"}')).read()
    token = json.loads(urllib.request.urlopen(urllib.request.Request(
        "http://127.0.0.1:5953/auth/login", method="POST",
        data=b'{"username":"bench","password":"benchpass1"}')).read())["access_token"]
    upstreams = {"AUTH_URL": "http://127.0.0.1:5953", "STOCK_URL": "http://127.0.0.1:5952",
                 "TRADE_URL": "http://127.0.0.1:5954"}
    bearer = (f"Authorization: Bearer {token}",)
    rows = [("stock /health", "stock", "/health", ()),
            ("gateway /stocks/AAPL", "gateway", "/stocks/AAPL", ()),
            ("gateway /auth/me", "gateway", "/auth/me", bearer)]
    nginx_conf = """upstream auth { server 127.0.0.1:5953; keepalive 512; }
      upstream stock { server 127.0.0.1:5952; keepalive 512; }
      server { listen 127.0.0.1:5960 reuseport backlog=4096;
        location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
        location /auth/ { proxy_pass http://auth; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /stocks { proxy_pass http://stock; proxy_http_version 1.1; proxy_set_header Connection ""; } }"""
    print(f"# callgrind Ir/request, c{CONNS}, {SECONDS} s measured after a 2 s warm-up, {ROUNDS} round(s)")
    print("| row | build | Ir/request per round | requests |\n|---|---|---|---|")
    try:
        for label, name, path, headers in rows:
            if ROWS not in label:
                continue
            binaries = [stripped(f"{d}/{name}", work, f"b{i}") for i, d in enumerate(dirs)]
            results = {d: [] for d in dirs}
            for round_index in range(ROUNDS):
                order = list(enumerate(dirs)) if round_index % 2 == 0 else list(reversed(list(enumerate(dirs))))
                for index, folder in order:
                    port = 5961 + index
                    run_env = {**env, **upstreams, "PORT": str(port), "DATABASE_PATH": f"{work}/m{index}.sqlite"}
                    results[folder].append(under_callgrind(f"{name}{index}", [binaries[index]], run_env,
                                                           f"http://127.0.0.1:{port}{path}", work, headers))
            for folder in dirs:
                figures = ", ".join(f"{ir:,.0f}" for ir, _, _ in results[folder])
                counts = ", ".join(str(n) for _, n, _ in results[folder])
                print(f"| {label} | {folder} | {figures} | {counts} |", flush=True)
                for _, _, profile in results[folder]:
                    print(f"  profile: {profile}")
            if WITH_NGINX:
                figures = []
                for _ in range(ROUNDS):
                    server_dir = tempfile.mkdtemp(prefix="bench-cg-nginx-")
                    conf = os.path.join(server_dir, "nginx.conf")
                    open(conf, "w").write(f"""master_process off; worker_processes 1; daemon off;
pid {server_dir}/nginx.pid; error_log {server_dir}/error.log crit;
events {{ worker_connections 20000; }}
http {{ access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
  {nginx_conf}
}}""")
                    figures.append(under_callgrind("nginx", ["nginx", "-c", conf, "-p", server_dir], {},
                                                   f"http://127.0.0.1:5960{path}", work, headers))
                print(f"| {label} | nginx | {', '.join(f'{ir:,.0f}' for ir, _, _ in figures)} "
                      f"| {', '.join(str(n) for _, n, _ in figures)} |", flush=True)
    finally:
        stop_all_started()


def self_costs(profile):
    """Self instructions per function, from callgrind_annotate (no inclusive costs, no threshold)."""
    out = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=no", profile],
                         check=True, text=True, capture_output=True).stdout
    costs = {}
    for line in out.splitlines():
        match = re.match(r"\s*([\d,]+)\s+(?:\([\s\d.]+%\)\s+)?(\S.*?)\s*(?:\[.*\])?$", line)
        if match and ":" in match.group(2):
            name = match.group(2).split(":", 1)[1]
            costs[name] = costs.get(name, 0) + int(match.group(1).replace(",", ""))
    return costs


def demangle(names):
    out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names), text=True,
                         capture_output=True).stdout.splitlines()
    return out if len(out) == len(names) else names


def diff(a, b, requests_a=1, requests_b=1):
    costs_a, costs_b = self_costs(a), self_costs(b)
    rows = []
    for name in set(costs_a) | set(costs_b):
        per_a, per_b = costs_a.get(name, 0) / requests_a, costs_b.get(name, 0) / requests_b
        if abs(per_b - per_a) >= 5:
            rows.append((per_b - per_a, per_a, per_b, name))
    rows.sort(key=lambda r: -abs(r[0]))
    names = demangle([r[3] for r in rows])
    total_a, total_b = total_instructions(a) / requests_a, total_instructions(b) / requests_b
    print(f"total: A {total_a:,.0f}, B {total_b:,.0f}, B - A {total_b - total_a:+,.0f}")
    print("B - A | A | B | function")
    for (delta, per_a, per_b, _), name in zip(rows, names):
        print(f"{delta:+8,.0f} | {per_a:8,.0f} | {per_b:8,.0f} | {name[:160]}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "diff":
        numbers = [int(n) for n in sys.argv[4:6]] or [1, 1]
        diff(sys.argv[2], sys.argv[3], *numbers)
    else:
        main()
