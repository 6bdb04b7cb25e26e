"""Loopback HubSpot stand-in following the documented wire formats of the 2026-03 CRM APIs.

String property values; objects CRUD, `batch/read` (also by `idProperty`), `search` with filterGroups
(OR of ANDed filters, `associations.<type>` pseudo-properties), associations batch read (v4 shape with
labels), association labels (`GET …/{from}/{to}/labels`, `batch/create`, `batch/labels/archive`),
creates with `associations` by type id (a contact's address is unique: a second one is 409), companies,
the company currency, pipelines (stages with `writePermissions`), owners, properties; error bodies with
`category`;
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
TYPES = {"0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-49": "emails"}
# HubSpot-defined association type ids (unlabeled, except the primary company): (from, to, label).
HUBSPOT_DEFINED = {
    3: ("deals", "contacts", ""),
    4: ("contacts", "deals", ""),
    5: ("deals", "companies", "Primary"),
    6: ("companies", "deals", "Primary"),
    1: ("contacts", "companies", "Primary"),
    2: ("companies", "contacts", "Primary"),
    279: ("contacts", "companies", ""),
    280: ("companies", "contacts", ""),
    341: ("deals", "companies", ""),
    342: ("companies", "deals", ""),
    210: ("emails", "deals", ""),
    198: ("emails", "contacts", ""),
}


class HubSpotStandin(OAuthEndpoints, LoopbackStandIn):
    """One HubSpot account (portal) with one deal pipeline; its users connect through OAuth too."""

    def __init__(self):
        self.objects: dict[str, dict[str, dict]] = {
            "contacts": {},
            "companies": {},
            "deals": {},
            "emails": {},
        }
        # Association types by id: HubSpot's own, then user-defined labels (both directions of each).
        self.types: dict[int, tuple[str, str, str]] = dict(HUBSPOT_DEFINED)
        self.currency = "EUR"
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

    def define_label(self, a_kind: str, b_kind: str, label: str) -> int:
        """A user-defined association label between two object types; its a→b type id."""
        with self._lock:
            found = self.type_id(a_kind, b_kind, label)
            if found is not None:
                return found
            ids = max(self.types) + 1, max(self.types) + 2
            self.types[ids[0]], self.types[ids[1]] = (a_kind, b_kind, label), (b_kind, a_kind, label)
            return ids[0]

    def type_id(self, a_kind: str, b_kind: str, label: str) -> int | None:
        """The association type id from a to b with this label ("" = unlabeled)."""
        return next((i for i, t in self.types.items() if t == (a_kind, b_kind, label)), None)

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
        """Associate two objects both ways, unlabeled and with any `labels` (defined as needed)."""
        with self._lock:
            for label in ("", *labels):
                if label:
                    self.define_label(a_kind, b_kind, label)
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
        text = "" if status == 204 else json.dumps(payload)  # No Content carries no body
        return Response(text, status, _limit_headers(99), mimetype="application/json")

    def _route(self, method: str, path: str, body: dict, args, user: str | None = None):
        objects = re.fullmatch(rf"/crm/objects/{V}/(\w+)(?:/(\w+))?(?:/(\w+))?", path)
        if objects and objects[1] in self.objects:
            kind, rest, sub = objects[1], objects[2], objects[3]
            if method == "POST" and rest == "batch" and sub == "read":
                return 200, self._batch_read(kind, body)
            if method == "POST" and rest == "search":
                return 200, self._search(kind, body)
            if method == "POST" and rest is None:
                return self._create_api(kind, body)
            if rest and rest in self.objects[kind] and method == "PATCH":
                editor = str(self._user(user)["userId"]) if user else None  # the app's token: no user
                return 200, self._public(self.update(kind, rest, body.get("properties", {}), editor), None)
            if rest and rest in self.objects[kind] and method == "GET":
                return 200, self._public(self.objects[kind][rest], (args.get("properties") or "").split(","))
            return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        assoc = re.fullmatch(
            rf"/crm/associations/{V}/(\w+)/(\w+)/(batch/read|batch/create|batch/labels/archive|labels)", path
        )
        if assoc and assoc[3] == "batch/read" and method == "POST":
            return 200, self._assoc_read(assoc[1], assoc[2], body)
        if assoc and assoc[3] == "labels" and method == "GET":
            return 200, {"results": self._labels(assoc[1], assoc[2])}
        if assoc and assoc[3] == "batch/create" and method == "POST":
            return self._assoc_write(assoc[1], assoc[2], body, archive=False)
        if assoc and assoc[3] == "batch/labels/archive" and method == "POST":
            return self._assoc_write(assoc[1], assoc[2], body, archive=True)
        if path == f"/settings/currencies/{V}/company-currency" and method == "GET":
            return 200, {"id": self.currency, "createdAt": "2024-01-01T00:00:00Z"}
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

    def _create_api(self, kind: str, body: dict):
        props = body.get("properties", {})
        if refused := self._refusal(kind, props):
            return refused
        links = []
        for a in body.get("associations", []):
            for t in a["types"]:
                known = self.types.get(int(t["associationTypeId"]))
                if known is None or known[0] != kind or str(a["to"]["id"]) not in self.objects[known[1]]:
                    return _error(400, "VALIDATION_ERROR", f"invalid association {t['associationTypeId']}")
                links.append((known[1], str(a["to"]["id"]), known[2]))
        object_id = self.create(kind, props)
        for target, target_id, label in links:
            self.link(kind, object_id, target, target_id, *([label] if label else []))
        return 201, self._public(self.objects[kind][object_id], None)

    def _refusal(self, kind: str, props: dict) -> Response | None:
        """HubSpot's refusals of a create: unknown property, a second contact per address, bad stage."""
        unknown = [k for k in props if k.startswith("addin_") and k not in self.properties.get(kind, set())]
        if unknown:
            return _error(
                400, "VALIDATION_ERROR", f"Property values were not valid: {unknown[0]} does not exist"
            )
        email = (props.get("email") or "").lower()
        same = [
            o["id"] for o in self.objects[kind].values() if email and o["properties"].get("email") == email
        ]
        if kind == "contacts" and same:
            return _error(409, "CONFLICT", f"Contact already exists. Existing ID: {same[0]}")
        stages = {st["id"] for p in self.pipelines if p["id"] == props.get("pipeline") for st in p["stages"]}
        if kind == "deals" and props.get("dealstage") not in stages:
            return _error(400, "VALIDATION_ERROR", f"{props.get('dealstage')} is not a valid dealstage")
        return None

    def _labels(self, source: str, target: str) -> list[dict]:
        return [
            {
                "category": "HUBSPOT_DEFINED" if i in HUBSPOT_DEFINED else "USER_DEFINED",
                "typeId": i,
                "label": label or None,
            }
            for i, (a, b, label) in sorted(self.types.items())
            if (a, b) == (source, target)
        ]

    def _assoc_write(self, source: str, target: str, body: dict, archive: bool):
        """batch/create adds the given types (labels) to each pair; batch/labels/archive removes them."""
        for item in body.get("inputs", []):
            a_id, b_id = str(item["from"]["id"]), str(item["to"]["id"])
            if a_id not in self.objects[source] or b_id not in self.objects[target]:
                return _error(400, "VALIDATION_ERROR", f"no {source} {a_id} or {target} {b_id}")
            for t in item.get("types", []):
                known = self.types.get(int(t["associationTypeId"]))
                if known is None or known[:2] != (source, target):
                    return _error(400, "VALIDATION_ERROR", f"invalid association {t['associationTypeId']}")
                if archive:
                    self.links -= {
                        (source, a_id, target, b_id, known[2]),
                        (target, b_id, source, a_id, known[2]),
                    }
                else:
                    self.link(source, a_id, target, b_id, *([known[2]] if known[2] else []))
        return (204, None) if archive else (201, {"status": "COMPLETE", "results": []})

    def _assoc_read(self, source: str, target: str, body: dict) -> dict:
        results = []
        for item in body.get("inputs", []):
            to: dict[str, list] = {}
            for k, i, t, j, label in sorted(self.links):
                if k == source and i == str(item["id"]) and t == target:
                    type_id = self.type_id(k, t, label)
                    to.setdefault(j, []).append(
                        {
                            "category": "HUBSPOT_DEFINED" if type_id in HUBSPOT_DEFINED else "USER_DEFINED",
                            "typeId": type_id,
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
    companies = {
        a["key"]: hs.create("companies", {"name": a["name"], "domain": a.get("domain", "")})
        for a in dataset["accounts"]
    }
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
        hs.link("contacts", contacts[c["key"]], "companies", companies[c["account"]], "Primary")
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
        hs.link("deals", deal, "companies", companies[x["account"]], "Primary")
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
