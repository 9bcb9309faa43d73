"""The OpenAPI document describes the conventions every endpoint follows."""

import pytest
from django.test import Client

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture
def schema(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _response_schema(schema, response):
    content = response.get("content", {}).get("application/json", {})
    return _resolve(schema, content.get("schema", {}))


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in WRITES | {"get"}:
                yield path, method, op


def test_the_document_has_operations(schema):
    ops = list(_operations(schema))
    assert len(ops) >= 15
    assert ("/api/v1/pupils", "post") in {(p, m) for p, m, _ in ops}


def test_list_endpoints_declare_limit_and_offset(schema):
    missing = []
    for path, method, op in _operations(schema):
        if method != "get" or "200" not in op["responses"]:
            continue
        body = _response_schema(schema, op["responses"]["200"])
        if not {"items", "count"} <= set(body.get("properties", {})):
            continue
        params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if not {"limit", "offset"} <= params:
            missing.append(f"GET {path}")
    assert not missing


def test_writes_document_401_403_and_422(schema):
    missing = []
    for path, method, op in _operations(schema):
        if method not in WRITES:
            continue
        documented = set(op["responses"])
        needed = {"422"}
        if op.get("security"):  # auth=None endpoints such as /auth/token need no 401/403
            needed |= {"401", "403"}
        if not needed <= documented:
            missing.append(f"{method.upper()} {path}: {sorted(needed - documented)}")
    assert not missing


def test_authenticated_endpoints_document_401(schema):
    missing = [f"{m.upper()} {p}" for p, m, op in _operations(schema)
               if op.get("security") and "401" not in op["responses"]]
    assert not missing


def test_every_documented_client_error_uses_the_error_schema(schema):
    wrong = []
    for path, method, op in _operations(schema):
        for status, response in op["responses"].items():
            if not status.startswith("4"):
                continue
            body = _response_schema(schema, response)
            if not {"code", "message"} <= set(body.get("properties", {})):
                wrong.append(f"{method.upper()} {path} {status}")
    assert not wrong


def test_docs_page_is_html(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "/api/v1/openapi.json" in response.content.decode()


def test_schema_names_are_unique_across_apps():
    # ninja names each OpenAPI component after its class: two apps' ``CourseOut`` would silently
    # share one component, and clients would be told the wrong fields for one of them.
    import importlib
    from pathlib import Path

    from ninja import Schema

    seen = {}
    for path in sorted(Path(__file__).resolve().parents[2].glob("*/api.py")):
        module = importlib.import_module(f"{path.parent.name}.api")
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Schema) and \
                    value.__module__ == module.__name__:
                assert name not in seen, f"{name} is defined in {seen[name]} and {module.__name__}"
                seen[name] = module.__name__
    assert "ProgrammeOut" in seen and "InstitutionOut" in seen
