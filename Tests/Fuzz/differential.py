#!/usr/bin/env python3
"""Differential request parsing: the same bytes to our RequestParser (through the driver
`scripts/fuzz --build-only differential` builds), to llhttp (httptools) and to h11, over generated
requests that each carry at most one deviant feature, and over random byte mutations of valid
ones. Compares framing (requests up to the first that closes the connection; each one's method,
target, body length and keep-alive; then accepted / rejected / unfinished) and groups every
disagreement by (other parser, feature, kind), with examples.

    python3 -m venv /tmp/fuzz-venv && /tmp/fuzz-venv/bin/pip install httptools h11
    /tmp/fuzz-venv/bin/python Tests/Fuzz/differential.py --cases 1000000 --report .build/fuzz/differential.json

All local: one child process, stdin/stdout. Bounded by --cases.
"""
import argparse, json, os, random, struct, subprocess, sys, time
from collections import defaultdict

import h11
import httptools

METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]
FEATURES = [
    "cl_te_both", "te_gzip", "te_gzip_chunked", "te_chunked_gzip", "te_identity", "te_case", "te_list_empty",
    "te_http10", "te_dup", "cl_dup_same", "cl_dup_diff", "cl_list", "cl_plus", "cl_inner_space", "cl_huge",
    "cl_leading_zeros", "cl_empty", "cl_hex", "cl_ows", "obs_fold", "bare_lf_head", "bare_lf_end", "bare_cr_head",
    "bare_cr_line_start", "ws_before_colon", "ws_first_line_of_fields", "tab_in_value", "trailing_ws_value",
    "empty_value", "empty_name", "dup_field", "dup_host", "missing_host", "absolute_form", "asterisk_options",
    "asterisk_get", "authority_connect", "http10", "http10_keepalive", "http10_keepalive_close", "close_middle",
    "chunk_ext", "chunk_ext_quoted", "chunk_ext_ctl", "chunk_size_ws", "chunk_size_leading_zeros",
    "chunk_size_huge", "chunk_size_plus", "chunk_size_0x", "chunk_trailers", "chunk_trailer_bad",
    "chunk_data_no_crlf", "chunk_lf_only", "chunk_bare_cr", "leading_crlf", "leading_lf", "method_lower",
    "method_unknown", "version_12", "version_20", "version_trailing_space", "target_hash", "target_pct00",
    "target_nonascii", "nul_in_value", "del_in_value", "obs_text_value", "expect_continue", "huge_version",
    "cl_body_short", "space_in_target", "lf_in_body",
]

def pick_body(rng):
    n = rng.choice([0, 1, 5, 17, 100])
    return bytes(rng.choice(b"abcxyz0123\r\n") for _ in range(n))

