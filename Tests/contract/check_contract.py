#!/usr/bin/env python3
"""Black-box contract checker for the stock-trading suite.

    python3 Tests/contract/check_contract.py --spec-only
        Validates openapi.yaml (openapi-spec-validator, plus the suite's own rules for it).

    python3 Tests/contract/check_contract.py --base-url http://127.0.0.1:5000
        Does the above, then runs one session against a running gateway: every response's status must
        be one the spec lists for that operation, its body must match the spec's schema for that status
        and content type, its spec-required headers must be present (X-Request-ID always), and the money
        must add up exactly (decimal, half-even to the cent).

Prints one line per check and closes with `N passed, M failed`; exits 1 if any check failed, 2 on a
usage or setup error. Needs Python 3.11+, PyYAML, jsonschema and openapi-spec-validator; it talks HTTP
with urllib only. Every request is bounded by --request-timeout (10 s) and the whole session by
--total-timeout (120 s).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

try:
    import yaml
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import best_match
    try:
        from openapi_spec_validator import validate as validate_openapi  # 0.7 and later
    except ImportError:  # older releases
        from openapi_spec_validator import validate_spec as validate_openapi
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as exc:  # pragma: no cover - environment problem, not a contract failure
    print(f"missing dependency: {exc}; run: python3 -m pip install PyYAML jsonschema openapi-spec-validator",
          file=sys.stderr)
    sys.exit(2)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO_ROOT / "openapi.yaml"
SPEC_URI = "urn:x-contract:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")

# Problem types the suite uses (API brief); the spec must define and list every one of them.
PROBLEM_TYPES = {
    "/problems/invalid-request": 400, "/problems/unauthorized": 401,
    "/problems/invalid-credentials": 401, "/problems/not-found": 404,
    "/problems/unknown-symbol": 404, "/problems/method-not-allowed": 405,
    "/problems/username-taken": 409, "/problems/idempotency-in-flight": 409,
    "/problems/payload-too-large": 413, "/problems/uri-too-long": 414, "/problems/wrong-shard": 421,
    "/problems/insufficient-funds": 422, "/problems/insufficient-shares": 422,
    "/problems/idempotency-key-reused": 422, "/problems/order-too-small": 422,
    "/problems/order-not-cancelable": 409, "/problems/too-many-open-orders": 422,
    "/problems/too-many-streams": 429, "/problems/streams-exhausted": 503,
    "/problems/too-many-login-attempts": 429,
    "/problems/rate-limited": 429, "/problems/header-fields-too-large": 431,
    "/problems/internal-error": 500, "/problems/bad-gateway": 502,
    "/problems/price-unavailable": 503, "/problems/quote-unavailable": 503,
    "/problems/service-unavailable": 503, "/problems/gateway-timeout": 504,
    "/problems/http-version-not-supported": 505, "/problems/request-timeout": 408,
}


def half_even(value: Decimal, exp: Decimal = CENT) -> Decimal:
    return value.quantize(exp, rounding=ROUND_HALF_EVEN)


def dec(text: Any) -> Decimal:
    """A money/price string as Decimal; raises on anything that is not a plain decimal string."""
    if not isinstance(text, str):
        raise ValueError(f"expected a decimal string, got {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {text!r}") from exc


# --------------------------------------------------------------------------------------------------
# Reporting


class Abort(Exception):
    """Stops the session (deadline passed, or the suite cannot be reached)."""


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            detail = " ".join(detail.split())  # one line per check, whatever the detail holds
            print(f"FAIL {name}" + (f" -- {detail[:1000]}" if detail else ""), flush=True)
        return ok

    def guard(self, name: str, fn: Callable[[], None]) -> None:
        """Runs a block of derived checks; an exception inside it (missing field...) is one failure."""
        try:
            fn()
        except Abort:
            raise
        except Exception as exc:  # noqa: BLE001 - any surprise in the body is a contract failure
            self.check(name, False, f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------------
# The spec


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class Spec:
    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("r", encoding="utf-8") as fh:
            self.doc: dict = yaml.safe_load(fh)
        self.registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(self.doc, default_specification=DRAFT202012))
        self.format_checker = _format_checker()
        self._routes = []
        for template, item in (self.doc.get("paths") or {}).items():
            regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            self._routes.append((template.count("{"), re.compile(regex), template, item))
        self._routes.sort(key=lambda r: r[0])  # literal paths win over templated ones

    # -- references ------------------------------------------------------------------------------
    def pointer(self, ptr: str) -> Any:
        node: Any = self.doc
        for raw in ptr.lstrip("/").split("/") if ptr not in ("", "/") else []:
            token = raw.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def deref(self, obj: Any, ptr: str) -> tuple[Any, str]:
        """Follows local `$ref`s; returns the target and its JSON pointer."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#"):
                raise ValueError(f"only local $refs are supported: {ref}")
            ptr = ref[1:]
            obj = self.pointer(ptr)
            seen += 1
            if seen > 32:
                raise ValueError(f"$ref loop at {ref}")
        return obj, ptr

    def validator(self, schema_ptr: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{SPEC_URI}#{schema_ptr}"}, registry=self.registry,
                                    format_checker=self.format_checker)

    def schema_errors(self, schema_ptr: str, instance: Any) -> list[str]:
        validator = self.validator(schema_ptr)
        errors = list(validator.iter_errors(instance))
        if not errors:
            return []
        best = best_match(errors)
        where = "/".join(str(p) for p in best.absolute_path) or "(root)"
        return [f"{where}: {best.message}"[:400]] + [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"[:200]
            for e in errors if e is not best][:3]

    # -- routing ---------------------------------------------------------------------------------
    def route(self, method: str, path: str) -> tuple[str | None, dict | None, str | None]:
        """(template, operation, operation pointer) for a request; operation None if the method is not
        listed; template None if no path matches."""
        for _, regex, template, item in self._routes:
            if regex.match(path):
                op = item.get(method.lower())
                op_ptr = f"/paths/{_escape_pointer(template)}/{method.lower()}"
                return template, op, (op_ptr if op is not None else None)
        return None, None, None

    def expected_response(self, method: str, path: str, status: int) -> tuple[str, dict | None, str, list[str]]:
        """(label, response object or None, its pointer, documented statuses) for an answer."""
        template, op, op_ptr = self.route(method, path)
        if template is None:
            resp, ptr = self.deref({"$ref": "#/components/responses/NoSuchRoute"}, "")
            return "no such route", (resp if status == 404 else None), ptr, ["404"]
        if op is None:
            resp, ptr = self.deref({"$ref": "#/components/responses/MethodNotAllowed"}, "")
            return f"{method} {template} (unlisted method)", (resp if status == 405 else None), ptr, ["405"]
        label = op.get("operationId") or f"{method} {template}"
        responses = op.get("responses", {})
        listed = sorted(responses)
        key = str(status)
        if key not in responses:
            key = f"{str(status)[0]}XX"
        if key not in responses:
            key = "default"
        if key not in responses:
            return label, None, "", listed
        resp, ptr = self.deref(responses[key], f"{op_ptr}/responses/{_escape_pointer(key)}")
        return label, resp, ptr, listed


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value):
            raise ValueError(f"not RFC 3339: {value!r}")
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
        return True

    @checker.checks("date", raises=ValueError)
    def _date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"not a full-date: {value!r}")
        dt.date.fromisoformat(value)
        return True

    return checker


