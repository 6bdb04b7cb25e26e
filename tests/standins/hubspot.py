"""Loopback HubSpot stand-in following the documented wire formats of the 2026-03 CRM APIs.

String property values; objects CRUD, `batch/read` (also by `idProperty`), `search` with filterGroups
(OR of ANDed filters, `associations.<type>` pseudo-properties), associations batch read (v4 shape with
labels), pipelines (stages with `writePermissions`), owners, properties; error bodies with `category`;
429 bodies with `policyName` and X-HubSpot-RateLimit-* headers. `calls` logs every request; `lagging`
hides new objects from search until `catch_up()`; `throttle(policy)` answers the next call with a 429;
`lose_next_answer(path)` performs the next POST to `path` but fails its answer. Linking an email to a
deal recalculates the deal's activity roll-ups (`num_contacted_notes`, `notes_last_contacted` from logged
outgoing emails, `hs_sales_email_last_replied` from incoming ones), which HubSpot does in the background.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from werkzeug.wrappers import Request, Response

from tests.standins.hubspot_oauth import OAuthEndpoints
from tests.standins.idp import LoopbackServer, LoopbackStandIn

TOKEN = "pat-na1-standin"
V = "2026-03"
TYPES = {"0-1": "contacts", "0-3": "deals", "0-49": "emails"}
LABELS = {3: "deal_to_contact", 4: "contact_to_deal", 210: "email_to_deal", 198: "email_to_contact"}


class HubSpotStandin(OAuthEndpoints, LoopbackStandIn):
    """One HubSpot account (portal) with one deal pipeline; its users connect through OAuth too."""

    def __init__(self):
        self.objects: dict[str, dict[str, dict]] = {"contacts": {}, "deals": {}, "emails": {}}
        self.links: set[tuple[str, str, str, str, str]] = set()  # (from type, from id, to type, to id, label)
        self.owners: list[dict] = []
        self.properties: dict[str, set[str]] = {"emails": set(), "deals": set()}
        self.property_defs: dict[tuple[str, str], dict] = {}  # created through the API
        self.property_groups: dict[str, set[str]] = {}
        self.pipelines: list[dict] = []
        self.calls: list[str] = []
        self.unindexed: set[str] = set()
        self.lagging = False
        self._throttle: list[str] = []
        self._lose: set[str] = set()
        self._ids = itertools.count(1001)
        self._clock = datetime(2026, 11, 20, 9, tzinfo=UTC)
        self._lock = threading.RLock()
        self._init_oauth()
        self._server = LoopbackServer(self)
        self.url = self._server.url

    # --- test controls -------------------------------------------------------------------

    def settings_overrides(self) -> dict:
        """Settings that point the adapter here."""
        return {
            "crm": "hubspot",
            "hubspot_api_url": self.url,
            "hubspot_access_token": TOKEN,
            "hubspot_portal_id": "4242",
        }

    def throttle(self, policy: str, times: int = 1) -> None:
        """Answer the next `times` calls with a 429 of this policy."""
        self._throttle.extend([policy] * times)

    def lose_next_answer(self, path: str) -> None:
        """Do the next POST to `path`, then answer 502 as a proxy losing the response would."""
        self._lose.add(path)

    def catch_up(self) -> None:
        """The search index catches up with every write."""
        self.unindexed.clear()

    def count(self, prefix: str = "") -> int:
        """Calls whose "METHOD path" starts with `prefix`."""
        return sum(1 for c in self.calls if c.startswith(prefix))

    # --- data ----------------------------------------------------------------------------

    def now(self) -> str:
        """A strictly increasing modification time."""
        with self._lock:
            self._clock += timedelta(seconds=1)
            return self._clock.isoformat().replace("+00:00", "Z")

    def create(self, kind: str, props: dict, object_id: str | None = None) -> str:
        """Store an object; values are kept as strings, as HubSpot returns them."""
        with self._lock:
            object_id = object_id or str(next(self._ids))
            stamp = self.now()
            values = {k: _s(v) for k, v in props.items()}
            values.update(hs_object_id=object_id, hs_lastmodifieddate=stamp, hs_createdate=stamp)
            self.objects[kind][object_id] = {
                "id": object_id,
                "properties": values,
                "createdAt": stamp,
                "archived": False,
            }
            if self.lagging:
                self.unindexed.add(object_id)
            return object_id

    def update(self, kind: str, object_id: str, props: dict, user_id: str | None = None) -> dict:
        """Change properties as a user (`user_id`) or the app (None), moving hs_lastmodifieddate."""
        with self._lock:
            obj = self.objects[kind][object_id]
            obj["properties"].update({k: _s(v) for k, v in props.items()})
            obj["properties"]["hs_lastmodifieddate"] = self.now()
            obj["properties"]["hs_updated_by_user_id"] = user_id or ""
            return obj

    def link(self, a_kind: str, a_id: str, b_kind: str, b_id: str, *labels: str) -> None:
        """Associate two objects both ways, with optional user-defined labels."""
        with self._lock:
            for label in labels or ("",):
                self.links.add((a_kind, a_id, b_kind, b_id, label))
                self.links.add((b_kind, b_id, a_kind, a_id, label))
            if {a_kind, b_kind} == {"emails", "deals"}:
                self._roll_up(a_id if a_kind == "deals" else b_id)

    def _roll_up(self, deal_id: str) -> None:
        """The deal's activity roll-ups, recalculated from its emails (HubSpot does it in the background)."""
        emails = [
            self.objects["emails"][j]
            for k, i, t, j, _ in self.links
            if (k, i, t) == ("deals", deal_id, "emails")
        ]
        times = {e["id"]: _moment(e["properties"].get("hs_timestamp")) for e in emails}
        out = [
            times[e["id"]] for e in emails if e["properties"].get("hs_email_direction") != "INCOMING_EMAIL"
        ]
        replies = [
            times[e["id"]] for e in emails if e["properties"].get("hs_email_direction") == "INCOMING_EMAIL"
        ]
        self.objects["deals"][deal_id]["properties"].update(
            num_contacted_notes=str(len(out)),
            notes_last_contacted=_stamp(max(out, default=None)),
            hs_sales_email_last_replied=_stamp(max(replies, default=None)),
        )

    # --- WSGI ----------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.calls.append(f"{request.method} {request.path}")
        return self._answer(request)(environ, start_response)

    def _answer(self, request: Request) -> Response:
        oauth = self._oauth(request)
        if oauth is not None:
            status, payload, headers = oauth
            return Response(
                json.dumps(payload) if payload else "", status, headers, mimetype="application/json"
            )
        authorization = request.headers.get("Authorization", "")
        user = self.user_of(authorization)
        if authorization != f"Bearer {TOKEN}" and user is None:
            return _error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        if self._throttle:
            policy = self._throttle.pop(0)
            body = {
                "status": "error",
                "message": "You have reached your limit.",
                "errorType": "RATE_LIMIT",
                "policyName": policy,
                "correlationId": "c0ffee",
            }
            return Response(
                json.dumps(body),
                429,
                {"Retry-After": "0.01", **_limit_headers(0)},
                mimetype="application/json",
            )
        body = request.get_json(silent=True) or {}
        with self._lock:
            answer = self._route(request.method, request.path, body, request.args, user)
            if request.method == "POST" and request.path in self._lose:
                self._lose.discard(request.path)
                return _error(502, "BAD_GATEWAY", "upstream answer lost")
        if isinstance(answer, Response):
            return answer
        status, payload = answer
        return Response(json.dumps(payload), status, _limit_headers(99), mimetype="application/json")

    def _route(self, method: str, path: str, body: dict, args, user: str | None = None):
        objects = re.fullmatch(rf"/crm/objects/{V}/(\w+)(?:/(\w+))?(?:/(\w+))?", path)
        if objects and objects[1] in self.objects:
            kind, rest, sub = objects[1], objects[2], objects[3]
            if method == "POST" and rest == "batch" and sub == "read":
                return 200, self._batch_read(kind, body)
            if method == "POST" and rest == "search":
                return 200, self._search(kind, body)
            if method == "POST" and rest is None:
                return 201, self._create_api(kind, body)
            if rest and rest in self.objects[kind] and method == "PATCH":
                editor = str(self._user(user)["userId"]) if user else None  # the app's token: no user
                return 200, self._public(self.update(kind, rest, body.get("properties", {}), editor), None)
            if rest and rest in self.objects[kind] and method == "GET":
                return 200, self._public(self.objects[kind][rest], (args.get("properties") or "").split(","))
            return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        assoc = re.fullmatch(rf"/crm/associations/{V}/(\w+)/(\w+)/batch/read", path)
        if assoc and method == "POST":
            return 200, self._assoc_read(assoc[1], assoc[2], body)
        if path == f"/crm/pipelines/{V}/deals" and method == "GET":
            return 200, {"results": self.pipelines}
        if path == f"/crm/owners/{V}" and method == "GET":
            return 200, {"results": self.owners}
        props = re.fullmatch(rf"/crm/properties/{V}/(\w+)(?:/(\w+))?(?:/(\w+))?", path)
        if props:
            return self._properties_api(method, props[1], props[2], props[3], body)
        return _error(404, "OBJECT_NOT_FOUND", "no such endpoint")

    def _public(self, obj: dict, wanted) -> dict:
        props = obj["properties"]
        keep = {k: props.get(k) for k in wanted if k} if wanted else dict(props)
        return {
            "id": obj["id"],
            "properties": keep,
            "createdAt": obj["createdAt"],
            "updatedAt": props["hs_lastmodifieddate"],
            "archived": False,
        }

    def _batch_read(self, kind: str, body: dict) -> dict:
        key = body.get("idProperty")
        found = []
        for item in body.get("inputs", []):
            wanted = str(item["id"])
            for obj in self.objects[kind].values():
                value = obj["properties"].get(key, "").lower() if key else obj["id"]
                if value == (wanted.lower() if key else wanted):
                    found.append(self._public(obj, body.get("properties")))
        return {"status": "COMPLETE", "results": found}

    def _search(self, kind: str, body: dict) -> dict:
        groups = body.get("filterGroups") or [{"filters": []}]
        hits = [
            obj
            for oid, obj in self.objects[kind].items()
            if oid not in self.unindexed
            and any(all(self._matches(kind, obj, f) for f in g["filters"]) for g in groups)
        ]
        limit = int(body.get("limit", 10))
        return {
            "total": len(hits),
            "results": [self._public(o, body.get("properties")) for o in hits[:limit]],
        }

    def _matches(self, kind: str, obj: dict, f: dict) -> bool:
        name, value = f["propertyName"], str(f.get("value", ""))
        if name.startswith("associations."):
            target = name.split(".", 1)[1] + "s"
            return any(
                k == kind and i == obj["id"] and t == target and j == value for k, i, t, j, _ in self.links
            )
        assert f.get("operator", "EQ") == "EQ", "the stand-in knows EQ only"
        return obj["properties"].get(name) == value

    def _create_api(self, kind: str, body: dict) -> dict:
        unknown = [
            k for k in body.get("properties", {}) if k.startswith("addin_") and k not in self.properties[kind]
        ]
        if unknown:
            return _error(
                400, "VALIDATION_ERROR", f"Property values were not valid: {unknown[0]} does not exist"
            )
        object_id = self.create(kind, body.get("properties", {}))
        for a in body.get("associations", []):
            target = "deals" if a["types"][0]["associationTypeId"] == 210 else "contacts"
            self.link(kind, object_id, target, str(a["to"]["id"]))
        return self._public(self.objects[kind][object_id], None)

    def _assoc_read(self, source: str, target: str, body: dict) -> dict:
        results = []
        for item in body.get("inputs", []):
            to: dict[str, list] = {}
            for k, i, t, j, label in sorted(self.links):
                if k == source and i == str(item["id"]) and t == target:
                    to.setdefault(j, []).append(
                        {
                            "category": "USER_DEFINED" if label else "HUBSPOT_DEFINED",
                            "typeId": 1 if label else 4,
                            "label": label or None,
                        }
                    )
            if to:
                results.append(
                    {
                        "from": {"id": str(item["id"])},
                        "to": [{"toObjectId": int(j), "associationTypes": types} for j, types in to.items()],
                    }
                )
        return {"status": "COMPLETE", "results": results}

    def _properties_api(self, method: str, kind: str, name: str | None, group: str | None, body: dict):
        """Properties and property groups: read one, or create one (409 when it exists)."""
        groups = self.property_groups.setdefault(kind, set())
        if name == "groups" and method == "GET" and group:
            return (200, {"name": group}) if group in groups else _error(404, "OBJECT_NOT_FOUND", "no group")
        if name == "groups" and method == "POST" and not group:
            if body["name"] in groups:
                return _error(409, "OBJECT_ALREADY_EXISTS", f"A group named '{body['name']}' already exists.")
            groups.add(body["name"])
            return 201, body
        if method == "GET" and name and not group:
            if name in self.properties.setdefault(kind, set()):
                return 200, {"name": name, **self.property_defs.get((kind, name), {})}
            return _error(404, "OBJECT_NOT_FOUND", f"Unable to find property {name}")
        if method == "POST" and not name:
            if body.get("groupName") not in groups:
                return _error(
                    400, "VALIDATION_ERROR", f"property group {body.get('groupName')} does not exist"
                )
            return self._create_property(kind, body)
        return _error(404, "OBJECT_NOT_FOUND", "no such endpoint")

    def _create_property(self, kind: str, body: dict):
        if body["name"] in self.properties.setdefault(kind, set()):
            return _error(409, "OBJECT_ALREADY_EXISTS", f"A property named '{body['name']}' already exists.")
        self.properties[kind].add(body["name"])
        self.property_defs[(kind, body["name"])] = body
        return 201, {"name": body["name"], "label": body.get("label"), "type": body.get("type")}


