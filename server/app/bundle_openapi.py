#!/usr/bin/env python3
"""Writes the self-contained OpenAPI document GET /openapi.yaml serves (docs/api.md §18).

Every file of schemas/ becomes components/schemas/<name> (name = its path below schemas/ without
.json, '/' replaced by '.'), without $id/$schema, and every $ref (in openapi.yaml and inside the
schemas) is rewritten to a local JSON Pointer. This is the algorithm of `bundle_openapi` in
tests/api/test_protocol_artifacts.py (the reference); tests/server/app/test_openapi_bundle.py checks
that both produce the same document.

Usage: bundle_openapi.py REPO_ROOT OUTPUT.yaml
"""
from __future__ import annotations

import copy
import json
import pathlib
import sys
from urllib.parse import urldefrag, urljoin

import yaml

SCHEMA_BASE = "https://encrypted-inference.invalid/schemas/"


def component_name(rel: str) -> str:
    return rel.removeprefix("schemas/").removesuffix(".json").replace("/", ".")


def schema_uri(rel: str) -> str:
    return SCHEMA_BASE + rel.removeprefix("schemas/")


def bundle(spec: dict, schemas: dict[str, dict]) -> dict:
    out = copy.deepcopy(spec)
    comps = out.setdefault("components", {}).setdefault("schemas", {})

    def local(target_rel: str, frag: str) -> str:
        return f"#/components/schemas/{component_name(target_rel)}{frag}"

    def rewrite(node, base_rel):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target, frag = urldefrag(ref)
                if base_rel is None:
                    if target:
                        node["$ref"] = local(target, frag)
                else:
                    absolute, frag = urldefrag(urljoin(schema_uri(base_rel), ref))
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


def main(argv: list[str]) -> int:
    root = pathlib.Path(argv[1])
    output = pathlib.Path(argv[2])
    spec = yaml.safe_load((root / "openapi.yaml").read_text(encoding="utf-8"))
    schemas = {p.relative_to(root).as_posix(): json.loads(p.read_text(encoding="utf-8"))
               for p in sorted((root / "schemas").rglob("*.json"))}
    text = yaml.safe_dump(bundle(spec, schemas), sort_keys=False, allow_unicode=True, width=120)
    output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