# --------------------------------------------------------------------------------------------------
# --spec-only: the spec is valid OpenAPI and follows the suite's own rules


def check_spec(report: Report, spec_path: Path) -> Spec | None:
    name = spec_path.name
    try:
        spec = Spec(spec_path)
    except Exception as exc:  # noqa: BLE001
        report.check(f"spec: {name} parses as YAML", False, f"{type(exc).__name__}: {exc}")
        return None
    report.check(f"spec: {name} parses as YAML", True)
    doc = spec.doc
    try:
        validate_openapi(doc)
        report.check(f"spec: {name} is valid OpenAPI {doc.get('openapi')} (openapi-spec-validator)", True)
    except Exception as exc:  # noqa: BLE001
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", []) or [])
        report.check(f"spec: {name} is valid OpenAPI (openapi-spec-validator)", False,
                     f"{where or '(root)'}: {getattr(exc, 'message', None) or exc}")
        return None

    schemas = doc.get("components", {}).get("schemas", {})
    bad = []
    for sname, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as exc:  # noqa: BLE001
            bad.append(f"{sname}: {exc}"[:200])
    report.check("spec: every component schema is a valid JSON Schema 2020-12", not bad, "; ".join(bad))

    required_ops = {
        ("post", "/auth/register"), ("post", "/auth/login"), ("get", "/auth/me"), ("get", "/stocks"),
        ("get", "/stocks/{symbol}"), ("get", "/stocks/{symbol}/history"), ("get", "/trade/account"),
        ("post", "/trade/buy"), ("post", "/trade/sell"), ("get", "/trade/portfolio"),
        ("get", "/trade/transactions"), ("get", "/health"), ("get", "/metrics"),
        ("post", "/trade/orders"), ("get", "/trade/orders"), ("get", "/trade/orders/{id}"),
        ("delete", "/trade/orders/{id}"), ("get", "/stocks/stream"), ("get", "/trade/events"),
    }
    paths = doc.get("paths", {})
    have = {(m, p) for p, item in paths.items() for m in item if m in HTTP_METHODS}
    report.check("spec: documents every public gateway route", required_ops <= have,
                 f"missing {sorted(required_ops - have)}")
    report.check("spec: documents no other route", have <= required_ops, f"extra {sorted(have - required_ops)}")

    description = doc.get("info", {}).get("description", "")
    consts: dict[str, int] = {}
    for schema in schemas.values():
        for part in schema.get("allOf", []):
            props = part.get("properties", {}) if isinstance(part, dict) else {}
            if "const" in props.get("type", {}):
                consts[props["type"]["const"]] = props.get("status", {}).get("const")
    missing_desc = [t for t in PROBLEM_TYPES if f"`{t}`" not in description]
    report.check("spec: info.description lists every problem type", not missing_desc, f"missing {missing_desc}")
    wrong = {t: consts.get(t) for t, st in PROBLEM_TYPES.items() if consts.get(t) != st}
    report.check("spec: a Problem schema pins each problem type to its status", not wrong, f"{wrong}")
    report.check("spec: no problem type beyond the suite's list", set(consts) <= set(PROBLEM_TYPES),
                 f"extra {sorted(set(consts) - set(PROBLEM_TYPES))}")

    problems = []
    bearer = {"bearerAuth"}
    for (method, template) in sorted(have & required_ops):
        op = paths[template][method]
        op_ptr = f"/paths/{_escape_pointer(template)}/{method}"
        protected = template == "/auth/me" or template.startswith("/trade/")
        sec = {k for req in op.get("security", doc.get("security", [])) for k in req}
        if protected and not (sec & bearer):
            problems.append(f"{method} {template}: no bearerAuth security")
        if not protected and sec:
            problems.append(f"{method} {template}: unexpected security {sec}")
        for status, raw in op.get("responses", {}).items():
            resp, _ = spec.deref(raw, f"{op_ptr}/responses/{status}")
            headers = {h.lower(): spec.deref(v, "")[0] for h, v in (resp.get("headers") or {}).items()}
            where = f"{method} {template} {status}"

            def needs(header: str) -> None:
                h = headers.get(header.lower())
                if not h or not h.get("required"):
                    problems.append(f"{where}: no required {header} header")

            needs("X-Request-ID")
            if status == "401" and protected:
                needs("WWW-Authenticate")
            if status == "429" or (status == "503" and template.startswith("/stocks/")):
                needs("Retry-After")
            content = resp.get("content") or {}
            if status.startswith(("4", "5")) and not (template == "/health" and status == "503"):
                if list(content) != ["application/problem+json"]:
                    problems.append(f"{where}: errors must be application/problem+json only")
            if status.startswith("2") and not content:
                problems.append(f"{where}: success without a body schema")
    for comp in ("NoSuchRoute", "MethodNotAllowed"):
        if comp not in doc.get("components", {}).get("responses", {}):
            problems.append(f"components.responses.{comp} missing")
    allow = doc.get("components", {}).get("responses", {}).get("MethodNotAllowed", {}).get("headers", {})
    if "Allow" not in allow:
        problems.append("MethodNotAllowed has no Allow header")
    report.check("spec: security, required headers and error media types follow the suite's rules",
                 not problems, "; ".join(problems[:8]))
    return spec


