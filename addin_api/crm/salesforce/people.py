"""New records in Salesforce: Contact (with its Account), OpportunityContactRole and Opportunity.

Docs: Salesforce Object Reference v67.0 ("Contact", "OpportunityContactRole", "Opportunity") and REST API
"sObject Describe" (picklistValues of OpportunityContactRole.Role). Every create looks up first, so a retry
after a lost answer finds the record instead of making a second one.
"""

from __future__ import annotations

from addin_api import domain as d
from addin_api.crm.port import CrmRejected
from addin_api.crm.salesforce import mapping as m
from addin_api.crm.salesforce.client import SalesforceClient, SfSession
from addin_api.crm.salesforce.queries import in_list, literal

CONTACT_FIELDS = "Id, Name, Email, Title, AccountId, Account.Name"


def roles(client: SalesforceClient, s: SfSession) -> tuple[str, ...]:
    """The active values of OpportunityContactRole.Role, in the org's order."""
    body = client.api(s, "GET", "/sobjects/OpportunityContactRole/describe") or {}
    field = next((f for f in body.get("fields", []) if f.get("name") == "Role"), {})
    return tuple(v["value"] for v in field.get("picklistValues") or [] if v.get("active", True))


def ensure_contact(client: SalesforceClient, s: SfSession, person: d.NewContact) -> dict:
    """The Contact with this address (a Contact row as SOQL returns it), created if none has it."""
    email = person.email.strip().lower()
    found = _first(client, s, f"SELECT {CONTACT_FIELDS} FROM Contact WHERE Email = {literal(email)} LIMIT 1")
    if found:
        return found
    first, last = person.first_last()
    fields = {"LastName": last, "Email": email, "AccountId": _account_id(client, s, person)}
    if first:
        fields["FirstName"] = first[:40]
    if person.title.strip():
        fields["Title"] = person.title.strip()[:128]
    created = client.api(s, "POST", "/sobjects/Contact", json=fields)
    return _first(client, s, f"SELECT {CONTACT_FIELDS} FROM Contact WHERE Id = {literal(created['id'])}")


def _account_id(client: SalesforceClient, s: SfSession, person: d.NewContact) -> str:
    """The Account whose Website is the address's domain, else whose Name is the company; created if none."""
    domain, company = person.domain, person.company_or_domain()
    websites = [f"{scheme}{www}{domain}" for scheme in ("", "http://", "https://") for www in ("", "www.")]
    found = _first(
        client,
        s,
        f"SELECT Id FROM Account WHERE Website IN {in_list(websites)} ORDER BY CreatedDate ASC LIMIT 1",
    ) or _first(
        client, s, f"SELECT Id FROM Account WHERE Name = {literal(company)} ORDER BY CreatedDate ASC LIMIT 1"
    )
    if found:
        return found["Id"]
    return client.api(s, "POST", "/sobjects/Account", json={"Name": company or domain, "Website": domain})[
        "id"
    ]


def set_role(
    client: SalesforceClient, s: SfSession, deal_id: str, contact_id: str, role: str, primary: bool = False
) -> None:
    """The contact's OpportunityContactRole on the opportunity: inserted, or its Role updated."""
    found = _first(
        client,
        s,
        f"SELECT Id, Role FROM OpportunityContactRole WHERE OpportunityId = {literal(deal_id)} "
        f"AND ContactId = {literal(contact_id)} LIMIT 1",
    )
    if found:
        if (found.get("Role") or "") != role:
            client.api(
                s, "PATCH", f"/sobjects/OpportunityContactRole/{found['Id']}", json={"Role": role or None}
            )
        return
    body = {"OpportunityId": deal_id, "ContactId": contact_id, "Role": role or None, "IsPrimary": primary}
    client.api(s, "POST", "/sobjects/OpportunityContactRole", json=body)


def find_or_create_opportunity(
    client: SalesforceClient, s: SfSession, new: d.NewDeal, contact: dict, stages: tuple[d.Stage, ...]
) -> str:
    """The rep's open Opportunity of this name on the contact's Account, else a new one; its id."""
    if not contact.get("AccountId"):
        raise CrmRejected("This contact has no account in Salesforce; add one there first.")
    if not any(st.id == new.stage_id for st in stages):
        raise CrmRejected(f"'{new.stage_id}' is not a stage of new opportunities")
    found = _first(
        client,
        s,
        f"SELECT Id FROM Opportunity WHERE AccountId = {literal(contact['AccountId'])} "
        f"AND Name = {literal(new.name.strip())} AND OwnerId = {literal(s.user_id)} "
        "AND IsClosed = false LIMIT 1",
    )
    if found:
        return found["Id"]
    fields = {
        "Name": new.name.strip()[:120],
        "StageName": new.stage_id,
        "CloseDate": new.close_date.isoformat(),
        "AccountId": contact["AccountId"],
    }
    if new.amount is not None:
        fields["Amount"] = float(new.amount)  # currency fields are JSON numbers on the wire
    created = client.api(s, "POST", "/sobjects/Opportunity", json=fields)["id"]
    set_role(client, s, created, contact["Id"], new.role, primary=True)
    return created


def as_contact(row: dict) -> d.Contact:
    """A Contact row as the domain's Contact."""
    return m.to_contact(row)


def _first(client: SalesforceClient, s: SfSession, soql: str) -> dict | None:
    records = (client.api(s, "GET", "/query", params={"q": soql}) or {}).get("records") or []
    return records[0] if records else None
