"""The REST data API of the Salesforce stand-in: query, composite, UI API picklists, sObject rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlsplit

from tests.standins.salesforce_org import CONTACT_ROLES, Org, SfError
from tests.standins.soql import SoqlError

API = "/services/data/v67.0"
MASTER_RECORD_TYPE = "012000000000000AAA"
_REFERENCE = re.compile(r"@\{(\w+)\.([\w.\[\]]+)\}")
_HALTED = [
    {
        "errorCode": "PROCESSING_HALTED",
        "fields": [],
        "message": "The transaction was rolled back since another operation in the same transaction failed.",
    }
]


@dataclass
class Call:
    """One request (or composite subrequest) the stand-in answered."""

    method: str
    path: str
    args: dict
    headers: dict
    body: object
    status: int
    sub: bool = False


@dataclass
class Fault:
    """An injected failure for requests whose `METHOD path` contains `match`."""

    match: str
    status: int | None
    code: str | None
    message: str
    times: int
    delay: float = 0.0


class DataApi:
    """Routes data requests to the org's records; injected faults win over the records."""

    def __init__(self, org: Org, faults: list[Fault], calls: list[Call]):
        self.org, self.faults, self.calls = org, faults, calls
        self.collection_updates: list[list[dict]] = []  # records of each sObject Collections update

    def take(self, request_line: str, delays: bool) -> Fault | None:
        """The first armed fault matching the request, disarmed by one."""
        for fault in self.faults:
            if fault.times > 0 and (fault.delay > 0) == delays and fault.match in request_line:
                fault.times -= 1
                return fault
        return None

    def dispatch(self, method: str, path: str, args: dict, headers: dict, body) -> tuple[int, object]:
        """Answer one request or subrequest (path without the instance prefix)."""
        fault = self.take(f"{method} {path}", delays=False)
        if fault:
            return fault.status, (
                [{"message": fault.message, "errorCode": fault.code, "fields": []}]
                if fault.code
                else fault.message
            )
        parts = path.removeprefix(API).strip("/").split("/")
        try:
            return self._resource(method, parts, args, headers, body)
        except SfError as exc:
            return exc.status, exc.body()
        except SoqlError as exc:
            return 400, [{"message": exc.message, "errorCode": exc.code}]

    def _resource(self, method: str, parts: list[str], args: dict, headers: dict, body) -> tuple[int, object]:
        route = (method, parts[0], len(parts))
        if route == ("GET", "query", 1):
            return 200, self.org.query(args["q"])
        if route == ("POST", "composite", 1):
            return self._composite(body or {})
        if route == ("PATCH", "composite", 2) and parts[1] == "sobjects":
            return self._update_collection(body or {})
        if parts[:4] == ["ui-api", "object-info", "Opportunity", "picklist-values"] and len(parts) == 6:
            return self._picklist(parts[4])
        if route[:2] == ("POST", "sobjects") and len(parts) == 2:
            return 201, {"id": self.org.insert(parts[1], body or {}), "success": True, "errors": []}
        if route == ("GET", "sobjects", 3) and parts[2] == "describe":
            return self._describe(parts[1])
        if route[1:] == ("sobjects", 3):
            return self._row(method, parts[1], parts[2], args, headers, body)
        if route[1:] == ("sobjects", 4):
            return self._by_external_id(method, parts[1], parts[2], parts[3], args, body)
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]

    def _row(self, method, obj, record_id, args, headers, body) -> tuple[int, object]:
        if method == "GET":
            return 200, _view(obj, self.org.get(record_id), args)
        since = headers.get("If-Unmodified-Since")
        try:
            when = parsedate_to_datetime(since) if since else None
        except (TypeError, ValueError):
            return 400, [{"errorCode": "INVALID_HEADER_VALUE", "message": "If-Unmodified-Since is invalid"}]
        self.org.update(obj, record_id, body or {}, when)
        return 204, None

    def _by_external_id(self, method, obj, name, value, args, body) -> tuple[int, object]:
        record = self.org.by_external_id(obj, name, value)
        if method == "GET":
            if record is None:
                return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
            return 200, _view(obj, record, args)
        if record is None:  # upsert creates
            return 201, {
                "id": self.org.insert(obj, {**(body or {}), name: value}),
                "success": True,
                "errors": [],
                "created": True,
            }
        self.org.update(obj, record["Id"], body or {})
        return 200, {"id": record["Id"], "success": True, "errors": [], "created": False}

    def _update_collection(self, body: dict) -> tuple[int, object]:
        """sObject Collections update: up to 200 records, each `{attributes: {type}, id, fields...}`.

        Without allOrNone each record succeeds or fails on its own: `[{id, success, errors}]`, in order.
        """
        records = body.get("records") or []
        if len(records) > 200:
            return 400, [
                {
                    "errorCode": "EXCEEDED_ID_LIMIT",
                    "message": "record limit reached. cannot submit more than 200 records into this call",
                }
            ]
        self.collection_updates.append(records)
        out = []
        for record in records:
            fields = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            try:
                self.org.update(record["attributes"]["type"], record["id"], fields)
                out.append({"id": record["id"], "success": True, "errors": []})
            except SfError as exc:
                errors = [
                    {"statusCode": e["errorCode"], "message": e["message"], "fields": e.get("fields", [])}
                    for e in exc.body()
                ]
                out.append({"id": record["id"], "success": False, "errors": errors})
        return 200, out

    def _describe(self, obj: str) -> tuple[int, object]:
        """sObject Describe, cut to what a client reads: field names and the contact Role picklist."""
        if obj not in self.org.schema:
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
        fields = [{"name": f, "picklistValues": []} for f in sorted(self.org.schema[obj])]
        for f in fields:
            if obj == "OpportunityContactRole" and f["name"] == "Role":
                f["picklistValues"] = [
                    {"active": True, "defaultValue": False, "label": r, "validFor": None, "value": r}
                    for r in CONTACT_ROLES
                ]
        return 200, {"name": obj, "fields": fields}

    def _picklist(self, record_type: str) -> tuple[int, object]:
        names = self.org.record_types.get(record_type)
        if names is None and record_type != MASTER_RECORD_TYPE:
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
        stages = [s for s in self.org.stages() if names is None or s["ApiName"] in names]
        return 200, {
            "controllerValues": {},
            "defaultValue": None,
            "url": f"{API}/ui-api/object-info/Opportunity/picklist-values/{record_type}/StageName",
            "values": [
                {"attributes": None, "label": s["MasterLabel"], "validFor": [], "value": s["ApiName"]}
                for s in stages
            ],
        }

    def _composite(self, body: dict) -> tuple[int, object]:
        subs, all_or_none = body.get("compositeRequest", []), body.get("allOrNone", False)
        if len(subs) > 25 or sum("/query" in s.get("url", "") for s in subs) > 5:
            return 400, [{"errorCode": "INVALID_REQUEST", "message": "too many subrequests or queries"}]
        snapshot = self.org.snapshot() if all_or_none else None
        results, refs = [], {}
        for item in subs:
            status, payload = self._subrequest(item, refs)
            refs[item["referenceId"]] = payload
            results.append(
                {
                    "body": payload,
                    "httpHeaders": {},
                    "httpStatusCode": status,
                    "referenceId": item["referenceId"],
                }
            )
            if status >= 300 and all_or_none:
                break
        if all_or_none and results and results[-1]["httpStatusCode"] >= 300:
            self.org.restore(snapshot)
            failed = results[-1]["referenceId"]
            results = [
                r
                if r["referenceId"] == failed
                else {**r, "body": _HALTED, "httpStatusCode": 400, "httpHeaders": {}}
                for r in results
            ]
            results += [
                {"body": _HALTED, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": s["referenceId"]}
                for s in subs[len(results) :]
            ]
        return 200, {"compositeResponse": results}

    def _subrequest(self, item: dict, refs: dict) -> tuple[int, object]:
        try:
            url, body = _resolve(item["url"], refs), _resolve(item.get("body"), refs)
        except (LookupError, TypeError):  # the referenced subrequest failed
            return 400, _HALTED
        split = urlsplit(url)
        status, payload = self.dispatch(
            item["method"], split.path, dict(parse_qsl(split.query)), item.get("httpHeaders") or {}, body
        )
        self.calls.append(
            Call(
                item["method"],
                split.path,
                dict(parse_qsl(split.query)),
                item.get("httpHeaders") or {},
                body,
                status,
                sub=True,
            )
        )
        return status, payload


def _view(obj: str, record: dict, args: dict) -> dict:
    wanted = args.get("fields")
    fields = {k: v for k, v in record.items() if not wanted or k in wanted.split(",")}
    return {"attributes": {"type": obj, "url": f"{API}/sobjects/{obj}/{record['Id']}"}, **fields}


def _resolve(value, refs: dict):
    """Replace `@{ref.path}` references with values from earlier subrequest results."""
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs) for v in value]
    if isinstance(value, str):
        return _REFERENCE.sub(lambda match: str(_walk(refs[match.group(1)], match.group(2))), value)
    return value


def _walk(payload, path: str):
    for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", path):
        payload = payload[name] if index == "" else payload[name][int(index)]
    return payload