# --------------------------------------------------------------------------------------------------
# HTTP


@dataclass
class Answer:
    method: str
    path: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes = b""
    error: str | None = None

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a 3xx is reported, not followed
        return None


class Client:
    def __init__(self, base_url: str, request_timeout: float, deadline: float) -> None:
        self.base = base_url.rstrip("/")
        self.request_timeout = request_timeout
        self.deadline = deadline
        # ProxyHandler({}) ignores http_proxy & co: the suite is on loopback.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def send(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> Answer:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise Abort("total time budget exhausted")
        timeout = min(self.request_timeout, remaining)
        answer = Answer(method, path)
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})

        def run() -> None:
            try:
                with self.opener.open(req, timeout=timeout) as resp:
                    answer.status = resp.status
                    answer.headers = {k.lower(): v for k, v in resp.headers.items()}
                    answer.body = resp.read()
            except urllib.error.HTTPError as exc:
                answer.status = exc.code
                answer.headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
                try:
                    answer.body = exc.read()
                except Exception as inner:  # noqa: BLE001
                    answer.error = f"reading error body: {inner!r}"
            except Exception as exc:  # noqa: BLE001 - refused, reset, timeout, bad HTTP...
                answer.error = f"{type(exc).__name__}: {exc}"

        # The socket timeout bounds each read; the thread join bounds the whole exchange (a server that
        # trickles bytes cannot hold the checker past the timeout).
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(timeout + 0.5)
        if worker.is_alive():
            answer.status, answer.error = None, f"no complete answer within {timeout:.1f} s"
        return answer


