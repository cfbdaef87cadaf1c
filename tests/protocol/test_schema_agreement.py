"""The C++ typed decoders (protocol/messages.cpp) agree with the JSON Schemas on request acceptance.

Bodies: every valid request example of docs/api/examples plus systematic mutations of each (members
removed, unknown members added, every member and every nested member replaced by values of other
types and boundary values). jsonschema (Draft 2020-12, the schemas of schemas/) decides validity;
the decoder CLI (tests/protocol/decode_cli.cpp) must ACCEPT exactly the valid ones (or answer
UNSUPPORTED_API_VERSION, which is decided after the schema) and answer SCHEMA_VIOLATION otherwise.
"""
from __future__ import annotations

import copy
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "api"))
import test_protocol_artifacts as artifacts  # noqa: E402

EXAMPLES = ROOT / "docs" / "api" / "examples"
SCHEMAS = [
    "schemas/infer-request.json",
    "schemas/plain-request.json",
    "schemas/plain-request-single.json",
    "schemas/context-request.json",
]
PROBES = [None, True, False, 0, 1, -1, 1.5, 2.0, 1e13, -1e13, 1e300, "", "x", "A" * 129, "1.1", "2",
          "feature_columns", "hex", "base64", "zlib", "a" * 64, [], [1], [[1]], {}, {"encoding": "hex", "payload": "00"}]


def decoder_path() -> str:
    if os.environ.get("EI_PROTOCOL_DECODER"):
        return os.environ["EI_PROTOCOL_DECODER"]
    default = ROOT / "build" / "release" / "tests" / "protocol" / "ei_protocol_decode_cli"
    return str(default)


def base_bodies() -> list[tuple[str, object]]:
    out = []
    index = json.loads((EXAMPLES / "index.json").read_text())
    for ex in index["examples"]:
        req = ex.get("request") or {}
        if req.get("schema") in SCHEMAS and req.get("body", "").endswith(".json") and req.get("valid", True):
            out.append((req["schema"], json.loads((EXAMPLES / req["body"]).read_text())))
    out.append(("schemas/plain-request.json", {"model_id": "m", "version": "1", "inputs": [[1, 2], [3, 4]]}))
    out.append(("schemas/context-request.json",
                {"model_id": "m", "version": "1", "relin_keys": {"encoding": "hex", "payload": "00"},
                 "galois_keys": {"encoding": "base64", "payload": "AA=="}, "ttl_seconds": 60}))
    out.append(("schemas/infer-request.json",
                {"api_version": "1.1.0", "model_id": "m", "version": "1", "batch_size": 3, "layout": "packed_rows",
                 "context_id": "a" * 64, "result_compression": "zlib",
                 "inputs": [{"encoding": "base64", "payload": "AA=="}]}))
    return out


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            yield from paths(v, prefix + (i,))


def get_parent(doc, path):
    node = doc
    for p in path[:-1]:
        node = node[p]
    return node


def mutations(body):
    yield body
    for path in paths(body):
        if not path:
            for probe in PROBES:
                yield probe
            continue
        parent = get_parent(body, path)
        if isinstance(parent, dict):
            m = copy.deepcopy(body)
            del get_parent(m, path)[path[-1]]
            yield m
            m = copy.deepcopy(body)
            get_parent(m, path)["unexpected_member"] = 1
            yield m
        if isinstance(parent, list):
            m = copy.deepcopy(body)
            get_parent(m, path).append(copy.deepcopy(parent[path[-1]]))
            yield m
            m = copy.deepcopy(body)
            lst = get_parent(m, path)
            del lst[path[-1]]
            yield m
        for probe in PROBES:
            m = copy.deepcopy(body)
            get_parent(m, path)[path[-1]] = copy.deepcopy(probe)
            yield m


def shrink(body):
    """Payload strings of the examples are long placeholders: keep them short."""
    if isinstance(body, dict):
        return {k: ("00" if k == "payload" and isinstance(v, str) and len(v) > 8 else shrink(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [shrink(v) for v in body]
    return body


def test_decoder_agrees_with_schemas():
    decoder = decoder_path()
    if not pathlib.Path(decoder).exists():
        pytest.skip(f"decoder CLI not built: {decoder}")
    cases = []
    seen = set()
    for schema, body in base_bodies():
        for m in mutations(shrink(body)):
            text = json.dumps(m)
            if (schema, text) in seen:
                continue
            seen.add((schema, text))
            cases.append((schema, m, text))
    lines = "".join(json.dumps({"schema": s, "body": t}) + "\n" for s, _, t in cases)
    out = subprocess.run([decoder], input=lines, capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == len(cases)
    disagreements = []
    for (schema, body, text), verdict in zip(cases, out):
        valid = not artifacts.errors_of(schema, body)
        accepted = verdict in ("ACCEPT", "UNSUPPORTED_API_VERSION")
        if valid != accepted or (not accepted and verdict != "SCHEMA_VIOLATION"):
            disagreements.append(f"{schema}: schema valid={valid}, decoder={verdict}: {text[:300]}")
    assert len(cases) > 500
    assert not disagreements, "\n".join(disagreements[:30]) + f"\n({len(disagreements)} disagreements of {len(cases)})"