def chunked(body, ext=b"", size_fmt=None, trailers=b"", split=True):
    out = b""
    if body:
        parts = [body] if not split or len(body) < 4 else [body[: len(body) // 2], body[len(body) // 2 :]]
        for p in parts:
            size = (size_fmt or (lambda n: b"%x" % n))(len(p))
            out += size + ext + b"\r\n" + p + b"\r\n"
    return out + b"0" + ext + b"\r\n" + trailers + b"\r\n"

def gen_request(rng, feature):
    """One request with `feature` applied (None = valid)."""
    method = rng.choice(METHODS)
    target = rng.choice([b"/", b"/a", b"/stocks/AAPL?x=1&y=%20", b"/trade/buy", b"/a/b/c?"])
    version = b"HTTP/1.1"
    fields = [(b"Host", b"h")]
    for _ in range(rng.randrange(3)):
        fields.append((rng.choice([b"Accept", b"X-A", b"User-Agent", b"Cookie"]), rng.choice([b"*/*", b"v", b"a b", b"1"])))
    body = pick_body(rng) if method in ("POST", "PUT", "PATCH") or rng.random() < 0.1 else b""
    framing = rng.choice(["cl", "chunked"]) if body else rng.choice(["none", "none", "cl0"])
    te_value = b"chunked"
    cl_value = None
    body_bytes = None
    head_extra = []
    f = feature
    if f == "http10" or f.startswith("http10_") or f == "te_http10":
        version = b"HTTP/1.0"
    if f == "http10_keepalive":
        fields.append((b"Connection", b"keep-alive"))
    if f == "http10_keepalive_close":
        fields.append((b"Connection", b"keep-alive, close"))
    if f == "close_middle":
        fields.append((b"Connection", b"close"))
    if f.startswith("te_") or f.startswith("chunk_") or f == "cl_te_both" or f == "lf_in_body":
        if not body:
            body = b"hello"
        framing = "chunked"
    if f in ("cl_dup_same", "cl_dup_diff", "cl_list", "cl_plus", "cl_inner_space", "cl_huge", "cl_leading_zeros",
             "cl_empty", "cl_hex", "cl_ows", "cl_body_short"):
        if not body:
            body = b"hello"
        framing = "cl"
    if f == "te_gzip": te_value = b"gzip"
    if f == "te_gzip_chunked": te_value = b"gzip, chunked"
    if f == "te_chunked_gzip": te_value = b"chunked, gzip"
    if f == "te_identity": te_value = b"identity"
    if f == "te_case": te_value = b"Chunked"
    if f == "te_list_empty": te_value = b", chunked"
    ext, size_fmt, trailers = b"", None, b""
    if f == "chunk_ext": ext = b";a=b"
    if f == "chunk_ext_quoted": ext = b';a="b c"'
    if f == "chunk_ext_ctl": ext = b";a=\x01"
    if f == "chunk_size_ws": size_fmt = lambda n: b"%x " % n
    if f == "chunk_size_leading_zeros": size_fmt = lambda n: b"000%x" % n
    if f == "chunk_size_plus": size_fmt = lambda n: b"+%x" % n
    if f == "chunk_size_0x": size_fmt = lambda n: b"0x%x" % n
    if f == "chunk_trailers": trailers = b"T: 1\r\nU: v\r\n"
    if f == "chunk_trailer_bad": trailers = b"T 1\r\n"
    if framing == "chunked":
        fields.append((b"Transfer-Encoding", te_value))
        if f == "te_dup":
            fields[-1] = (b"Transfer-Encoding", b"gzip")
            fields.append((b"Transfer-Encoding", b"chunked"))
        body_bytes = chunked(body, ext, size_fmt, trailers)
        if f == "chunk_size_huge":
            body_bytes = b"ffffffffffffffffff\r\n" + body + b"\r\n0\r\n\r\n"
        if f == "chunk_data_no_crlf":
            body_bytes = b"%x\r\n" % len(body) + body + b"0\r\n\r\n"
        if f == "chunk_lf_only":
            body_bytes = body_bytes.replace(b"\r\n", b"\n", 1)
        if f == "chunk_bare_cr":
            body_bytes = body_bytes.replace(b"\r\n", b"\r", 1)
        if f == "lf_in_body":
            body_bytes = b"%x\n" % len(body) + body + b"\r\n0\r\n\r\n"
        if f == "cl_te_both":
            fields.append((b"Content-Length", b"%d" % len(body)))
    elif framing in ("cl", "cl0"):
        n = len(body)
        cl_value = b"%d" % n
        if f == "cl_plus": cl_value = b"+%d" % n
        if f == "cl_inner_space": cl_value = b"%d %d" % (n, n)
        if f == "cl_huge": cl_value = b"18446744073709551621"
        if f == "cl_leading_zeros": cl_value = b"000%d" % n
        if f == "cl_empty": cl_value = b""
        if f == "cl_hex": cl_value = b"0x%x" % n
        if f == "cl_ows": cl_value = b" %d \t" % n
        if f == "cl_list": cl_value = b"%d, %d" % (n, n)
        fields.append((b"Content-Length", cl_value))
        if f == "cl_dup_same": fields.append((b"Content-Length", cl_value))
        if f == "cl_dup_diff": fields.append((b"Content-Length", b"%d" % (n + 1)))
        body_bytes = body
        if f == "cl_body_short":
            fields[-1] = (b"Content-Length", b"%d" % (n + 3))
    else:
        body_bytes = b""
    if f == "missing_host": fields = [x for x in fields if x[0] != b"Host"]
    if f == "dup_host": fields.append((b"Host", b"h"))
    if f == "dup_field": fields.append((b"X-A", b"1")); fields.append((b"X-A", b"2"))
    if f == "empty_value": fields.append((b"X-E", b""))
    if f == "empty_name": fields.append((b"", b"x"))
    if f == "tab_in_value": fields.append((b"X-T", b"a\tb"))
    if f == "trailing_ws_value": fields.append((b"X-W", b"v \t "))
    if f == "nul_in_value": fields.append((b"X-N", b"a\x00b"))
    if f == "del_in_value": fields.append((b"X-D", b"a\x7fb"))
    if f == "obs_text_value": fields.append((b"X-O", b"caf\xc3\xa9\xff"))
    if f == "expect_continue": fields.append((b"Expect", b"100-continue"))
    if f == "absolute_form": target = b"http://h" + target
    if f == "asterisk_options": method, target = "OPTIONS", b"*"
    if f == "asterisk_get": method, target = "GET", b"*"
    if f == "authority_connect": method, target = "CONNECT", b"h:443"
    if f == "method_lower": method = method.lower()
    if f == "method_unknown": method = "FOO"
    if f == "version_12": version = b"HTTP/1.2"
    if f == "version_20": version = b"HTTP/2.0"
    if f == "huge_version": version = b"HTTP/1.99999999999999999999"
    if f == "target_hash": target += b"#frag"
    if f == "target_pct00": target += b"%00"
    if f == "target_nonascii": target += b"\xc3\xa9"
    if f == "space_in_target": target += b" x"
    line = method.encode() + b" " + target + b" " + version
    if f == "version_trailing_space": line += b" "
    lines = [line] + [n + (b" " if f == "ws_before_colon" and n == b"Host" else b"") + b":" + (b" " if v else b"") + v
                      for n, v in fields]
    if f == "obs_fold":
        lines.insert(2, b" folded")
    if f == "ws_first_line_of_fields":
        lines[1] = b" " + lines[1]
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    if f == "bare_lf_head": head = head.replace(b"\r\n", b"\n", 1 + rng.randrange(len(lines)))[::1]
    if f == "bare_lf_end": head = head[:-4] + b"\r\n\n"
    if f == "bare_cr_head":
        i = rng.randrange(len(lines))
        head = b"\r\n".join(lines[: i + 1]) + b"\r" + b"\r\n".join(lines[i + 1 :]) + b"\r\n\r\n"
    if f == "bare_cr_line_start":
        head = b"\r\n".join(lines[:2]) + b"\r\n\rX-Bad: 1\r\n" + b"\r\n".join(lines[2:]) + (b"\r\n" if len(lines) > 2 else b"") + b"\r\n"
    if f == "leading_crlf": head = b"\r\n" + head
    if f == "leading_lf": head = b"\n" + head
    return head + body_bytes

def mutate(rng, data):
    data = bytearray(data)
    tags = []
    head_end = data.find(b"\r\n\r\n")
    for _ in range(1):  # one mutation: each disagreement then has one cause
        if not data:
            break
        at = rng.randrange(len(data) + 1)
        region = "line" if at <= data.find(b"\r\n") else "head" if head_end < 0 or at <= head_end + 3 else "body"
        kind = rng.choice(["ins_cr", "ins_lf", "ins_sp", "ins_tab", "ins_nul", "ins_colon", "ins_byte", "del", "dup_line", "crlf_to_lf", "crlf_to_cr"])
        if kind == "ins_cr": data[at:at] = b"\r"
        elif kind == "ins_lf": data[at:at] = b"\n"
        elif kind == "ins_sp": data[at:at] = b" "
        elif kind == "ins_tab": data[at:at] = b"\t"
        elif kind == "ins_nul": data[at:at] = b"\x00"
        elif kind == "ins_colon": data[at:at] = b":"
        elif kind == "ins_byte": data[at:at] = bytes([rng.randrange(256)])
        elif kind == "del" and at < len(data): del data[at]
        elif kind == "dup_line":
            lines = bytes(data).split(b"\r\n")
            if len(lines) > 2:
                i = rng.randrange(1, len(lines) - 1)
                lines.insert(i, lines[i])
                data = bytearray(b"\r\n".join(lines))
        elif kind in ("crlf_to_lf", "crlf_to_cr"):
            i = bytes(data).find(b"\r\n", at)
            if i >= 0:
                data[i:i + 2] = b"\n" if kind == "crlf_to_lf" else b"\r"
        tags.append(kind + "@" + region)
    return bytes(data), "mut:" + ("+".join(tags) or "none")

def gen_case(rng):
    """Returns (bytes, class tag)."""
    count = rng.choice([1, 1, 1, 2, 3])
    if rng.random() < 0.3:
        data = b"".join(gen_request(rng, "") for _ in range(count))
        return mutate(rng, data)
    feature = rng.choice(FEATURES) if rng.random() < 0.85 else ""
    position = rng.randrange(count)
    data = b"".join(gen_request(rng, feature if i == position else "") for i in range(count))
    return data, feature or "valid"

# --- the other parsers, normalized to (requests, verdict) -----------------------------------

last_error = {"llhttp": None, "h11": None}  # the message of the last refusal, for differential_classes.py

def run_llhttp(data):
    requests, current, state = [], {}, {"closed": False}

    class Proto:
        def on_message_begin(self):
            current.clear(); current["url"] = b""; current["body"] = 0
        def on_url(self, url):
            current["url"] += url
        def on_body(self, body):
            current["body"] += len(body)
        def on_message_complete(self):
            ka = parser.should_keep_alive()
            requests.append((parser.get_method().decode("latin-1"), current["url"].decode("latin-1"), current["body"], ka))
            current.clear()
            if not ka:
                state["closed"] = True

    parser = httptools.HttpRequestParser(Proto())
    try:
        parser.feed_data(data)
    except httptools.HttpParserUpgrade:
        return requests, "upgrade"
    except httptools.HttpParserError as error:
        last_error["llhttp"] = str(error)
        if state["closed"]:
            return requests, "ok"
        return requests, "error"
    if state["closed"]:
        return requests, "ok"
    return requests, ("incomplete" if current else "ok")

def run_h11(data):
    conn = h11.Connection(h11.SERVER)
    requests = []
    current = None
    try:
        conn.receive_data(data)
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                pending = current is not None or bool(conn.trailing_data[0].strip(b"\r\n"))
                return requests, ("incomplete" if pending else "ok")
            if isinstance(event, h11.Request):
                current = [event.method.decode("latin-1"), event.target.decode("latin-1"), 0]
            elif isinstance(event, h11.Data):
                current[2] += len(event.data)
            elif isinstance(event, h11.EndOfMessage):
                keep_alive = conn.their_state is h11.DONE and conn.our_state is not h11.MUST_CLOSE
                requests.append((current[0], current[1], current[2], keep_alive))
                current = None
                if not keep_alive:
                    return requests, "ok"
                conn.send(h11.Response(status_code=200, headers=[("Content-Length", "0")]))
                conn.send(h11.EndOfMessage())
                conn.start_next_cycle()
            elif event is h11.PAUSED:
                return requests, "paused"
    except h11.RemoteProtocolError as error:
        last_error["h11"] = str(error)
        return requests, "error"

def run_ours_result(line):
    r = json.loads(line)
    reqs = [(q["method"], q["target"], q["body"], q["keep_alive"]) for q in r["requests"]]
    verdict = "error" if r["status"] is not None else "incomplete" if r["open"] else "ok"
    return reqs, verdict, r["status"]

def kind_of(ours, theirs):
    (oreq, over), (treq, tver) = ours, theirs
    if over == "incomplete" and tver == "error" and len(oreq) == len(treq):
        # We validate a head once it is complete (RequestHeadParser.parse); they fail at the byte.
        return "we wait for the head's end, they fail at once"
    if over == "error" and tver != "error" and len(treq) >= len(oreq):
        return "we reject, they accept"
    if tver == "error" and over != "error" and len(oreq) >= len(treq):
        return "we accept, they reject"
    if len(oreq) != len(treq):
        return "different number of requests (%s vs %s)" % (over, tver)
    for a, b in zip(oreq, treq):
        if a[2] != b[2]:
            return "different body length"
        if a[3] != b[3]:
            return "different keep-alive"
        if a[:2] != b[:2]:
            return "different method/target"
    return "%s vs %s" % (over, tver)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", default=".build/fuzz/bin/differential")
    ap.add_argument("--cases", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--report", default=".build/fuzz/differential.json")
    ap.add_argument("--h11-every", type=int, default=4, help="h11 (pure Python, slow) sees every Nth case")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    classes = defaultdict(lambda: {"count": 0, "examples": []})
    done = disagreements = 0
    started = time.time()
    while done < args.cases:
        n = min(args.batch, args.cases - done)
        cases = [gen_case(rng) for _ in range(n)]
        payload = b"".join(struct.pack("<I", len(d)) + d for d, _ in cases)
        out = subprocess.run([args.driver], input=payload, stdout=subprocess.PIPE, check=True).stdout
        lines = out.decode().splitlines()
        assert len(lines) == n, (len(lines), n)
        for index, ((data, tag), line) in enumerate(zip(cases, lines)):
            oreq, over, ostatus = run_ours_result(line)
            ours = (oreq, over)
            others = (("llhttp", run_llhttp), ("h11", run_h11)) if index % args.h11_every == 0 else (("llhttp", run_llhttp),)
            for name, fn in others:
                theirs = fn(data)
                if theirs == ours:
                    continue
                disagreements += 1
                key = "%s | %s | %s" % (name, tag, kind_of(ours, theirs))
                c = classes[key]
                c["count"] += 1
                if len(c["examples"]) < 3:
                    c["examples"].append({"bytes": data.decode("latin-1"), "ours": [oreq, over, ostatus], "theirs": list(theirs)})
        done += n
        print("differential: %d cases, %d disagreements, %d classes, %.0f s" % (done, disagreements, len(classes), time.time() - started), file=sys.stderr)
        # After every batch, so a long run that is stopped still leaves its classes.
        os.makedirs(os.path.dirname(args.report) or ".", exist_ok=True)
        with open(args.report, "w") as f:
            json.dump({"cases": done, "disagreements": disagreements, "seed": args.seed,
                       "classes": dict(sorted(classes.items(), key=lambda kv: -kv[1]["count"]))}, f, indent=1)
    print("differential: %d cases, %d disagreements in %d classes -> %s" % (done, disagreements, len(classes), args.report))

if __name__ == "__main__":
    main()