# --------------------------------------------------------------------------------------------------
# The session


class Session:
    def __init__(self, report: Report, spec: Spec, client: Client) -> None:
        self.report = report
        self.spec = spec
        self.client = client
        self.reachable: bool | None = None

    def call(self, name: str, method: str, path: str, *, expect: int | set[int] | None = None,
             json_body: Any = None, raw_body: bytes | None = None, token: str | None = None,
             headers: dict[str, str] | None = None, problem: str | None = None) -> Answer:
        """One exchange plus the checks every answer gets."""
        hdrs = {"Accept": "application/json, application/problem+json, text/plain"}
        body = raw_body
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
        if body is not None:
            hdrs["Content-Type"] = "application/json; charset=utf-8"
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        ans = self.client.send(method, path, body, hdrs)
        label = f"{method} {path} [{name}]"
        if ans.error is not None:
            self.report.check(f"{label}: got an HTTP answer", False, ans.error)
            if self.reachable is None:
                raise Abort(f"cannot reach {self.client.base}: {ans.error}")
            return ans
        self.reachable = True
        r = self.report
        if expect is not None:
            wanted = {expect} if isinstance(expect, int) else expect
            r.check(f"{label}: status {ans.status}", ans.status in wanted,
                    f"expected {sorted(wanted)}; body {ans.body[:300]!r}")
        r.check(f"{label}: X-Request-ID present", bool(ans.headers.get("x-request-id")),
                f"headers {sorted(ans.headers)}")
        self._conforms(label, ans)
        if problem is not None:
            got = ans.json.get("type") if isinstance(ans.json, dict) else None
            r.check(f"{label}: problem type {problem}", got == problem, f"got {got!r}")
        return ans

    def _conforms(self, label: str, ans: Answer) -> None:
        r = self.report
        assert ans.status is not None
        op_label, resp, resp_ptr, listed = self.spec.expected_response(ans.method, ans.path.split("?")[0],
                                                                          ans.status)
        if not r.check(f"{label}: status {ans.status} documented for {op_label}", resp is not None,
                       f"documented: {listed}"):
            return
        # headers the spec requires for this answer
        bad = []
        for hname, raw in (resp.get("headers") or {}).items():
            hdef, _ = self.spec.deref(raw, "")
            value = ans.headers.get(hname.lower())
            if value is None:
                if hdef.get("required"):
                    bad.append(f"{hname} missing")
                continue
            schema = hdef.get("schema", {})
            instance: Any = value
            if schema.get("type") == "integer":
                instance = int(value) if re.fullmatch(r"[0-9]+", value.strip()) else value
            errs = list(Draft202012Validator(schema, format_checker=self.spec.format_checker)
                        .iter_errors(instance))
            if errs:
                bad.append(f"{hname}: {errs[0].message}")
        r.check(f"{label}: spec headers {sorted(resp.get('headers') or {})} present and valid", not bad,
                "; ".join(bad))
        # body
        content = resp.get("content") or {}
        if not content:
            r.check(f"{label}: no body expected", ans.body == b"", f"got {ans.body[:200]!r}")
            return
        media = ans.media_type
        if not r.check(f"{label}: content type {media or '(none)'} documented", media in content,
                       f"documented: {sorted(content)}"):
            return
        schema_ptr = f"{resp_ptr}/content/{_escape_pointer(media)}/schema"
        if media.endswith("json"):
            instance = ans.json
            if instance is None:
                r.check(f"{label}: body is JSON", False, f"{ans.body[:200]!r}")
                return
        else:
            try:
                instance = ans.body.decode("utf-8")
            except UnicodeDecodeError:
                r.check(f"{label}: body is UTF-8 text", False)
                return
        errs = self.spec.schema_errors(schema_ptr, instance)
        r.check(f"{label}: body matches the {media} schema for {ans.status}", not errs, " | ".join(errs))


