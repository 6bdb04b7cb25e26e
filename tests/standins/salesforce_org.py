"""In-memory records of the Salesforce stand-in: a few standard objects, unique fields, SOQL over them."""

from __future__ import annotations

import copy
import hashlib
import itertools
from datetime import UTC, datetime, timedelta

from addin_api.crm.local.seed import DEFAULT_STAGES
from tests.standins.soql import Query, SoqlError, parse

PREFIX = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "User": "005",
    "OpportunityContactRole": "00K",
    "EmailMessage": "02s",
    "EmailMessageRelation": "0Rx",
    "Task": "00T",
    "OpportunityStage": "01J",
    "Organization": "00D",
    "RecordType": "012",
}
SCHEMA = {
    "Account": {"Id", "Name", "Website"},
    "Contact": {"Id", "Name", "FirstName", "LastName", "Email", "Title", "AccountId"},
    "User": {"Id", "Username", "Email", "Name"},
    "Opportunity": {
        "Id",
        "Name",
        "StageName",
        "NextStep",
        "Amount",
        "CloseDate",
        "Probability",
        "IsClosed",
        "IsWon",
        "OwnerId",
        "AccountId",
        "RecordTypeId",
        "Description",
    },
    "OpportunityContactRole": {"Id", "OpportunityId", "ContactId", "Role", "IsPrimary"},
    "EmailMessage": {
        "Id",
        "RelatedToId",
        "Subject",
        "TextBody",
        "HtmlBody",
        "FromAddress",
        "FromName",
        "ToAddress",
        "CcAddress",
        "BccAddress",
        "MessageDate",
        "Incoming",
        "Status",
        "MessageIdentifier",
        "IsExternallyVisible",
    },
    "EmailMessageRelation": {"Id", "EmailMessageId", "RelationId", "RelationAddress", "RelationType"},
    "Task": {
        "Id",
        "Subject",
        "Description",
        "ActivityDate",
        "Status",
        "TaskSubtype",
        "WhatId",
        "WhoId",
        "OwnerId",
    },
    "OpportunityStage": {
        "Id",
        "ApiName",
        "MasterLabel",
        "IsActive",
        "IsClosed",
        "IsWon",
        "SortOrder",
        "DefaultProbability",
    },
    "Organization": {"Id", "DefaultCurrencyIsoCode"},
}
AUDIT = {"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"}
REFERENCES = {
    "Account": ("AccountId", "Account"),
    "Owner": ("OwnerId", "User"),
    "CreatedBy": ("CreatedById", "User"),
    "LastModifiedBy": ("LastModifiedById", "User"),
    "Contact": ("ContactId", "Contact"),
    "EmailMessage": ("EmailMessageId", "EmailMessage"),
}
CHILDREN = {
    "OpportunityContactRoles": ("OpportunityContactRole", "OpportunityId"),
    "Emails": ("EmailMessage", "RelatedToId"),
    "Tasks": ("Task", "WhatId"),
}
PIPELINE = DEFAULT_STAGES  # the org's opportunity stages: the same buyer-centric picklist as the demo
# The standard OpportunityContactRole.Role picklist of a new org.
CONTACT_ROLES = [
    "Business User",
    "Decision Maker",
    "Economic Buyer",
    "Economic Decision Maker",
    "Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Technical Buyer",
    "Other",
]
REQUIRED = {"Contact": ("LastName",), "Opportunity": ("Name", "StageName", "CloseDate")}


class SfError(Exception):
    """A Salesforce error response: status and one `{"message","errorCode","fields"}` entry."""

    def __init__(self, status: int, code: str, message: str, fields=()):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, list(fields)

    def body(self) -> list[dict]:
        """The error array Salesforce sends."""
        return [{"message": self.message, "errorCode": self.code, "fields": self.fields}]


