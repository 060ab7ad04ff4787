"""The four processes on loopback for the browser tests: started from a release (or any) build's
binaries, on free ports, with their own data folder, so a test can stop and restart trade."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SECRET = "browser-tests-secret-0123456789abcdef-xyz"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Suite:
    def __init__(self, bin_dir, env=None):
        self.bin_dir = os.path.abspath(bin_dir)
        self.dir = tempfile.mkdtemp(prefix="browser-suite-")
        self.ports = {name: free_port() for name in ("auth", "stock", "trade", "gateway")}
        self.base = f"http://127.0.0.1:{self.ports['gateway']}"
        self.extra = env or {}
        self.procs = {}

    def env(self, name):
        env = {k: v for k, v in os.environ.items() if k not in ("WEB_ROOT", "API_KEY")}
        env.update(HOST="127.0.0.1", PORT=str(self.ports[name]), JWT_SECRET=SECRET,
                   DATABASE_PATH=os.path.join(self.dir, f"{name}.sqlite"),
                   AUTH_URL=f"http://127.0.0.1:{self.ports['auth']}",
                   STOCK_URL=f"http://127.0.0.1:{self.ports['stock']}",
                   TRADE_URL=f"http://127.0.0.1:{self.ports['trade']}")
        env.update(self.extra)
        return env

    def start(self, name):
        with open(os.path.join(self.dir, f"{name}.log"), "ab") as log:
        # The gateway runs from the data folder, not the checkout: it must find Web/ beside its
        # executable (the default that `swift run gateway` and scripts/run-local rely on).
            self.procs[name] = subprocess.Popen([os.path.join(self.bin_dir, name)], env=self.env(name),
                                                stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited at start:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[name]}/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{name} not healthy within 20 s:\n{self.log_tail(name)}")

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def start_all(self):
        for name in ("auth", "stock", "trade", "gateway"):
            self.start(name)

    def stop_all(self):
        for name in ("gateway", "trade", "stock", "auth"):
            self.stop(name)

    def log_tail(self, name, lines=20):
        try:
            with open(os.path.join(self.dir, f"{name}.log"), "rb") as f:
                return b"".join(f.readlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    # The API, for setting up and checking what the page did.
    def call(self, method, path, body=None, token=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, method, path, body=None, token=None):
        status, _, raw = self.call(method, path, body, token)
        assert 200 <= status < 300, f"{method} {path}: {status} {raw[:300]!r}"
        return json.loads(raw)

    def user(self, name, password="correct-horse-1"):
        """Registers `name` and returns a token."""
        self.json("POST", "/auth/register", {"username": name, "password": password})
        return self.json("POST", "/auth/login", {"username": name, "password": password})["access_token"]

    def token(self, name, password="correct-horse-1"):
        return self.json("POST", "/auth/login", {"username": name, "password": password})["access_token"]
