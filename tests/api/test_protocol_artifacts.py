"""The protocol artifacts agree with each other (issue 5).

Checked here, each by a pure function that returns a list of findings (empty = pass), so that every
check also has a negative test feeding it a mutated artifact:

- protocol/errors.yaml (the error catalogue) is well-formed, maps every engine code, and every code is
  in docs/api.md (the generated table, byte for byte) and in openapi.yaml under its catalogue status;
- openapi.yaml passes openapi-spec-validator, every $ref in it resolves, and its self-contained
  (bundled) form, as GET /openapi.yaml serves it, is valid too;
- every schemas/**/*.json is a valid JSON Schema 2020-12, its $refs resolve, and it is referenced from
  openapi.yaml or another schema;
- every example in docs/api/examples/ validates against the schema index.json names (request examples
  marked invalid must fail), error examples carry their code's status/title/retryable/headers, every
  code and every operation has an example, and placeholders are exactly the listed ones;
- published v1.0 compatibility: a hand-written v1.0 /models response for logistic_v1 (values from
  published-v1.0.md) validates against the closed v1.0 schema and equals our root /models example;
  v1.0 requests are valid v1.1 requests; our job responses satisfy what the published client reads.

Run:  python -m pytest tests/api -q
Regenerate the error table in docs/api.md after editing errors.yaml:
      python tests/api/test_protocol_artifacts.py --write-error-table
"""
from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import pathlib
import re
import sys
from typing import Any, Iterator
from urllib.parse import urldefrag, urljoin

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
EXAMPLES = ROOT / "docs" / "api" / "examples"
API_MD = ROOT / "docs" / "api.md"
OPENAPI = ROOT / "openapi.yaml"
CATALOGUE = ROOT / "protocol" / "errors.yaml"
CATALOGUE_SCHEMA = ROOT / "protocol" / "errors.schema.json"
ENGINE_STATUS_H = ROOT / "engine" / "status.h"
SCHEMA_BASE = "https://encrypted-inference.invalid/schemas/"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TABLE_BEGIN = "<!-- BEGIN ERROR TABLE: generated from protocol/errors.yaml by tests/api/test_protocol_artifacts.py --write-error-table; do not edit -->"
TABLE_END = "<!-- END ERROR TABLE -->"


# =============================================================================== loading
@functools.cache
def catalogue() -> dict:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def codes_by_name(cat: dict) -> dict[str, dict]:
    return {c["code"]: c for c in cat["codes"]}


@functools.cache
def openapi() -> dict:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


@functools.cache
def schema_files() -> dict[str, dict]:
    """Repo-relative path ('schemas/x.json') -> parsed schema."""
    return {p.relative_to(ROOT).as_posix(): json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.rglob("*.json"))}


