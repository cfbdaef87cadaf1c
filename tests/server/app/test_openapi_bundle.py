"""GET /openapi.yaml (the build-time bundle of server/app/bundle_openapi.py, embedded in the binary)
equals the reference bundling of tests/api/test_protocol_artifacts.py and is a valid OpenAPI 3.1
document without external references."""
from __future__ import annotations

import os
import pathlib
import sys

import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "api"))
import test_protocol_artifacts as artifacts  # noqa: E402


def test_bundle_equals_reference_and_validates():
    path = pathlib.Path(os.environ.get("EI_BUNDLED_OPENAPI", ROOT / "build/release/server/app/openapi.bundled.yaml"))
    if not path.exists():
        pytest.skip(f"not built: {path}")
    served = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert served == artifacts.bundle_openapi(artifacts.openapi(), artifacts.schema_files())
    assert [r for _, r in artifacts.walk_refs(served) if not r.startswith("#")] == []
    validate_openapi(served)
