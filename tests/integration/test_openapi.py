"""`GET /openapi.json` describes every route the app serves, and nothing it does not."""

from __future__ import annotations

import re

import schemathesis
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from service.app import create_app
from service.scoring.scorer import Scorer
from service.settings import Settings

BODYLESS_ACTIONS = {"reveal-email", "ban-author", "unban-author"}  # the comment's id in the path says it all
CONVERTOR = re.compile(r"\{(\w+):\w+\}")  # `{comment_id:id}` in a route is `{comment_id}` in OpenAPI


def served_operations(client: TestClient) -> set[tuple[str, str]]:
    operations = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            operations.add((route.path + "/{file}", "get"))
        elif isinstance(route, Route):
            path = CONVERTOR.sub(r"{\1}", route.path)
            operations |= {(path, method.lower()) for method in route.methods or () if method != "HEAD"}
    return operations


def test_every_route_is_in_the_document_and_every_documented_route_is_served(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    document = r.json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    served = served_operations(client)
    assert served - documented == set(), "routes missing from service/views/openapi_document.py"
    assert documented - served == set(), "documented routes the app does not serve"


def test_every_operation_describes_its_answers_and_its_inputs(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["summary"] and operation["responses"], (method, path)
            if method == "post" and path.rsplit("/", 1)[-1] not in BODYLESS_ACTIONS:
                assert operation["requestBody"]["content"], (method, path)
            named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert named == set(re.findall(r"\{(\w+)\}", path)), (method, path)


def test_the_document_is_valid_openapi_that_a_fuzzer_loads(settings: Settings, scorer: Scorer) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, scorer=scorer))
    schema.validate()
    loaded = {(result.ok().path, result.ok().method) for result in schema.get_all_operations()}
    documented = {(path, method) for path, item in schema.raw_schema["paths"].items() for method in item}
    # The fuzzer leaves out the operation that serves the document it was loaded from.
    assert loaded == documented - {("/openapi.json", "get")}