def sf_time(value: datetime) -> str:
    """Salesforce's dateTime format."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class Org:
    """One org's records; writes advance a fake clock by a second so If-Unmodified-Since is deterministic."""

    def __init__(
        self, rating_field: str, key_field: str, multi_currency: bool = False, currency: str = "USD"
    ):
        self.schema = {
            k: set(v) | (AUDIT if k not in {"OpportunityStage", "Organization"} else set())
            for k, v in SCHEMA.items()
        }
        for obj in ("EmailMessage", "Task"):
            self.schema[obj] |= {rating_field, key_field}
        if multi_currency:
            self.schema["Opportunity"].add("CurrencyIsoCode")
        self.unique = {"EmailMessage": {key_field}, "Task": {key_field}}
        self.tables: dict[str, dict[str, dict]] = {k: {} for k in SCHEMA}
        self.deleted: set[str] = set()
        self.record_types: dict[str, list[str]] = {}  # RecordTypeId → allowed StageName values
        self.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        self.actor: str | None = None  # User Id the current request acts as (audit fields name them)
        self._ids = itertools.count(1)
        self._seed_stages(currency)

    def _seed_stages(self, currency: str) -> None:
        self.insert("Organization", {"DefaultCurrencyIsoCode": currency})
        for order, (label, probability, closed, won) in enumerate(PIPELINE, start=1):
            self.insert(
                "OpportunityStage",
                {
                    "ApiName": label,
                    "MasterLabel": label,
                    "IsActive": True,
                    "SortOrder": order,
                    "IsClosed": closed,
                    "IsWon": won,
                    "DefaultProbability": probability,
                },
            )

    # --- writes ----------------------------------------------------------------------------

    def insert(self, obj: str, fields: dict) -> str:
        """Create a record; unique fields and references are checked like Salesforce does."""
        self._check_fields(obj, fields)
        for name in self.unique.get(obj, ()):
            value = fields.get(name)
            twin = next((r for r in self.tables[obj].values() if value and r.get(name) == value), None)
            if twin:
                raise SfError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: {twin['Id']}",
                    [name],
                )
        for ref in ("RelatedToId", "WhatId", "EmailMessageId", "OpportunityId", "ContactId", "AccountId"):
            if fields.get(ref):
                self.get(fields[ref], reference=True)
        fields = self._on_insert(obj, fields)
        record_id = f"{PREFIX[obj]}{next(self._ids):012d}AAA"
        stamp = sf_time(self.tick())
        self.tables[obj][record_id] = {
            **fields,
            "Id": record_id,
            "CreatedDate": stamp,
            "CreatedById": self.actor,
            "LastModifiedDate": stamp,
            "LastModifiedById": self.actor,
            "SystemModstamp": stamp,
        }
        return record_id

    def _on_insert(self, obj: str, fields: dict) -> dict:
        """Required fields, the compound Contact.Name, and an Opportunity's stage-derived fields and owner."""
        if obj == "Contact" and "Name" in fields:  # the seed writes Name directly, as a data load would
            return fields
        missing = [f for f in REQUIRED.get(obj, ()) if not fields.get(f)]
        if missing:
            raise SfError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: {missing}", missing)
        if obj == "Contact":
            return {**fields, "Name": " ".join(p for p in (fields.get("FirstName"), fields["LastName"]) if p)}
        if obj == "Opportunity" and self.actor:
            fields = {"OwnerId": self.actor, **self._opportunity_rules({}, fields)}
        return fields

    def update(
        self, obj: str, record_id: str, fields: dict, unmodified_since: datetime | None = None
    ) -> None:
        """Change a record (as Salesforce would, incl. the 412 on a stale If-Unmodified-Since)."""
        record = self.get(record_id)
        self._check_fields(obj, fields)
        last_modified = _parse(record["LastModifiedDate"]).replace(microsecond=0)  # 1-second resolution
        if unmodified_since is not None and last_modified > unmodified_since:
            raise SfError(
                412,
                "ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE",
                "The requested resource has been modified since the specified date",
            )
        if obj == "EmailMessage" and record.get("Status") != "5":
            locked = [f for f in fields if not f.endswith("__c") and f != "IsExternallyVisible"]
            if locked:
                raise SfError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {', '.join(locked)}",
                    locked,
                )
        if obj == "Opportunity":
            fields = self._opportunity_rules(record, fields)
        stamp = sf_time(self.tick())
        record.update(fields, LastModifiedDate=stamp, LastModifiedById=self.actor, SystemModstamp=stamp)

    def _opportunity_rules(self, record: dict, fields: dict) -> dict:
        if len(fields.get("NextStep") or "") > 255:
            raise SfError(
                400, "STRING_TOO_LONG", "Next Step: data value too large (max length=255)", ["NextStep"]
            )
        if "StageName" in fields:
            allowed = self.record_types.get(record.get("RecordTypeId") or "") or [
                s["ApiName"] for s in self.stages()
            ]
            stage = next((s for s in self.stages() if s["ApiName"] == fields["StageName"]), None)
            if stage is None or stage["ApiName"] not in allowed:
                raise SfError(
                    400,
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"Stage: bad value for restricted picklist field: {fields['StageName']}",
                    ["StageName"],
                )
            fields = {
                **fields,
                "IsClosed": stage["IsClosed"],
                "IsWon": stage["IsWon"],
                "Probability": stage["DefaultProbability"],
            }
        return fields

    def delete(self, record_id: str) -> None:
        """Move a record to the recycle bin."""
        self.deleted.add(record_id)

    def tick(self) -> datetime:
        """Advance the clock one second (the header's resolution) and return it."""
        self.now += timedelta(seconds=1)
        return self.now

    def snapshot(self):
        """State to restore when an allOrNone composite fails."""
        return copy.deepcopy((self.tables, self.deleted))

    def restore(self, state) -> None:
        """Roll back to a snapshot."""
        self.tables, self.deleted = state

    # --- reads -----------------------------------------------------------------------------

    def get(self, record_id: str, reference: bool = False) -> dict:
        """A live record by id, or the error Salesforce gives for a missing or deleted one."""
        if record_id in self.deleted:
            raise SfError(400 if reference else 404, "ENTITY_IS_DELETED", "entity is deleted")
        table = next((t for obj, t in self.tables.items() if str(record_id).startswith(PREFIX[obj])), {})
        if record_id in table:
            return table[record_id]
        if reference:
            raise SfError(400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {record_id}")
        raise SfError(404, "NOT_FOUND", "The requested resource does not exist")

    def rows(self, obj: str) -> list[dict]:
        """Live records of one object."""
        if obj not in self.tables:
            raise SoqlError("INVALID_TYPE", f"sObject type '{obj}' is not supported.")
        return [r for i, r in self.tables[obj].items() if i not in self.deleted]

    def stages(self) -> list[dict]:
        """Active OpportunityStage rows by SortOrder."""
        return sorted(self.rows("OpportunityStage"), key=lambda s: s["SortOrder"])

    def by_external_id(self, obj: str, name: str, value: str) -> dict | None:
        """The record whose unique field `name` holds `value`."""
        return next((r for r in self.rows(obj) if r.get(name) == value), None)

    def query(self, text: str) -> dict:
        """Run a SOQL statement; the response shape of GET /query."""
        query = parse(text)
        records = self._run(query, query.source, self.rows(query.source))
        return {"totalSize": len(records), "done": True, "records": records}

    def _check_fields(self, obj: str, fields: dict) -> None:
        unknown = [f for f in fields if f not in self.schema[obj]]
        if unknown:
            raise SfError(
                400, "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {obj}", unknown
            )

    def _run(self, q: Query, obj: str, rows: list[dict]) -> list[dict]:
        rows = [r for r in rows if q.where is None or self._test(r, q.where)]
        for path, descending in reversed(q.order):
            rows.sort(key=lambda r, p=path: _sort_key(self._value(r, p)), reverse=descending)
        return [self._project(q, obj, r) for r in rows[: q.limit]]

    def _project(self, q: Query, obj: str, row: dict) -> dict:
        out = {"attributes": _attributes(obj, row["Id"])}
        for item in q.fields:
            if isinstance(item, Query):
                child, key = CHILDREN.get(item.source, (None, None))
                if child is None:
                    raise SoqlError("INVALID_TYPE", f"Didn't understand relationship '{item.source}'")
                found = self._run(item, child, [r for r in self.rows(child) if r.get(key) == row["Id"]])
                out[item.source] = (
                    {"totalSize": len(found), "done": True, "records": found} if found else None
                )
            else:
                self._place(out, obj, row, item.split("."))
        return out

    def _place(self, out: dict, obj: str, row: dict | None, parts: list[str]) -> None:
        if len(parts) == 1:
            if parts[0] not in self.schema[obj]:
                raise SoqlError("INVALID_FIELD", f"No such column '{parts[0]}' on entity '{obj}'")
            out[parts[0]] = row.get(parts[0]) if row else None
            return
        key, target = REFERENCES[parts[0]]
        parent = self.tables[target].get(row.get(key) or "") if row else None
        if parent is None:
            out.setdefault(parts[0], None)
            return
        nested = out.get(parts[0]) or {"attributes": _attributes(target, parent["Id"])}
        out[parts[0]] = nested
        self._place(nested, target, parent, parts[1:])

    def _value(self, row: dict | None, path: str):
        for part in path.split(".")[:-1]:
            row = self.tables[REFERENCES[part][1]].get(row.get(REFERENCES[part][0]) or "") if row else None
        return row.get(path.split(".")[-1]) if row else None

    def _test(self, row: dict, cond) -> bool:
        kind = cond[0]
        if kind in {"and", "or"}:
            results = (self._test(row, c) for c in cond[1])
            return all(results) if kind == "and" else any(results)
        if kind == "not":
            return not self._test(row, cond[1])
        value = self._value(row, cond[1])
        if kind in {"in", "notin"}:
            options = cond[2]
            if isinstance(options, Query):
                options = [
                    self._value(r, options.fields[0])
                    for r in self.rows(options.source)
                    if options.where is None or self._test(r, options.where)
                ]
            return any(_equal(value, o) for o in options) == (kind == "in")
        return _compare(value, cond[2], cond[3])


def message_key(opportunity_id: str, message_id: str) -> str:
    """The org's unique external-ID field: SHA-256 hex of "<18-character opportunity id>\n<Message-ID>"."""
    return hashlib.sha256(f"{opportunity_id}\n{message_id.strip()}".encode()).hexdigest()


def _attributes(obj: str, record_id: str) -> dict:
    return {"type": obj, "url": f"/services/data/v67.0/sobjects/{obj}/{record_id}"}


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def _equal(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


def _compare(value, op: str, literal) -> bool:
    if op in {"=", "!="}:
        return _equal(value, literal) == (op == "=")
    if value is None or literal is None:
        return False
    return {"<": value < literal, ">": value > literal, "<=": value <= literal, ">=": value >= literal}[op]


def _sort_key(value):
    # Salesforce sorts nulls first ascending; text ignores case.
    return (
        value is not None,
        value.lower() if isinstance(value, str) else (value if value is not None else 0),
    )
