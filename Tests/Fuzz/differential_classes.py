#!/usr/bin/env python3
"""Takes a report of Tests/Fuzz/differential.py and gives one minimal example per disagreement class:
re-runs every stored example against the current driver and the other parser, keeps the ones that
still fall in their class, and shrinks the shortest (dropping whole lines, then single bytes) while
the disagreement keeps its signature (kind, our verdict, status and refusal reason, their verdict
and error message, request counts)
and the request keeps its `Host: h` line if it had one. Writes JSON (class -> minimal example).

    /tmp/fuzz-venv/bin/python Tests/Fuzz/differential_classes.py .build/fuzz/differential.json .build/fuzz/classes.json
"""
import json, os, struct, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import differential  # noqa: E402
from differential import run_llhttp, run_h11, run_ours_result, kind_of  # noqa: E402

PARSERS = {"llhttp": run_llhttp, "h11": run_h11}
MAX_ROUNDS = 200

def ours_batch(driver, cases):
    payload = b"".join(struct.pack("<I", len(d)) + d for d in cases)
    out = subprocess.run([driver], input=payload, stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
    assert len(out) == len(cases)
    return [run_ours_result(line) + (json.loads(line)["reason"],) for line in out]

def their_reason(name):
    message = differential.last_error[name] or ""
    for cut in ("bytearray(", "b'", 'b"'):
        message = message.split(cut)[0]
    return message.strip()

def signature(name, data, ours):
    """The disagreement and both causes (our refusal's reason, their error message)."""
    oreq, over, ostatus, oreason = ours
    differential.last_error[name] = None
    theirs = PARSERS[name](data)
    if theirs == (oreq, over):
        return None
    return (kind_of((oreq, over), theirs), over, ostatus, oreason, theirs[1], their_reason(name),
            len(oreq), len(theirs[0]))

def candidates(data):
    seen = set()
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 10]
    for a, b in zip(starts, starts[1:] + [len(data)]):
        seen.add(data[:a] + data[b:])
    for i in range(len(data)):
        seen.add(data[:i] + data[i + 1:])
    seen.discard(data)
    return sorted(seen, key=len)

def main():
    report, out_path = sys.argv[1], sys.argv[2]
    driver = os.environ.get("DRIVER", ".build/fuzz/bin/differential")
    classes = json.load(open(report))["classes"]
    state = {}
    examples = [(key, ex["bytes"].encode("latin-1")) for key, c in classes.items() for ex in c["examples"]]
    results = ours_batch(driver, [d for _, d in examples])
    for (key, data), ours in zip(examples, results):
        name, _, kind = key.split(" | ")
        sig = signature(name, data, ours)
        if sig is None or sig[0] != kind:
            continue
        if key not in state or len(data) < len(state[key]["bytes"]):
            state[key] = {"bytes": data, "sig": sig, "original": data, "name": name}
    missing = [k for k in classes if k not in state]
    for rnd in range(MAX_ROUNDS):
        batch = []
        for key, s in state.items():
            if s.get("done"):
                continue
            keep = b"Host: h" in s["original"]
            for c in candidates(s["bytes"]):
                if keep and b"Host: h" not in c:
                    continue
                batch.append((key, c))
        if not batch:
            break
        improved = set()
        for (key, c), ours in zip(batch, ours_batch(driver, [c for _, c in batch])):
            s = state[key]
            if key in improved or len(c) >= len(s["bytes"]):
                continue
            if signature(s["name"], c, ours) == s["sig"]:
                s["bytes"] = c
                s["ours"] = ours
                improved.add(key)
        for key, s in state.items():
            if key not in improved:
                s["done"] = True
        print("round %d: %d candidates, %d shrunk" % (rnd, len(batch), len(improved)), file=sys.stderr)
    final = ours_batch(driver, [s["bytes"] for s in state.values()])
    out = {}
    for (key, s), ours in zip(state.items(), final):
        out[key] = {"count": classes[key]["count"], "minimal": s["bytes"].decode("latin-1"),
                    "original": s["original"].decode("latin-1"), "ours": list(ours),
                    "theirs": list(PARSERS[s["name"]](s["bytes"])), "signature": list(s["sig"])}
    json.dump({"classes": out, "not_reproduced": missing}, open(out_path, "w"), indent=1)
    print("%d classes minimized, %d not reproduced: %s" % (len(out), len(missing), missing), file=sys.stderr)

if __name__ == "__main__":
    main()
