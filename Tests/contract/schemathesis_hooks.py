"""Schemathesis hooks for the suite (loaded through SCHEMATHESIS_HOOKS by scripts/test-schemathesis).

Two things the OpenAPI description cannot say in JSON Schema alone:

- **Who the tester is.** Every operation is called as one user this run registers and logs in through
  the gateway, so the trade routes are reached with a real token (the `ignored_auth` check still sends
  requests without one, and expects 401).
- **`x-json-integer-token`.** JSON Schema (2020-12, OpenAPI 3.1) counts `260134.0` as an integer, so a
  generator may send it as a "valid" quantity; the suite takes only an integer *token* (`1.0`, `1e2` are
  400, README "Decisions"). A schema marked `x-json-integer-token: true` is honoured here: a body whose
  marked member holds an integral float is not a positive case, so it is filtered out. Non-integral
  floats (`1.5`) stay: they are invalid by the schema too, and negative testing must keep sending them.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.request
from pathlib import Path
from typing import Any

import schemathesis
import yaml

BASE_URL = os.environ.get("SCHEMATHESIS_BASE_URL", "http://127.0.0.1:5000")
SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"


def _integer_token_members(spec: dict[str, Any]) -> set[str]:
    """Names of object members whose schema (directly or through a `$ref`) is marked."""
    schemas = spec.get("components", {}).get("schemas", {})

    def marked(schema: dict[str, Any]) -> bool:
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            schema = schemas.get(ref.rsplit("/", 1)[1], {})
        return bool(schema.get("x-json-integer-token"))

    names: set[str] = set()
    for schema in schemas.values():
        for name, member in (schema.get("properties") or {}).items():
            if isinstance(member, dict) and marked(member):
                names.add(name)
    return names


INTEGER_TOKEN_MEMBERS = _integer_token_members(yaml.safe_load(SPEC.read_text()))


def _holds_integral_float(body: Any) -> bool:
    if isinstance(body, dict):
        for name, value in body.items():
            if name in INTEGER_TOKEN_MEMBERS and isinstance(value, float) and value.is_integer():
                return True
            if _holds_integral_float(value):
                return True
    elif isinstance(body, list):
        return any(_holds_integral_float(item) for item in body)
    return False


@schemathesis.hook
def filter_body(context, body):  # noqa: ANN001 - Schemathesis' hook signature
    return not _holds_integral_float(body)


def _post(path: str, payload: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(BASE_URL + path, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@schemathesis.auth(refresh_interval=600)
class SuiteUser:
    """Registers one user for the whole run and logs in as it (again after a 401: tokens expire)."""

    credentials: dict[str, str] | None = None

    def get(self, case, context):  # noqa: ANN001
        if SuiteUser.credentials is None:
            SuiteUser.credentials = {"username": "st_" + secrets.token_hex(6), "password": secrets.token_urlsafe(18)}
            _post("/auth/register", SuiteUser.credentials)
        return _post("/auth/login", SuiteUser.credentials)["access_token"]

    def set(self, case, data, context):  # noqa: ANN001
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
