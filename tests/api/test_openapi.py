"""The OpenAPI document tells the truth: bearer sign-in on every operation, real answers match its schemas."""

from __future__ import annotations

import copy

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.api.test_crm_connect import sf, sf_app  # noqa: F401 (fixtures: Salesforce per-rep connect)
from tests.conftest import REP, ApiClient

EMAIL = {
    "message_id": "<openapi-1@northwind.example>",
    "subject": "Re: pilot",
    "from": "nadia@northwind.example",
    "to": [REP],
    "sent_at": "2026-11-20T10:00:00+00:00",
    "body": "Looks good",
    "rating": "positive",
}


def _closed(node):
    """The schemas with every documented object closed: an undocumented field fails validation."""
    if isinstance(node, dict):
        node = {k: _closed(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


class Documented:
    """Checks a response against the schema the document gives for its operation and status."""

    def __init__(self, spec: dict):
        self.spec, self.components = spec, _closed(copy.deepcopy(spec["components"]))
        self.checked: set[tuple[str, str, int]] = set()

    def check(self, response, path: str, method: str) -> dict:
        responses = self.spec["paths"][path][method]["responses"]
        entry = responses.get(str(response.status_code)) or responses["default"]
        if "$ref" in entry:
            entry = self.spec["components"]["responses"][entry["$ref"].rsplit("/", 1)[1]]
        schema = {**entry["content"]["application/json"]["schema"], "components": self.components}
        body = response.get_json()
        OAS30Validator(schema, format_checker=oas30_format_checker).validate(body)
        self.checked.add((path, method, response.status_code))
        return body


@pytest.fixture
def documented(app) -> Documented:
    return Documented(app.test_client().get("/api/v1/openapi.json").get_json())


def test_every_operation_needs_the_bearer_token(app, documented):
    spec = documented.spec
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    operations = [
        (p, m, op) for p, item in spec["paths"].items() for m, op in item.items() if m != "parameters"
    ]
    served = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert {(p, m) for p, m, _ in operations} == served  # every route served is documented, none more
    for path, method, op in operations:
        assert {"bearerAuth": []} in op.get("security", spec["security"]), (path, method)
    assert app.test_client().get("/api/v1/openapi.json").status_code == 200  # the document itself is public


def test_real_answers_of_every_route_match_the_document(app, api, api2, crm, deal_ids, documented):
    deal_id = deal_ids["nw-fleet"]
    deal_path, emails_path = "/api/v1/deals/{deal_id}", "/api/v1/deals/{deal_id}/emails"
    check = documented.check

    context = api.get("/api/v1/context?email=nadia@northwind.example&message_id=<x@y.example>")
    assert check(context, "/api/v1/context", "get")["contacts"]
    assert check(api.get("/api/v1/pipeline"), "/api/v1/pipeline", "get")["deals"]
    deal = check(api.get(f"/api/v1/deals/{deal_id}"), deal_path, "get")
    assert deal["amount"] is None or isinstance(deal["amount"], str)

    saved = api.patch(f"/api/v1/deals/{deal_id}", json={"version": deal["version"], "next_step": "Call"})
    assert saved.status_code == 200 and check(saved, deal_path, "patch")["deal"]
    stale = api2.patch(f"/api/v1/deals/{deal_id}", json={"version": deal["version"], "next_step": "Other"})
    assert stale.status_code == 409 and check(stale, deal_path, "patch")["theirs"]
    invalid = api.patch(f"/api/v1/deals/{deal_id}", json={"version": "v", "stage": "no_such_stage"})
    assert invalid.status_code == 422 and check(invalid, deal_path, "patch")
    current = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    crm.reject_with = "Close date is required to close a deal."
    refused = api.patch(f"/api/v1/deals/{deal_id}", json={"version": current, "stage": "closed_won"})
    assert refused.status_code == 422 and check(refused, deal_path, "patch")["reason"] == "crm_rejected"
    crm.reject_with, crm.down = None, True
    queued = api.patch(f"/api/v1/deals/{deal_id}", json={"version": current, "next_step": "Later"})
    assert queued.status_code == 202 and check(queued, deal_path, "patch")["change"]["state"] == "queued"
    crm.down = False

    logged = api.post(f"/api/v1/deals/{deal_id}/emails", json=EMAIL)
    assert logged.status_code in (200, 202) and check(logged, emails_path, "post")
    change_id = queued.get_json()["change"]["id"]
    assert check(api.get(f"/api/v1/changes/{change_id}"), "/api/v1/changes/{change_id}", "get")["id"]

    for error in [
        app.test_client().get("/api/v1/pipeline"),  # 401
        api.get("/api/v1/deals/999999"),  # 404
        api.patch(f"/api/v1/deals/{deal_id}", data="{", headers={"Content-Type": "application/json"}),  # 400
        api.post("/api/v1/crm/connect"),  # 404: the embedded CRM needs no per-rep connection
    ]:
        assert error.status_code >= 400 and check(
            error, _template(error.request.path), error.request.method.lower()
        )
    assert {status for *_, status in documented.checked} >= {200, 202, 400, 401, 404, 409, 422}


def test_the_connect_link_matches_the_document(sf_app, idp):  # noqa: F811
    documented = Documented(sf_app.test_client().get("/api/v1/openapi.json").get_json())
    api = ApiClient(sf_app.test_client(), idp.mint(email=REP))

    link = api.post("/api/v1/crm/connect")

    assert link.status_code == 200 and documented.check(link, "/api/v1/crm/connect", "post")["url"]


def _template(path: str) -> str:
    parts = path.split("/")
    if len(parts) > 4 and parts[3] in {"deals", "changes"}:
        parts[4] = "{deal_id}" if parts[3] == "deals" else "{change_id}"
    return "/".join(parts)