def _jwt_claims(token: str) -> tuple[dict, dict]:
    def part(seg: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))

    head, payload, _sig = token.split(".")
    return part(head), part(payload)


def run_session(report: Report, spec: Spec, base_url: str, request_timeout: float, total_timeout: float) -> None:
    client = Client(base_url, request_timeout, time.monotonic() + total_timeout)
    s = Session(report, spec, client)
    r = report
    j = lambda ans: ans.json if isinstance(ans.json, dict) else {}  # noqa: E731

    # ---- ops ----------------------------------------------------------------------------------
    rid = "contract-" + secrets.token_hex(8)
    health = s.call("health", "GET", "/health", expect={200, 503}, headers={"X-Request-ID": rid})
    r.check("GET /health: client X-Request-ID echoed", health.headers.get("x-request-id") == rid,
            f"sent {rid!r}, got {health.headers.get('x-request-id')!r}")

    # ---- auth ---------------------------------------------------------------------------------
    username = "ct_" + secrets.token_hex(6) + "x"  # unique; has lower-case letters for the case test
    password = "pw-" + secrets.token_hex(8)
    reg = s.call("register", "POST", "/auth/register", expect=201,
                 json_body={"username": username, "password": password})
    user = j(reg)
    r.check("register: username kept as sent", user.get("username") == username, f"{user.get('username')!r}")
    s.call("register bad username", "POST", "/auth/register", expect=400, problem="/problems/invalid-request",
           json_body={"username": "bad name!", "password": password})
    s.call("register short password", "POST", "/auth/register", expect=400, problem="/problems/invalid-request",
           json_body={"username": "ct_" + secrets.token_hex(6), "password": "short"})
    s.call("register missing field", "POST", "/auth/register", expect=400, problem="/problems/invalid-request",
           json_body={"username": "ct_" + secrets.token_hex(6)})
    s.call("register not JSON", "POST", "/auth/register", expect=400, problem="/problems/invalid-request",
           raw_body=b'{"username": ')
    s.call("register duplicate, other case", "POST", "/auth/register", expect=409,
           problem="/problems/username-taken", json_body={"username": username.upper(), "password": password})

    login = s.call("login", "POST", "/auth/login", expect=200,
                   json_body={"username": username, "password": password})
    tok = j(login)
    token = tok.get("access_token")

    def jwt_checks() -> None:
        head, claims = _jwt_claims(token)
        r.check("login: JWT alg HS256", head.get("alg") == "HS256", f"{head}")
        r.check("login: JWT iss=auth, sub=user id as string, name=username",
                claims.get("iss") == "auth" and claims.get("sub") == str(user.get("id"))
                and claims.get("name") == username, f"{claims}")
        r.check("login: expires_in == exp - iat", tok.get("expires_in") == claims.get("exp", 0) - claims.get("iat", 0),
                f"expires_in {tok.get('expires_in')}, claims {claims}")
    r.guard("login: JWT readable", jwt_checks)

    s.call("login other case", "POST", "/auth/login", expect=200,
           json_body={"username": username.upper(), "password": password})
    wrong = s.call("login wrong password", "POST", "/auth/login", expect=401,
                   problem="/problems/invalid-credentials", json_body={"username": username, "password": password + "x"})
    unknown = s.call("login unknown user", "POST", "/auth/login", expect=401,
                     problem="/problems/invalid-credentials",
                     json_body={"username": "ct_nobody_" + secrets.token_hex(6), "password": password})
    r.check("login: wrong password and unknown user share type and title",
            (j(wrong).get("type"), j(wrong).get("title")) == (j(unknown).get("type"), j(unknown).get("title")),
            f"{j(wrong)} vs {j(unknown)}")
    # a success clears the failure count (the one above must not lock us out of later logins)
    s.call("login after a failure", "POST", "/auth/login", expect=200,
           json_body={"username": username, "password": password})

    me = s.call("me", "GET", "/auth/me", expect=200, token=token)
    r.check("me: same user as registered", j(me) == user, f"{j(me)} vs {user}")
    noauth = s.call("me without token", "GET", "/auth/me", expect=401, problem="/problems/unauthorized")
    r.check("me without token: WWW-Authenticate: Bearer",
            noauth.headers.get("www-authenticate", "").startswith("Bearer"), f"{noauth.headers.get('www-authenticate')!r}")
    s.call("me with a bad token", "GET", "/auth/me", expect=401, problem="/problems/unauthorized",
           token="e30.e30.AAAA")

    # ---- stock --------------------------------------------------------------------------------
    listing = s.call("list stocks", "GET", "/stocks", expect=200)
    symbols = [item.get("symbol") for item in j(listing).get("stocks", []) if isinstance(item, dict)]
    r.check("list stocks: symbols unique", len(symbols) == len(set(symbols)), f"{symbols}")
    other = next((sym for sym in symbols if sym != "AAPL"), "MSFT")

    quote = s.call("quote", "GET", "/stocks/AAPL", expect=200)
    r.check("quote: symbol AAPL", j(quote).get("symbol") == "AAPL", f"{j(quote).get('symbol')!r}")
    lower = s.call("quote, lower-case symbol", "GET", "/stocks/aapl", expect=200)
    r.check("quote, lower-case symbol: returned upper-case", j(lower).get("symbol") == "AAPL",
            f"{j(lower).get('symbol')!r}")
    hist = s.call("history", "GET", "/stocks/AAPL/history?days=5", expect=200)

    def history_checks() -> None:
        prices = j(hist)["prices"]
        dates = [p["date"] for p in prices]
        r.check("history: 5 days", len(prices) == 5, f"{len(prices)} entries")
        r.check("history: oldest first, no repeats", dates == sorted(set(dates)), f"{dates}")
        r.check("history: symbol AAPL", j(hist)["symbol"] == "AAPL", f"{j(hist)['symbol']!r}")
    r.guard("history: shape", history_checks)
    s.call("history days=abc", "GET", "/stocks/AAPL/history?days=abc", expect=400, problem="/problems/invalid-request")
    s.call("history days=0", "GET", "/stocks/AAPL/history?days=0", expect=400, problem="/problems/invalid-request")
    s.call("history days=101", "GET", "/stocks/AAPL/history?days=101", expect=400,
           problem="/problems/invalid-request")
    s.call("malformed symbol", "GET", "/stocks/@@@", expect=400, problem="/problems/invalid-request")
    s.call("unknown symbol", "GET", "/stocks/ZZZZZZ", expect=404, problem="/problems/unknown-symbol")
    s.call("history of unknown symbol", "GET", "/stocks/ZZZZZZ/history?days=5", expect=404,
           problem="/problems/unknown-symbol")

    # ---- trade --------------------------------------------------------------------------------
    acct0 = s.call("account", "GET", "/trade/account", expect=200, token=token)
    state: dict[str, Any] = {}

    def account_checks(a: dict, name: str) -> None:
        cash, hv, tv = dec(a["cash"]), dec(a["holdings_value"]), dec(a["total_value"])
        r.check(f"{name}: total_value == cash + holdings_value", tv == cash + hv, f"{tv} != {cash} + {hv}")
        r.check(f"{name}: cash >= 0", cash >= 0, f"{cash}")

    def first_account() -> None:
        a = j(acct0)
        account_checks(a, "account")
        r.check("account: new user holds nothing", dec(a["holdings_value"]) == 0, a["holdings_value"])
        state["cash0"] = dec(a["cash"])
    r.guard("account: money", first_account)

    key = "ct-" + secrets.token_hex(12)
    buy = s.call("buy 3 AAPL", "POST", "/trade/buy", expect=201, token=token,
                 headers={"Idempotency-Key": key}, json_body={"symbol": "AAPL", "quantity": 3})

    def order_checks(ans: Answer, name: str, side: str, symbol: str, qty: int, cash_before: Decimal) -> None:
        o = j(ans)
        r.check(f"{name}: side, symbol, quantity echo the order",
                (o["side"], o["symbol"], o["quantity"]) == (side, symbol, qty), f"{o}")
        price, total, cash_after = dec(o["price"]), dec(o["total"]), dec(o["cash_after"])
        expected_total = half_even(price * qty)
        r.check(f"{name}: total == half_even(price x quantity) = {expected_total}", total == expected_total,
                f"total {o['total']} for {qty} x {o['price']}")
        expected_cash = cash_before - total if side == "buy" else cash_before + total
        r.check(f"{name}: cash_after == {cash_before} {'-' if side == 'buy' else '+'} total = {expected_cash}",
                cash_after == expected_cash, f"cash_after {o['cash_after']}")

    r.guard("buy 3 AAPL: money", lambda: order_checks(buy, "buy 3 AAPL", "buy", "AAPL", 3, state["cash0"]))
    replay = s.call("buy 3 AAPL, same Idempotency-Key", "POST", "/trade/buy", expect=201, token=token,
                    headers={"Idempotency-Key": key}, json_body={"symbol": "AAPL", "quantity": 3})
    r.check("idempotent replay: body identical byte for byte", replay.body == buy.body and buy.body != b"",
            f"first {buy.body[:200]!r} vs replay {replay.body[:200]!r}")
    s.call("same Idempotency-Key, other order", "POST", "/trade/buy", expect=422, token=token,
           problem="/problems/idempotency-key-reused", headers={"Idempotency-Key": key},
           json_body={"symbol": "AAPL", "quantity": 2})

    sell = s.call("sell 1 AAPL", "POST", "/trade/sell", expect=201, token=token,
                  headers={"Idempotency-Key": "ct-" + secrets.token_hex(12)},
                  json_body={"symbol": "AAPL", "quantity": 1})
    r.guard("sell 1 AAPL: money",
            lambda: order_checks(sell, "sell 1 AAPL", "sell", "AAPL", 1, dec(j(buy)["cash_after"])))

    bad_orders = [("quantity \"3\"", {"symbol": "AAPL", "quantity": "3"}),
                  ("quantity 1.5", {"symbol": "AAPL", "quantity": 1.5}),
                  ("quantity 0", {"symbol": "AAPL", "quantity": 0}),
                  ("quantity -1", {"symbol": "AAPL", "quantity": -1}),
                  ("quantity true", {"symbol": "AAPL", "quantity": True}),
                  ("quantity 1000001", {"symbol": "AAPL", "quantity": 1000001}),
                  ("missing quantity", {"symbol": "AAPL"}),
                  ("malformed symbol", {"symbol": "@@@", "quantity": 1})]
    for what, body in bad_orders:
        s.call(f"buy {what}", "POST", "/trade/buy", expect=400, token=token, problem="/problems/invalid-request",
               json_body=body)
    s.call("buy not JSON", "POST", "/trade/buy", expect=400, token=token, problem="/problems/invalid-request",
           raw_body=b"quantity=3")
    s.call("buy unknown symbol", "POST", "/trade/buy", expect=404, token=token,
           problem="/problems/unknown-symbol", json_body={"symbol": "ZZZZZZ", "quantity": 1})
    s.call(f"sell never-held {other}", "POST", "/trade/sell", expect=422, token=token,
           problem="/problems/insufficient-shares", json_body={"symbol": other, "quantity": 1})
    s.call("sell more than held", "POST", "/trade/sell", expect=422, token=token,
           problem="/problems/insufficient-shares", json_body={"symbol": "AAPL", "quantity": 3})
    s.call("huge buy", "POST", "/trade/buy", expect=422, token=token, problem="/problems/insufficient-funds",
           json_body={"symbol": "AAPL", "quantity": 1000000})
    s.call("buy without token", "POST", "/trade/buy", expect=401, problem="/problems/unauthorized",
           json_body={"symbol": "AAPL", "quantity": 1})

    acct1 = s.call("account after trading", "GET", "/trade/account", expect=200, token=token)

    def second_account() -> None:
        a = j(acct1)
        account_checks(a, "account after trading")
        r.check("account after trading: cash == last cash_after (refused orders changed nothing)",
                dec(a["cash"]) == dec(j(sell)["cash_after"]), f"{a['cash']} vs {j(sell)['cash_after']}")
    r.guard("account after trading: money", second_account)

    port = s.call("portfolio", "GET", "/trade/portfolio", expect=200, token=token)

    def portfolio_checks() -> None:
        p = j(port)
        holdings = p["holdings"]
        r.check("portfolio: only AAPL held", [h["symbol"] for h in holdings] == ["AAPL"], f"{holdings}")
        h = holdings[0]
        buy_total = dec(j(buy)["total"])
        basis = buy_total - half_even(buy_total * 1 / 3)
        r.check("portfolio: AAPL quantity 2", h["quantity"] == 2, f"{h['quantity']}")
        r.check(f"portfolio: cost_basis == buy total - half_even(total x 1/3) = {basis}",
                dec(h["cost_basis"]) == basis, h["cost_basis"])
        avg = half_even(dec(h["cost_basis"]) / h["quantity"], FOUR_PLACES)
        r.check(f"portfolio: avg_cost == half_even4(cost_basis / quantity) = {avg}", dec(h["avg_cost"]) == avg,
                h["avg_cost"])
        mv = half_even(dec(h["price"]) * h["quantity"])
        r.check(f"portfolio: market_value == half_even(price x quantity) = {mv}", dec(h["market_value"]) == mv,
                h["market_value"])
        pl = dec(h["market_value"]) - dec(h["cost_basis"])
        r.check(f"portfolio: unrealized_pl == market_value - cost_basis = {pl}", dec(h["unrealized_pl"]) == pl,
                h["unrealized_pl"])
        r.check("portfolio: cash == last cash_after", dec(p["cash"]) == dec(j(sell)["cash_after"]),
                f"{p['cash']} vs {j(sell)['cash_after']}")
        total = dec(p["cash"]) + sum((dec(x["market_value"]) for x in holdings), Decimal(0))
        r.check(f"portfolio: total_value == cash + sum(market_value) = {total}", dec(p["total_value"]) == total,
                p["total_value"])
    r.guard("portfolio: money", portfolio_checks)

    # transactions: newest first, one per page, following `next`; the buy is the oldest, so its page's
    # `next` must be null
    expected = [[j(sell)], [j(buy)]]
    pages: list[list[dict]] = []
    nexts: list[Any] = []
    before: int | None = None
    for page_no in range(1, 4):  # two pages expected; the third only shows a `next` that should have been null
        path = "/trade/transactions?limit=1" + (f"&before={before}" if before is not None else "")
        page = s.call(f"transactions page {page_no}", "GET", path, expect=200, token=token)
        body = j(page)
        items = [it for it in body.get("transactions", []) if isinstance(it, dict)]
        if before is not None:
            r.check(f"transactions page {page_no}: ids below before={before}",
                    all(isinstance(it.get("id"), int) and it["id"] < before for it in items), f"{items}")
        pages.append(items)
        nexts.append(body.get("next"))
        if not isinstance(nexts[-1], int) or isinstance(nexts[-1], bool):
            break
        before = nexts[-1]
    r.check("transactions: limit=1 pages are [sell], [buy], exactly as executed", pages[:2] == expected,
            f"got {pages}")
    r.check("transactions: next is an id after the sell's page and null after the buy's",
            len(nexts) == 2 and isinstance(nexts[0], int) and nexts[1] is None, f"next values {nexts}")
    for q in ("limit=0", "limit=101", "limit=abc", "before=0", "before=-1", "before=x1"):
        s.call(f"transactions {q}", "GET", f"/trade/transactions?{q}", expect=400, token=token,
               problem="/problems/invalid-request")

    # ---- gateway ------------------------------------------------------------------------------
    s.call("account without token", "GET", "/trade/account", expect=401, problem="/problems/unauthorized")
    s.call("unknown route", "GET", "/no-such-route-" + secrets.token_hex(4), expect=404,
           problem="/problems/not-found")
    wrong_method = s.call("GET on a POST route", "GET", "/trade/buy", expect=405, token=token,
                          problem="/problems/method-not-allowed")
    allow = [m.strip().upper() for m in wrong_method.headers.get("allow", "").split(",")]
    r.check("GET on a POST route: Allow lists POST", "POST" in allow, f"Allow {wrong_method.headers.get('allow')!r}")

    metrics = s.call("metrics", "GET", "/metrics", expect=200)
    text = metrics.body.decode("utf-8", "replace")
    for name in ("http_requests_total", "http_request_duration_seconds", "upstream_requests_total"):
        r.check(f"metrics: has {name}", name in text)
    raw = re.findall(r'route="(/stocks/(?:AAPL|aapl|ZZZZZZ)[^"]*)"', text)
    r.check("metrics: routes are patterns, not raw paths", not raw, f"found {raw[:3]}")


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--spec-only", action="store_true", help="only validate the OpenAPI description")
    mode.add_argument("--base-url", help="gateway base URL, e.g. http://127.0.0.1:5000")
    ap.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=f"OpenAPI file (default {DEFAULT_SPEC})")
    ap.add_argument("--request-timeout", type=float, default=10.0, help="seconds per request (default 10)")
    ap.add_argument("--total-timeout", type=float, default=120.0, help="seconds for the whole session (default 120)")
    args = ap.parse_args(argv)

    report = Report()
    spec = check_spec(report, args.spec)
    if args.base_url and spec is not None:
        try:
            run_session(report, spec, args.base_url, args.request_timeout, args.total_timeout)
        except Abort as exc:
            report.check("session finished", False, str(exc))
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
