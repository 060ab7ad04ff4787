#!/usr/bin/env python3
"""Prints what a Schemathesis run reached, per operation, from its NDJSON event report.

    python3 Tests/contract/schemathesis_coverage.py EVENTS.ndjson

One row per operation: the requests sent in each phase and every status seen with its count. An
operation that never got a 2xx is flagged: its core logic was not reached (the issue Schemathesis
itself reported before the description had examples and links). Exits 1 if any documented operation
never succeeded, so that a description change that hides an operation's core from the tester fails.
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

import yaml

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"


def main(path: str) -> int:
    spec = yaml.safe_load(SPEC.read_text())
    operations = {f"{method.upper()} {template}": re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
                  for template, item in spec["paths"].items() for method in item if method in ("get", "post")}
    phases: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    statuses: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    with open(path, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if finished is None:
                continue
            for interaction in (finished.get("recorder", {}).get("interactions") or {}).values():
                request = interaction.get("request") or {}
                response = interaction.get("response") or {}
                label = _label(request, operations)
                if label is None:
                    continue  # Schemathesis' own probes, outside the description
                phases[label][finished.get("phase", "?")] += 1
                if "status_code" in response:
                    statuses[label][response["status_code"]] += 1
    print(f"{'operation':<32} {'examples':>8} {'coverage':>8} {'fuzzing':>8} {'stateful':>8}  statuses seen")
    unreached = []
    for label in sorted(phases):
        seen = ", ".join(f"{code}×{count}" for code, count in sorted(statuses[label].items()))
        row = phases[label]
        print(f"{label:<32} {row['examples']:>8} {row['coverage']:>8} {row['fuzzing']:>8} {row['stateful']:>8}  {seen}")
        if not any(200 <= code < 300 for code in statuses[label]):
            unreached.append(label)
    if unreached:
        print("never answered 2xx (core not reached): " + ", ".join(unreached))
        return 1
    print(f"every one of {len(phases)} operations answered 2xx at least once")
    return 0


def _label(request: dict, operations: dict[str, re.Pattern[str]]) -> str | None:
    """The described operation (`METHOD /path/{template}`) a request was sent to, if any."""
    uri = request.get("uri", "")
    path = "/" + uri.split("://", 1)[-1].split("/", 1)[-1] if "://" in uri else uri
    path = path.split("?", 1)[0]
    method = request.get("method", "?")
    matches = [label for label, pattern in operations.items()
               if label.split(" ", 1)[0] == method and pattern.match(path)]
    # `/stocks/{symbol}/history` also matches nothing else; a literal path beats a template.
    return min(matches, key=lambda label: label.count("{")) if matches else None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