def _moment(raw: str | None) -> datetime:
    return datetime.fromisoformat((raw or "1970-01-01T00:00:00Z").replace("Z", "+00:00"))


def _stamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def _s(value) -> str:
    return "" if value is None else str(value)


def _limit_headers(remaining: int) -> dict:
    return {
        "X-HubSpot-RateLimit-Max": "190",
        "X-HubSpot-RateLimit-Remaining": str(remaining),
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
    }


def _error(status: int, category: str, message: str) -> Response:
    body = {"status": "error", "message": message, "correlationId": "c0ffee", "category": category}
    return Response(json.dumps(body), status, mimetype="application/json")


def load_dataset(hs: HubSpotStandin, dataset: dict, case_properties: dict[str, str]) -> dict[str, str]:
    """The contract tests' backend-neutral dataset as HubSpot holds it; returns deal key → deal id."""
    owners = {}
    for n, email in enumerate(
        sorted(
            {x["owner"] for x in dataset["deals"]} | {t for x in dataset["deals"] for t in x.get("team", [])}
        )
    ):
        owners[email] = str(501 + n)
        hs.owners.append(
            {
                "id": owners[email],
                "userId": 9001 + n,
                "email": email,
                "firstName": email.split("@")[0],
                "lastName": "",
            }
        )
    stage_ids = {}
    stages = []
    from tests.contract.conftest import PIPELINE  # the pipeline belongs to the dataset

    for order, label in enumerate([*PIPELINE[:4], "Legal hold", *PIPELINE[4:]]):
        stage_ids[label] = re.sub(r"\W+", "", label.lower())
        closed = label.startswith("Closed")
        stages.append(
            {
                "id": stage_ids[label],
                "label": label,
                "displayOrder": order,
                "archived": False,
                "writePermissions": "READ_ONLY" if label == "Legal hold" else "CRM_PERMISSIONS_ENFORCEMENT",
                "metadata": {
                    "isClosed": str(closed).lower(),
                    "probability": "1.0" if label == "Closed won" else "0.0" if closed else "0.5",
                },
            }
        )
    hs.pipelines.append(
        {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": False, "stages": stages}
    )
    hs.properties["emails"] |= {"addin_rating", "addin_message_id"}
    hs.properties["deals"] |= {"addin_changed_by", *case_properties.values()}
    accounts = {a["key"]: a["name"] for a in dataset["accounts"]}
    contacts = {}
    for c in dataset["contacts"]:
        first, _, last = c["name"].partition(" ")
        contacts[c["key"]] = hs.create(
            "contacts",
            {
                "email": c["email"],
                "firstname": first,
                "lastname": last,
                "jobtitle": c.get("title", ""),
                "company": accounts[c["account"]],
            },
        )
    by_email = {c["email"]: contacts[c["key"]] for c in dataset["contacts"]}
    ids = {}
    for x in dataset["deals"]:
        props = {
            "dealname": x["name"],
            "pipeline": "default",
            "dealstage": stage_ids[x["stage"]],
            "hs_next_step": x.get("next_step", ""),
            "amount": x["amount"],
            "deal_currency_code": x["currency"],
            "closedate": f"{x['close_date']}T00:00:00Z",
            "hubspot_owner_id": owners[x["owner"]],
            "hs_all_collaborator_owner_ids": ";".join(owners[t] for t in x.get("team", [])),
        }
        props.update({case_properties[k]: v for k, v in x.get("business_case", {}).items()})
        ids[x["key"]] = deal = hs.create("deals", props)
        for role in x.get("contacts", []):
            labels = [role["role"], *(["Primary"] if role["primary"] else [])]
            hs.link("deals", deal, "contacts", contacts[role["contact"]], *labels)
        for e in x.get("emails", []):
            email = hs.create(
                "emails",
                {
                    "hs_timestamp": e["sent_at"],
                    "hs_email_subject": e["subject"],
                    "hs_email_direction": "INCOMING_EMAIL" if e["direction"] == "inbound" else "EMAIL",
                    "addin_message_id": e["message_id"],
                    "addin_rating": e.get("rating") or "",
                },
            )
            hs.link("emails", email, "deals", deal)
            for who in (e["from"], *e["to"]):
                if who in by_email:
                    hs.link("emails", email, "contacts", by_email[who])
    return ids


@contextmanager
def holding(dataset: dict, case_properties: dict[str, str]):
    """A running stand-in loaded with `dataset`; its `ids` map the dataset's deal keys to HubSpot ids."""
    with HubSpotStandin() as standin:
        standin.ids = load_dataset(standin, dataset, case_properties)
        yield standin