def build_registry(schemas: dict[str, dict]) -> Registry:
    resources = []
    for rel, doc in schemas.items():
        uri = doc.get("$id") or (SCHEMA_BASE + rel.removeprefix("schemas/"))
        resources.append((uri, Resource.from_contents(doc, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@functools.cache
def registry() -> Registry:
    return build_registry(schema_files())


def schema_uri(rel: str) -> str:
    return SCHEMA_BASE + rel.removeprefix("schemas/")


def validator(rel: str, reg: Registry | None = None) -> Draft202012Validator:
    return Draft202012Validator({"$ref": schema_uri(rel)}, registry=reg or registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors_of(rel: str, instance: Any, reg: Registry | None = None) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator(rel, reg).iter_errors(instance)]


@functools.cache
def example_index() -> dict:
    return json.loads((EXAMPLES / "index.json").read_text(encoding="utf-8"))


def example_body(name: str) -> Any:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def walk_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Yields (json-pointer-of-holder, $ref value) for every $ref in a JSON/YAML tree."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield pointer, node["$ref"]
        for k, v in node.items():
            yield from walk_refs(v, f"{pointer}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_refs(v, f"{pointer}/{i}")


def resolve_pointer(doc: Any, fragment: str) -> Any:
    if fragment in ("", "/"):
        return doc
    node = doc
    for part in fragment.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def engine_codes() -> list[str]:
    text = ENGINE_STATUS_H.read_text(encoding="utf-8")
    return re.findall(r"^\s*X\(([A-Z][A-Z0-9_]*),", text, flags=re.M)


# =============================================================================== checks
def check_catalogue(cat: dict) -> list[str]:
    found = [f"errors.schema.json: {e.message} at {list(e.absolute_path)}"
             for e in Draft202012Validator(json.loads(CATALOGUE_SCHEMA.read_text(encoding="utf-8"))).iter_errors(cat)]
    if found:
        return found
    seen, titles = set(), set()
    for c in cat["codes"]:
        if c["code"] in seen:
            found.append(f"duplicate code {c['code']}")
        seen.add(c["code"])
        if c["title"] in titles:
            found.append(f"duplicate title {c['title']!r}")
        titles.add(c["title"])
        if c["retry_after"] and not c["retryable"]:
            found.append(f"{c['code']}: retry_after without retryable")
        if "|" in c["when"] or "|" in c["title"]:
            found.append(f"{c['code']}: '|' would break the markdown table")
    byname = codes_by_name(cat)
    if "INTERNAL" not in byname or byname["INTERNAL"]["status"] != 500:
        found.append("INTERNAL (500) missing")
    for c in cat["codes"]:
        if c["status"] >= 500 and c["code"] not in ("INTERNAL",) and not c["retryable"]:
            found.append(f"{c['code']}: a 5xx other than INTERNAL must be retryable")
    return found


def check_engine_mapping(cat: dict, engine: list[str]) -> list[str]:
    found = []
    codes = codes_by_name(cat)
    for kind, mapping in cat["engine_mapping"].items():
        missing = [e for e in engine if e not in mapping]
        extra = [e for e in mapping if e not in engine]
        if missing:
            found.append(f"{kind}: engine codes without a protocol code: {missing}")
        if extra:
            found.append(f"{kind}: mapped codes the engine does not have: {extra}")
        for e, p in mapping.items():
            if (e == "OK") != (p is None):
                found.append(f"{kind}: {e} -> {p}: only OK maps to null")
            if p is not None and p not in codes:
                found.append(f"{kind}: {e} -> {p}: not a catalogue code")
            if p is not None and p != "INTERNAL" and codes.get(p, {}).get("status", 0) >= 500:
                found.append(f"{kind}: {e} -> {p}: client input must not map to a 5xx")
    return found


def check_schema_documents(schemas: dict[str, dict]) -> list[str]:
    found = []
    for rel, doc in schemas.items():
        try:
            Draft202012Validator.check_schema(doc)
        except SchemaError as e:
            found.append(f"{rel}: invalid 2020-12 schema: {e.message}")
            continue
        if doc.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            found.append(f"{rel}: $schema is not 2020-12")
        if doc.get("$id") != schema_uri(rel):
            found.append(f"{rel}: $id {doc.get('$id')!r} != {schema_uri(rel)!r}")
        for key in ("title", "description"):
            if not doc.get(key):
                found.append(f"{rel}: no {key}")
    return found


def check_schema_refs(schemas: dict[str, dict]) -> list[str]:
    """Every $ref in every schema resolves (through the same Registry the examples use)."""
    found = []
    reg = build_registry(schemas)
    for rel, doc in schemas.items():
        resolver = reg.resolver(base_uri=doc.get("$id", schema_uri(rel)))
        for where, ref in walk_refs(doc):
            try:
                resolver.lookup(ref)
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                found.append(f"{rel}{where}: $ref {ref!r} does not resolve ({type(e).__name__})")
    return found


def referenced_schema_files(spec: dict, schemas: dict[str, dict]) -> set[str]:
    refs = set()
    for _, ref in walk_refs(spec):
        target, _ = urldefrag(ref)
        if target.startswith("schemas/"):
            refs.add(target)
    for rel, doc in schemas.items():
        base = doc.get("$id", schema_uri(rel))
        for _, ref in walk_refs(doc):
            target, _ = urldefrag(urljoin(base, ref))
            if target.startswith(SCHEMA_BASE) and target != base:
                refs.add("schemas/" + target.removeprefix(SCHEMA_BASE))
    return refs


def check_all_schemas_referenced(spec: dict, schemas: dict[str, dict]) -> list[str]:
    refs = referenced_schema_files(spec, schemas)
    return [f"{rel} is referenced neither from openapi.yaml nor from another schema"
            for rel in schemas if rel not in refs]


def check_openapi_refs(spec: dict, schemas: dict[str, dict]) -> list[str]:
    """openapi-spec-validator does not follow every external $ref, so resolve them all here."""
    found = []
    for where, ref in walk_refs(spec):
        target, frag = urldefrag(ref)
        if not target:
            try:
                resolve_pointer(spec, frag)
            except (KeyError, IndexError, ValueError):
                found.append(f"openapi.yaml{where}: {ref!r} does not resolve")
        elif target not in schemas:
            found.append(f"openapi.yaml{where}: {ref!r} names no file under schemas/")
        else:
            try:
                resolve_pointer(schemas[target], frag)
            except (KeyError, IndexError, ValueError):
                found.append(f"openapi.yaml{where}: {ref!r}: fragment does not resolve")
    return found


def openapi_error_codes(spec: dict) -> list[tuple[str, int, str]]:
    """(code, status, where) for every x-error-codes entry in operations and x-transport-errors."""
    out = []
    for path, method, op in operations(spec):
        for status, resp in op.get("responses", {}).items():
            if "$ref" in resp:
                resp = resolve_pointer(spec, urldefrag(resp["$ref"])[1])
            for code in resp.get("x-error-codes", []):
                out.append((code, int(status), f"{method.upper()} {path}"))
    for entry in spec.get("x-transport-errors", []):
        resp = resolve_pointer(spec, urldefrag(entry["response"]["$ref"])[1])
        for code in resp.get("x-error-codes", []):
            out.append((code, int(entry["status"]), "x-transport-errors"))
    return out


def check_codes_in_openapi(cat: dict, spec: dict) -> list[str]:
    found = []
    codes = codes_by_name(cat)
    listed = openapi_error_codes(spec)
    for code, status, where in listed:
        if code not in codes:
            found.append(f"{where}: {code} is not in the catalogue")
        elif codes[code]["status"] != status:
            found.append(f"{where}: {code} listed under {status}, catalogue says {codes[code]['status']}")
    present = {code for code, _, _ in listed}
    for code in codes:
        if code not in present:
            found.append(f"{code} appears in no error response of openapi.yaml")
    for path, method, op in operations(spec):
        for status, resp in op.get("responses", {}).items():
            if int(status) >= 400 and "$ref" not in resp:
                media = resp.get("content", {}).get("application/problem+json")
                if not media or not resp.get("x-error-codes"):
                    found.append(f"{method.upper()} {path} {status}: not a problem+json response with x-error-codes")
                    continue
                refs = {r for _, r in walk_refs(media["schema"])}
                if "schemas/problem.json" not in refs:
                    found.append(f"{method.upper()} {path} {status}: schema does not reference schemas/problem.json")
                for code in resp["x-error-codes"]:
                    if code in codes and f"`{code}`" not in resp.get("description", ""):
                        found.append(f"{method.upper()} {path} {status}: description does not name {code}")
                if any(codes.get(c, {}).get("retry_after") for c in resp["x-error-codes"]) and "Retry-After" not in resp.get("headers", {}):
                    found.append(f"{method.upper()} {path} {status}: Retry-After header not declared")
            if "API-Version" not in resp.get("headers", {}) and "$ref" not in resp:
                found.append(f"{method.upper()} {path} {status}: API-Version header not declared")
    return found


def render_error_table(cat: dict) -> str:
    yn = lambda b: "yes" if b else "no"  # noqa: E731
    lines = ["| Code | HTTP | Retryable | Retry-After | Title | When |", "|---|---|---|---|---|---|"]
    for c in sorted(cat["codes"], key=lambda c: (c["status"], c["code"])):
        when = " ".join(c["when"].split())
        lines.append(f"| `{c['code']}` | {c['status']} | {yn(c['retryable'])} | {yn(c['retry_after'])} | {c['title']} | {when} |")
    return "\n".join(lines)


def check_codes_in_docs(cat: dict, md: str, engine: list[str]) -> list[str]:
    found = []
    codes = codes_by_name(cat)
    if TABLE_BEGIN not in md or TABLE_END not in md:
        return ["docs/api.md has no generated error table (markers missing)"]
    table = md.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0].strip()
    if table != render_error_table(cat):
        found.append("docs/api.md error table differs from protocol/errors.yaml "
                     "(run: python tests/api/test_protocol_artifacts.py --write-error-table)")
    prose = md.replace(table, "")
    for code in codes:
        if f"`{code}`" not in prose:
            found.append(f"{code} is not discussed outside the generated table in docs/api.md")
    # Status written next to a code in prose: "409 `X`", "`X` (409", "`X` | 409".
    for m in re.finditer(r"\b([1-5]\d\d)\s+`([A-Z][A-Z0-9_]+)`|`([A-Z][A-Z0-9_]+)`\s*(?:\(|\|\s*)([1-5]\d\d)\b", prose):
        status, code = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if code in codes and codes[code]["status"] != int(status):
            found.append(f"docs/api.md says {status} for {code}; catalogue says {codes[code]['status']}")
    # Every backticked UPPER_SNAKE token is a catalogue code, an engine code, or a known non-code.
    allowed = set(codes) | set(engine) | {"ZSTD_COMPRESSBOUND"}
    for token in set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", md)):
        if token not in allowed:
            found.append(f"docs/api.md names `{token}`, which is neither a catalogue nor an engine code")
    return found


def placeholder_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        raw = bytes.fromhex(payload) if encoding == "hex" else base64.b64decode(payload, validate=True)
    except (ValueError, binascii.Error):
        return None
    return raw if raw.startswith(b"EI-PLACEHOLDER ") else None


def payload_sites(body: Any, pointer: str = "") -> Iterator[tuple[str, str, str]]:
    """(pointer, encoding, payload) of every {encoding, payload} pair, and of job results."""
    if isinstance(body, dict):
        if isinstance(body.get("payload"), str):
            yield f"{pointer}/payload", body.get("encoding", "hex"), body["payload"]
        for k, v in body.items():
            if k != "payload":
                yield from payload_sites(v, f"{pointer}/{k}")
    elif isinstance(body, list):
        for i, v in enumerate(body):
            yield from payload_sites(v, f"{pointer}/{i}")


def check_examples(index: dict, cat: dict, spec: dict, schemas: dict[str, dict], load=None) -> list[str]:
    """`load(name)` returns an example file's body (default: read it from docs/api/examples/)."""
    load = load or example_body
    found = []
    codes = codes_by_name(cat)
    reg = build_registry(schemas)
    listed_files = {"index.json", "README.md"}
    seen_codes, seen_ops = set(), set()
    ops = {f"{m.upper()} {p}": op for p, m, op in operations(spec)}
    ids = [ex["id"] for ex in index["examples"]]
    found += [f"duplicate example id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for ex in index["examples"]:
        eid = ex["id"]
        if "file" in ex:  # a non-HTTP artifact (registry file)
            listed_files.add(ex["file"])
            found += [f"{eid}: {e}" for e in errors_of(ex["schema"], load(ex["file"]), reg)]
            continue
        req, resp = ex["request"], ex["response"]
        op = ops.get(ex["operation"]) if ex["operation"] else None
        if ex["operation"] and op is None:
            found.append(f"{eid}: operation {ex['operation']!r} is not in openapi.yaml")
        if ex["operation"]:
            seen_ops.add(ex["operation"])
        # ---- request
        if "body" in req:
            listed_files.add(req["body"])
            if not (EXAMPLES / req["body"]).exists():
                found.append(f"{eid}: missing {req['body']}")
                continue
            for rel in req.get("also_satisfies", []):
                found += [f"{eid} request vs {rel}: {e}" for e in errors_of(rel, load(req["body"]), reg)]
            if req.get("schema"):
                errs = errors_of(req["schema"], load(req["body"]), reg)
                if req.get("valid", True) and errs:
                    found += [f"{eid} request: {e}" for e in errs]
                if not req.get("valid", True) and not errs:
                    found.append(f"{eid}: request marked invalid but validates against {req['schema']}")
        # ---- response
        status = resp["status"]
        if op is not None and str(status) not in op["responses"]:
            found.append(f"{eid}: status {status} not declared for {ex['operation']}")
        headers = resp.get("headers", {})
        if headers.get("API-Version") != "1.1.0":
            found.append(f"{eid}: response lacks API-Version: 1.1.0")
        if op is not None and str(status) in op["responses"]:
            declared = op["responses"][str(status)].get("headers", {})
            for h in headers:
                if h not in ("Content-Type", "Connection") and h not in declared:
                    found.append(f"{eid}: response header {h} not declared in openapi.yaml for {ex['operation']} {status}")
        body = None
        if "body" in resp:
            listed_files.add(resp["body"])
            if not (EXAMPLES / resp["body"]).exists():
                found.append(f"{eid}: missing {resp['body']}")
                continue
            body = load(resp["body"])
            for rel in ([resp["schema"]] if resp.get("schema") else []) + resp.get("also_satisfies", []):
                found += [f"{eid} response vs {rel}: {e}" for e in errors_of(rel, body, reg)]
            if resp.get("schema") is None and resp["body"].endswith(".json"):
                found.append(f"{eid}: JSON response without a schema")
        elif status not in (204,) and ex["operation"] != "GET /openapi.yaml":
            if "code" not in ex:
                found.append(f"{eid}: success example without a response body")
        if status in (201, 202) and "Location" not in headers:
            found.append(f"{eid}: {status} without Location")
        # ---- jobs: 200 from POST /infer is final, 202 is pending; a failed job's problem is a catalogue problem
        if isinstance(body, dict) and resp.get("schema") == "schemas/job.json":
            if ex["operation"] in ("POST /infer", "POST /v1/infer"):
                want_status = {200: ("completed", "failed"), 202: ("queued", "running")}.get(status, ())
                if body.get("status") not in want_status:
                    found.append(f"{eid}: POST /infer answered {status} with job status {body.get('status')!r}")
            if body.get("status") == "failed":
                p = body.get("problem", {})
                c = codes.get(p.get("code"))
                if c is None:
                    found.append(f"{eid}: failed job's problem code {p.get('code')!r} not in the catalogue")
                else:
                    for k, v in {"type": cat["type_prefix"] + p["code"], "title": c["title"], "status": c["status"],
                                 "retryable": c["retryable"]}.items():
                        if p.get(k) != v:
                            found.append(f"{eid}: failed job's problem {k} = {p.get(k)!r}, expected {v!r}")
                if body.get("error") != p.get("detail"):
                    found.append(f"{eid}: failed job's error differs from problem.detail")
        # ---- error examples
        if "code" in ex:
            code = ex["code"]
            seen_codes.add(code)
            c = codes.get(code)
            if c is None:
                found.append(f"{eid}: {code} not in the catalogue")
                continue
            if status != c["status"]:
                found.append(f"{eid}: HTTP {status} but {code} is {c['status']}")
            if not isinstance(body, dict):
                found.append(f"{eid}: error example without a problem body")
                continue
            want = {"type": cat["type_prefix"] + code, "title": c["title"], "status": c["status"], "code": code,
                    "retryable": c["retryable"], "request_id": headers.get("X-Request-ID")}
            for k, v in want.items():
                if body.get(k) != v:
                    found.append(f"{eid}: body {k} = {body.get(k)!r}, expected {v!r}")
            if headers.get("Content-Type") != "application/problem+json":
                found.append(f"{eid}: Content-Type is not application/problem+json")
            if c["retry_after"] != ("Retry-After" in headers):
                found.append(f"{eid}: Retry-After presence does not match the catalogue")
            if status == 405 and "Allow" not in headers:
                found.append(f"{eid}: 405 without Allow")
            if status == 401 and "WWW-Authenticate" not in headers:
                found.append(f"{eid}: 401 without WWW-Authenticate")
            if op is not None and str(status) in op["responses"] and \
                    code not in op["responses"][str(status)].get("x-error-codes", []):
                found.append(f"{eid}: {code} is not listed for {ex['operation']} {status} in openapi.yaml")
            if op is None:
                transport = {c2 for c2, _, w in openapi_error_codes(spec) if w == "x-transport-errors"}
                if code not in transport:
                    found.append(f"{eid}: no operation and {code} is not a transport error")
            # Never echo payloads: no request payload (or long fragment of one) appears in the problem.
            if "body" in req and req["body"].endswith(".json"):
                text = json.dumps(body)
                for _, _, payload in payload_sites(load(req["body"])):
                    if len(payload) >= 12 and payload[:12] in text:
                        found.append(f"{eid}: problem echoes a request payload")
        # ---- placeholders: exactly the listed ones
        listed = {(p["file"], p["pointer"]) for p in ex.get("placeholders", [])}
        actual = set()
        for part in (req, resp):
            name = part.get("body")
            if name and name.endswith(".json"):
                for ptr, enc, payload in payload_sites(load(name)):
                    if placeholder_bytes(enc, payload) is not None:
                        actual.add((name, ptr))
        if listed != actual:
            found.append(f"{eid}: placeholders listed {sorted(listed - actual)} not found; "
                         f"unlisted placeholders {sorted(actual - listed)}")
        if bool(listed) != (ex.get("payload") == "placeholder"):
            found.append(f"{eid}: `payload: placeholder` does not match the placeholder list")
    for code in codes:
        if code not in seen_codes:
            found.append(f"no example for error code {code}")
    for name in ops:
        if name not in seen_ops:
            found.append(f"no example for operation {name}")
    on_disk = {p.name for p in EXAMPLES.iterdir() if p.is_file()}
    for name in sorted(on_disk - listed_files):
        found.append(f"{name} is not listed in index.json")
    return found


# ----------------------------------------------------------------------- bundling (GET /openapi.yaml)
def component_name(rel: str) -> str:
    return rel.removeprefix("schemas/").removesuffix(".json").replace("/", ".")


def bundle_openapi(spec: dict, schemas: dict[str, dict]) -> dict:
    """The self-contained document GET /openapi.yaml serves: every schemas/ file used becomes
    components/schemas/<name> (name = path below schemas/ without .json, '/' -> '.'), $id and $schema are
    dropped, and every $ref is rewritten to a local JSON Pointer."""
    out = copy.deepcopy(spec)
    comps = out.setdefault("components", {}).setdefault("schemas", {})

    def local(target_rel: str, frag: str) -> str:
        return f"#/components/schemas/{component_name(target_rel)}{frag}"

    def rewrite(node: Any, base_rel: str | None) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target, frag = urldefrag(ref)
                if base_rel is None:  # in openapi.yaml
                    if target:
                        node["$ref"] = local(target, frag)
                else:
                    base = schema_uri(base_rel)
                    absolute, frag = urldefrag(urljoin(base, ref))
                    node["$ref"] = local("schemas/" + absolute.removeprefix(SCHEMA_BASE), frag)
            for v in node.values():
                rewrite(v, base_rel)
        elif isinstance(node, list):
            for v in node:
                rewrite(v, base_rel)

    rewrite(out, None)
    for rel, doc in schemas.items():
        body = {k: v for k, v in copy.deepcopy(doc).items() if k not in ("$id", "$schema")}
        rewrite(body, rel)
        comps[component_name(rel)] = body
    return out


# =============================================================================== tests
def test_catalogue_is_well_formed():
    assert check_catalogue(catalogue()) == []


def test_catalogue_negative():
    cat = copy.deepcopy(catalogue())
    cat["codes"].append(dict(cat["codes"][0]))  # duplicate
    assert any("duplicate code" in f for f in check_catalogue(cat))
    cat = copy.deepcopy(catalogue())
    cat["codes"][0]["code"] = "lower_case"
    assert check_catalogue(cat)
    cat = copy.deepcopy(catalogue())
    next(c for c in cat["codes"] if c["code"] == "QUEUE_FULL")["retryable"] = False
    assert check_catalogue(cat)


def test_engine_codes_all_mapped():
    if not ENGINE_STATUS_H.exists():
        pytest.skip("engine/status.h not present")
    engine = engine_codes()
    assert len(engine) > 10
    assert check_engine_mapping(catalogue(), engine) == []


def test_engine_mapping_negative():
    engine = ["OK", "TRUNCATED", "BRAND_NEW_CODE"]
    cat = copy.deepcopy(catalogue())
    found = check_engine_mapping(cat, engine)
    assert any("BRAND_NEW_CODE" in f for f in found)
    cat["engine_mapping"]["ciphertext_load"]["TRUNCATED"] = "INTERNAL_ERROR"
    assert any("not a catalogue code" in f for f in check_engine_mapping(cat, ["OK", "TRUNCATED"]))


def test_openapi_passes_validator():
    validate_openapi(openapi(), base_uri=OPENAPI.as_uri())


def test_openapi_validator_negative():
    broken = copy.deepcopy(openapi())
    del broken["info"]
    with pytest.raises(Exception):
        validate_openapi(broken, base_uri=OPENAPI.as_uri())
    broken = copy.deepcopy(openapi())
    del broken["paths"]["/v1/infer"]["post"]["responses"]["200"]["description"]  # required in a Response Object
    with pytest.raises(Exception):
        validate_openapi(broken, base_uri=OPENAPI.as_uri())
    broken = copy.deepcopy(openapi())
    broken["paths"]["/v1/jobs/{job_id}"]["get"]["parameters"] = [{"$ref": "#/components/parameters/API-Version"}]
    with pytest.raises(Exception):  # the path template's {job_id} is no longer declared
        validate_openapi(broken, base_uri=OPENAPI.as_uri())


def test_openapi_refs_resolve():
    assert check_openapi_refs(openapi(), schema_files()) == []


def test_openapi_refs_negative():
    broken = copy.deepcopy(openapi())
    broken["paths"]["/v1/infer"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {"$ref": "schemas/nope.json"}
    assert check_openapi_refs(broken, schema_files())
    broken["paths"]["/v1/infer"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {"$ref": "schemas/defs.json#/$defs/nope"}
    assert check_openapi_refs(broken, schema_files())


def check_bodies_reference_schema_files(spec: dict) -> list[str]:
    """JSON request and response bodies are $refs to schemas/ (allOf/anyOf of $refs allowed), never copies."""
    found = []
    for path, method, op in operations(spec):
        bodies = []
        if "requestBody" in op:
            bodies += [(f"{method} {path} request", m["schema"]) for m in op["requestBody"]["content"].values()]
        for status, resp in op["responses"].items():
            for media, m in resp.get("content", {}).items():
                if media.startswith("application/") and media != "application/yaml":
                    bodies.append((f"{method} {path} {status}", m["schema"]))
        for where, schema in bodies:
            parts = schema.get("allOf") or schema.get("anyOf") or [schema]
            refs = [p for p in parts if set(p) == {"$ref"} and p["$ref"].startswith("schemas/")]
            # besides $refs, only a narrowing of the job status (200: final, 202: pending) is allowed inline
            narrowing = [p for p in parts
                         if p == {"properties": {"status": {"enum": p.get("properties", {}).get("status", {}).get("enum")}}}]
            if not refs or len(refs) + len(narrowing) != len(parts) or len(schema) != 1:
                found.append(where)
    return found


def test_openapi_uses_schema_files_not_copies():
    assert check_bodies_reference_schema_files(openapi()) == []


def test_openapi_copies_are_detected():
    spec = copy.deepcopy(openapi())
    spec["paths"]["/v1/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = \
        copy.deepcopy(schema_files()["schemas/health-response.json"])
    assert check_bodies_reference_schema_files(spec) == ["get /v1/health 200"]


def test_bundled_openapi_is_self_contained_and_valid():
    bundled = bundle_openapi(openapi(), schema_files())
    external = [ref for _, ref in walk_refs(bundled) if not ref.startswith("#")]
    assert external == []
    validate_openapi(bundled)
    # The rewritten references still mean the same: validate examples through the bundle.
    reg = Registry().with_resource("urn:ei:bundle", Resource.from_contents(bundled, default_specification=DRAFT202012))
    for name, example in [("job", "root-job-completed.response.json"), ("model-card", "v1-model-card.response.json"),
                          ("plain-request", "v1-infer-plain-batch.request.json")]:
        v = Draft202012Validator({"$ref": f"urn:ei:bundle#/components/schemas/{name}"}, registry=reg)
        assert list(v.iter_errors(example_body(example))) == [], name
    v = Draft202012Validator({"$ref": "urn:ei:bundle#/components/schemas/plain-request"}, registry=reg)
    assert list(v.iter_errors(dict(example_body("v1-infer-plain-batch.request.json"), extra=1))) != []


def test_schemas_are_valid_2020_12():
    assert check_schema_documents(schema_files()) == []


def test_schemas_negative():
    bad = copy.deepcopy(schema_files())
    bad["schemas/job.json"]["properties"]["status"] = {"type": "strng"}
    assert any("job.json" in f for f in check_schema_documents(bad))
    bad = copy.deepcopy(schema_files())
    bad["schemas/job.json"]["$id"] = "https://example.com/job.json"
    assert check_schema_documents(bad)


def test_schema_refs_resolve():
    assert check_schema_refs(schema_files()) == []


def test_schema_refs_negative():
    bad = copy.deepcopy(schema_files())
    bad["schemas/job.json"]["properties"]["job_id"] = {"$ref": "defs.json#/$defs/no_such_def"}
    assert any("job.json" in f for f in check_schema_refs(bad))


def test_every_schema_is_referenced():
    assert check_all_schemas_referenced(openapi(), schema_files()) == []


def test_unreferenced_schema_is_detected():
    schemas = dict(schema_files())
    schemas["schemas/orphan.json"] = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                                      "$id": SCHEMA_BASE + "orphan.json", "type": "object"}
    assert check_all_schemas_referenced(openapi(), schemas) == ["schemas/orphan.json is referenced neither from openapi.yaml nor from another schema"]


def test_every_code_in_openapi_with_its_status():
    assert check_codes_in_openapi(catalogue(), openapi()) == []


def test_codes_in_openapi_negative():
    spec = copy.deepcopy(openapi())
    resp = spec["paths"]["/v1/infer"]["post"]["responses"]
    resp["400"]["x-error-codes"].append("QUEUE_FULL")  # wrong status
    assert any("QUEUE_FULL listed under 400" in f for f in check_codes_in_openapi(catalogue(), spec))
    cat = copy.deepcopy(catalogue())
    cat["codes"].append({**cat["codes"][0], "code": "NEW_UNLISTED_CODE"})
    assert any("NEW_UNLISTED_CODE appears in no error response" in f for f in check_codes_in_openapi(cat, openapi()))


def test_every_code_in_docs_with_its_status():
    engine = engine_codes() if ENGINE_STATUS_H.exists() else []
    assert check_codes_in_docs(catalogue(), API_MD.read_text(encoding="utf-8"), engine) == []


def test_codes_in_docs_negative():
    md = API_MD.read_text(encoding="utf-8")
    engine = engine_codes() if ENGINE_STATUS_H.exists() else []
    cat = copy.deepcopy(catalogue())
    next(c for c in cat["codes"] if c["code"] == "CONTEXT_BUDGET_EXCEEDED")["status"] = 422
    found = check_codes_in_docs(cat, md, engine)
    assert any("error table differs" in f for f in found)
    assert any("says 409 for CONTEXT_BUDGET_EXCEEDED" in f for f in found)
    assert check_codes_in_docs(catalogue(), md.replace("`PARAMS_MISMATCH`", "`PARAMS_MISMATCHED`"), engine)
    assert check_codes_in_docs(catalogue(), md + "\nA stray 404 `QUEUE_FULL` here.\n", engine)


def test_examples_validate_and_cover_everything():
    assert check_examples(example_index(), catalogue(), openapi(), schema_files()) == []


def _mutated_index_check(mutate) -> list[str]:
    """Runs check_examples with the index and/or some example bodies replaced in memory."""
    index = copy.deepcopy(example_index())
    replaced: dict[str, Any] = {}
    mutate(index, replaced, example_body)
    return check_examples(index, catalogue(), openapi(), schema_files(),
                          load=lambda name: replaced[name] if name in replaced else example_body(name))


def test_mutated_examples_are_rejected():
    def extra_member(index, o, body):  # requests are closed
        o["v1-infer-async.request.json"] = dict(body("v1-infer-async.request.json"), priority="high")
    assert any("v1-infer-async request" in f for f in _mutated_index_check(extra_member))

    def v10_extra(index, o, body):  # the root /models envelope and entries are closed
        b = copy.deepcopy(body("root-models.response.json"))
        b["models"][0]["layouts"] = []
        o["root-models.response.json"] = b
    assert any("root-models" in f for f in _mutated_index_check(v10_extra))

    def wrong_status(index, o, body):
        b = copy.deepcopy(body("error-scale-mismatch.response.json"))
        b["status"] = 400
        o["error-scale-mismatch.response.json"] = b
    assert any("error-scale-mismatch: body status" in f for f in _mutated_index_check(wrong_status))

    def done_status(index, o, body):  # "done" was a v1.0 documentation error, never a status
        o["root-job-completed.response.json"] = dict(body("root-job-completed.response.json"), status="done")
    assert any("root-job-completed" in f for f in _mutated_index_check(done_status))

    def unlisted_placeholder(index, o, body):
        e = next(e for e in index["examples"] if e["id"] == "error-ciphertext-malformed")
        e["placeholders"] = e["placeholders"][1:]
    assert any("unlisted placeholders" in f for f in _mutated_index_check(unlisted_placeholder))

    def echo(index, o, body):
        b = dict(body("error-bad-encoding.response.json"))
        b["detail"] = "bad payload " + body("error-bad-encoding.request.json")["inputs"][1]["payload"]
        o["error-bad-encoding.response.json"] = b
    assert any("echoes" in f for f in _mutated_index_check(echo))

    def final_in_202(index, o, body):
        o["root-infer-accepted.response.json"] = body("root-job-completed.response.json")
    assert any("answered 202 with job status 'completed'" in f for f in _mutated_index_check(final_in_202))

    def failed_problem_drift(index, o, body):
        b = copy.deepcopy(body("root-job-failed.response.json"))
        b["problem"]["retryable"] = True
        o["root-job-failed.response.json"] = b
    assert any("failed job's problem retryable" in f for f in _mutated_index_check(failed_problem_drift))

    def drop_code(index, o, body):
        index["examples"] = [e for e in index["examples"] if e.get("code") != "TRANSPARENT_CIPHERTEXT"]
    found = _mutated_index_check(drop_code)
    assert any("no example for error code TRANSPARENT_CIPHERTEXT" in f for f in found)


# ----------------------------------------------------------------------- published v1.0 fixtures
# Hand-written from ../shared/design/published-v1.0.md, independently of the example files.
V10_MODELS_RESPONSE = {
    "api_version": "1.0.0",
    "models": [{
        "model_id": "logistic_v1",
        "version": "1.0.0",
        "description": "Encrypted logistic regression for binary classification",
        "he_scheme": "CKKS",
        "encryption_parameters": {"poly_modulus_degree": 16384, "scale": 1073741824,
                                  "coeff_modulus_bits": [60, 30, 30, 60], "max_multiplicative_depth": 2},
        "inference": {"input_dimension": 8, "output_dimension": 1, "activation": "polynomial_sigmoid_v1"},
        "parameters": {"weights": [0.15, -0.08, 0.11, 0.07, -0.12, 0.09, 0.05, -0.04], "bias": -0.02},
        "activation_parameters": {"kind": "polynomial_sigmoid_v1", "coefficients": [0.5, 0.197, 0.0]},
        "constraints": {"max_batch_size": 16},
    }],
}
V10_ENTRY_KEYS = ["model_id", "version", "description", "he_scheme", "encryption_parameters", "inference",
                  "parameters", "activation_parameters", "constraints"]


def v10_infer_request(batch_size: int = 1, features: int = 8) -> dict:
    return {"model_id": "logistic_v1", "version": "1.0.0", "batch_size": batch_size,
            "inputs": [{"encoding": "hex", "payload": "5ea11004" + "00" * 8} for _ in range(features)]}


def v10_client_step(job: dict) -> tuple[str, Any]:
    """What the published v1.0 client does with a GET /jobs/{id} (or POST /infer) body."""
    status = job["status"]
    if status in ("queued", "running", "pending"):
        return "poll", None
    if status == "failed":
        if not isinstance(job.get("error"), str):
            raise AssertionError("failed job without an error string")
        return "failed", job["error"]
    if status == "completed":
        r = job["result"]
        bytes.fromhex(r["payload"])  # hex -> SEAL ciphertext
        d = r["diagnostics"]
        assert isinstance(d["requested_batch_size"], int) and isinstance(d["processed_batch_size"], int)
        assert isinstance(d["batch_truncated"], bool)
        assert isinstance(r["model_id"], str) and isinstance(r["version"], str)
        return "completed", r
    raise AssertionError(f"unknown status {status!r}")


def test_v10_models_fixture_validates_against_closed_schema():
    assert errors_of("schemas/v1_0/models-response.json", V10_MODELS_RESPONSE) == []


def test_v10_models_fixture_negative():
    for mutate in (lambda d: d["models"][0].update(layouts=[]),
                   lambda d: d.update(extra=1),
                   lambda d: d["models"][0]["encryption_parameters"].update(coeff_modulus=["1"]),
                   lambda d: d["models"][0]["activation_parameters"]["coefficients"].append(0.0),
                   lambda d: d["models"][0].pop("constraints")):
        doc = copy.deepcopy(V10_MODELS_RESPONSE)
        mutate(doc)
        assert errors_of("schemas/v1_0/models-response.json", doc) != []


def test_root_models_output_is_the_published_v10_document():
    text = (EXAMPLES / "root-models.response.json").read_text(encoding="utf-8")
    assert json.loads(text) == V10_MODELS_RESPONSE
    assert re.search(r'"scale": 1073741824\s*,', text), "scale must be written as a JSON integer"
    assert list(json.loads(text)["models"][0]) == V10_ENTRY_KEYS


def test_model_card_projects_onto_the_v10_entry():
    card = example_body("v1-model-card.response.json")
    entry = {k: card[k] for k in V10_ENTRY_KEYS}
    entry["encryption_parameters"] = {k: card["encryption_parameters"][k] for k in
                                      ("poly_modulus_degree", "scale", "coeff_modulus_bits", "max_multiplicative_depth")}
    assert card["v1_0_compatible"] is True
    assert entry == V10_MODELS_RESPONSE["models"][0]
    # published primes and 8192 slots
    assert card["encryption_parameters"]["coeff_modulus"] == ["1152921504606683137", "1073479681", "1073643521",
                                                              "1152921504606748673"]
    assert card["encryption_parameters"]["slot_count"] == 8192
    fc = next(lay for lay in card["layouts"] if lay["name"] == "feature_columns")
    assert fc["input"]["parms_id"] == card["encryption_parameters"]["first_parms_id"]
    assert fc["evaluation_keys"] == {"relinearization": False, "galois_elements": [], "galois_steps": []}
    assert fc["input"]["scale"] == card["encryption_parameters"]["scale"]


def test_v10_requests_are_valid_v11_requests():
    for batch in (1, 16):
        req = v10_infer_request(batch)
        assert errors_of("schemas/v1_0/infer-request.json", req) == []
        assert errors_of("schemas/infer-request.json", req) == []
    plain = {"model_id": "logistic_v1", "version": "1.0.0", "inputs": [0.1] * 8}
    assert errors_of("schemas/v1_0/plain-request.json", plain) == []
    assert errors_of("schemas/plain-request-single.json", plain) == []
    assert errors_of("schemas/plain-request.json", plain) == []


def test_v10_and_v11_requests_are_closed():
    for rel in ("schemas/v1_0/infer-request.json", "schemas/infer-request.json"):
        assert errors_of(rel, dict(v10_infer_request(), extra=True)) != []
        req = v10_infer_request()
        req["inputs"][0]["compression"] = "none"
        assert errors_of(rel, req) != []
    mixed = v10_infer_request(features=2)
    mixed["inputs"][1]["encoding"] = "base64"
    assert errors_of("schemas/infer-request.json", mixed) != [], "inputs must share one encoding"
    assert errors_of("schemas/context-request.json", {"model_id": "m", "version": "1"}) != [], "no keys"
    assert errors_of("schemas/plain-request.json", {"model_id": "m", "version": "1", "inputs": [[0.1], 0.2]}) != []


def test_job_examples_satisfy_the_published_v10_client():
    seen = set()
    for ex in example_index()["examples"]:
        if ex.get("operation") in ("GET /jobs/{job_id}", "POST /infer") and "body" in ex["response"] \
                and ex["response"]["status"] < 300:
            job = example_body(ex["response"]["body"])
            assert errors_of("schemas/v1_0/job.json", job) == [], ex["id"]
            assert errors_of("schemas/job.json", job) == [], ex["id"]
            assert isinstance(job.get("job_id"), str)  # POST /infer: "any 2xx with a job_id"
            kind, _ = v10_client_step(job)
            seen.add(kind)
    assert seen == {"poll", "failed", "completed"}


def test_v10_client_rejects_what_v11_never_sends():
    job = copy.deepcopy(example_body("root-job-completed.response.json"))
    job["status"] = "done"
    with pytest.raises(AssertionError):
        v10_client_step(job)
    assert errors_of("schemas/job.json", job) != []
    assert errors_of("schemas/v1_0/job.json", job) != []
    failed = copy.deepcopy(example_body("root-job-failed.response.json"))
    del failed["error"]
    assert errors_of("schemas/job.json", failed) != []
    assert errors_of("schemas/v1_0/job.json", failed) != []


def test_problem_bodies_satisfy_v10_error_readers():
    for ex in example_index()["examples"]:
        if "code" in ex:
            body = example_body(ex["response"]["body"])
            assert isinstance(body["detail"], str) and body["detail"], ex["id"]
            assert errors_of("schemas/v1_0/error.json", body) == []
    assert errors_of("schemas/problem.json", {"detail": 3}) != []


def test_schema_violation_requires_errors_array():
    body = copy.deepcopy(example_body("error-schema-violation.response.json"))
    del body["errors"]
    assert errors_of("schemas/problem.json", body) != []
    other = copy.deepcopy(example_body("error-unknown-model.response.json"))
    other["errors"] = body.get("errors") or [{"pointer": "", "keyword": "type", "detail": "x"}]
    assert errors_of("schemas/problem.json", other) != []


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-error-table"]:
        md = API_MD.read_text(encoding="utf-8")
        head, rest = md.split(TABLE_BEGIN, 1)
        _, tail = rest.split(TABLE_END, 1)
        API_MD.write_text(f"{head}{TABLE_BEGIN}\n{render_error_table(catalogue())}\n{TABLE_END}{tail}", encoding="utf-8")
        print(f"wrote the error table into {API_MD.relative_to(ROOT)}")
    else:
        sys.exit(pytest.main([__file__, "-q"]))
