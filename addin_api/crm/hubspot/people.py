"""New records in HubSpot: a contact with its company, a deal–contact label as the role, a deal.

Docs (2026-03): objects batch read by `idProperty=email` and create with `associations`; companies search
on `domain`; association labels (`GET /crm/associations/2026-03/deals/contacts/labels`), `batch/create`
and `batch/labels/archive`. Every create looks up first, so a retry after a lost answer finds the record.
Contacts and deals are looked up by batch read and associations, never by search, which lags writes.
"""

from __future__ import annotations

from addin_api import domain as d
from addin_api.crm.hubspot import mapping as m
from addin_api.crm.hubspot.client import VERSION, RepApi
from addin_api.crm.hubspot.objects import ASSOCIATIONS, OBJECTS, associations, read
from addin_api.crm.port import CrmRejected

# HubSpot-defined association type ids.
CONTACT_TO_COMPANY = 279
DEAL_TO_CONTACT = 3
DEAL_TO_PRIMARY_COMPANY = 5
DEAL_CHECK_PROPERTIES = ("dealname", "hubspot_owner_id", "pipeline", "dealstage")


def labels(api: RepApi) -> dict[str, int]:
    """The account's own deal→contact association labels (roles and `Primary`), label → type id."""
    body = api.call("GET", f"{ASSOCIATIONS}/deals/contacts/labels")
    return {
        x["label"]: int(x["typeId"])
        for x in body.get("results", [])
        if x.get("label") and x.get("category") != "HUBSPOT_DEFINED"
    }


def company_currency(api: RepApi) -> str:
    """The account's company currency (new deals' default); "" without the optional currencies scope."""
    try:
        return str(api.call("GET", f"/settings/currencies/{VERSION}/company-currency").get("id") or "")
    except CrmRejected:  # 403 MISSING_SCOPES: `settings.currencies.read` is optional
        return ""


def ensure_contact(api: RepApi, person: d.NewContact) -> dict:
    """The contact with this address (a HubSpot object), created with its company if none has it."""
    email = person.email.strip().lower()
    if found := _contact(api, email):
        return found
    company_id, company_name = _company(api, person)
    first, last = person.first_last()
    props = {"email": email, "firstname": first, "lastname": last, "company": company_name}
    if person.title.strip():
        props["jobtitle"] = person.title.strip()
    link = {"to": {"id": company_id}, "types": [_type(CONTACT_TO_COMPANY)]}
    try:
        return api.call("POST", f"{OBJECTS}/contacts", {"properties": props, "associations": [link]})
    except CrmRejected:  # 409: a simultaneous add of the same address won; theirs is the one
        if found := _contact(api, email):
            return found
        raise


def _contact(api: RepApi, email: str) -> dict | None:
    found = read(api, "contacts", [email], m.CONTACT_PROPERTIES, id_property="email")
    return found[0] if found else None


def _company(api: RepApi, person: d.NewContact) -> tuple[str, str]:
    """(id, name) of the company with the address's domain, else of the company's name; created if none.

    Search may miss a company created seconds ago: at worst a retry makes a second company, never a
    second contact.
    """
    domain, name = person.domain, person.company_or_domain() or person.domain
    groups = [{"filters": [{"propertyName": "domain", "operator": "EQ", "value": domain}]}]
    if person.company.strip():
        groups.append(
            {"filters": [{"propertyName": "name", "operator": "EQ", "value": person.company.strip()}]}
        )
    body = {"filterGroups": groups, "properties": ["name", "domain"], "limit": 10}
    hits = api.call("POST", f"{OBJECTS}/companies/search", body).get("results", [])
    hits.sort(key=lambda c: (c.get("properties") or {}).get("domain") != domain)  # the domain's first
    if hits:
        return str(hits[0]["id"]), (hits[0].get("properties") or {}).get("name") or name
    created = api.call("POST", f"{OBJECTS}/companies", {"properties": {"name": name, "domain": domain}})
    return str(created["id"]), name


def set_role(
    api: RepApi, deal_id: str, contact_id: str, role: str, known: dict[str, int], primary: bool = False
) -> None:
    """The contact on the deal with `role` as its only role label (`Primary` kept); repeats change nothing."""
    if role and role not in known:
        raise CrmRejected(f"'{role}' is not a deal–contact association label in HubSpot")
    links = dict(associations(api, "deals", "contacts", [deal_id]).get(deal_id, []))
    now = links.get(contact_id)
    stale = [x for x in now or [] if x != m.PRIMARY_LABEL and x != role and x in known]
    if stale:
        _labels_call(api, "batch/labels/archive", deal_id, contact_id, [_type(known[x], True) for x in stale])
    wanted = [_type(DEAL_TO_CONTACT)] if now is None else []
    wanted += [_type(known[x], True) for x in (role, m.PRIMARY_LABEL if primary else "") if x]
    wanted = [t for t in wanted if now is None or _label_of(t, known) not in now]
    if wanted:
        _labels_call(api, "batch/create", deal_id, contact_id, wanted)


def find_open_deal(api: RepApi, contact_id: str, name: str, owner_id: str, closed: set[str]) -> str | None:
    """The owner's open deal of this name among the contact's deals (associations: no search lag)."""
    ids = [i for i, _ in associations(api, "contacts", "deals", [contact_id]).get(contact_id, [])]
    for deal in read(api, "deals", ids, DEAL_CHECK_PROPERTIES):
        p = deal.get("properties") or {}
        if (p.get("dealname"), p.get("hubspot_owner_id")) == (name, owner_id) and p.get(
            "dealstage"
        ) not in closed:
            return str(deal["id"])
    return None


def create_deal(
    api: RepApi, new: d.NewDeal, pipeline: str, owner_id: str, contact_id: str, known: dict[str, int]
) -> str:
    """A deal with its contact (primary, with the role) and the contact's company in the create body."""
    if new.role and new.role not in known:
        raise CrmRejected(f"'{new.role}' is not a deal–contact association label in HubSpot")
    props = {
        "dealname": new.name.strip(),
        "pipeline": pipeline,
        "dealstage": new.stage_id,
        "closedate": f"{new.close_date.isoformat()}T00:00:00Z",
        "hubspot_owner_id": owner_id,
    }
    if new.amount is not None:
        props["amount"] = str(new.amount)
    roles = [x for x in (m.PRIMARY_LABEL, new.role) if x and x in known]
    person = {
        "to": {"id": contact_id},
        "types": [_type(DEAL_TO_CONTACT), *(_type(known[x], True) for x in roles)],
    }
    links = [person]
    companies = associations(api, "contacts", "companies", [contact_id]).get(contact_id, [])
    if companies:
        links.append({"to": {"id": companies[0][0]}, "types": [_type(DEAL_TO_PRIMARY_COMPANY)]})
    return str(api.call("POST", f"{OBJECTS}/deals", {"properties": props, "associations": links})["id"])


def _type(type_id: int, user_defined: bool = False) -> dict:
    category = "USER_DEFINED" if user_defined else "HUBSPOT_DEFINED"
    return {"associationCategory": category, "associationTypeId": type_id}


def _label_of(t: dict, known: dict[str, int]) -> str | None:
    return next((x for x, i in known.items() if i == t["associationTypeId"]), None)


def _labels_call(api: RepApi, verb: str, deal_id: str, contact_id: str, types: list[dict]) -> None:
    body = {"inputs": [{"from": {"id": deal_id}, "to": {"id": contact_id}, "types": types}]}
    api.call("POST", f"{ASSOCIATIONS}/deals/contacts/{verb}", body)
