"""Writes for people not yet in the CRM: add a contact, put them on a deal, create a deal for their account.

Each goes through the one write path (recorded, tried now, else queued for the drain) and is idempotent: by
Idempotency-Key for the request, and by the CRM adapter's look-up-first for a retried delivery.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from addin_api.crm.port import CrmError, PeopleWriter
from addin_api.domain import Contact, CrmOptions, Deal, NewContact, NewDeal, Principal
from addin_api.errors import Unprocessable
from addin_api.services.crm_errors import crm_call
from addin_api.services.ports import ChangeRow

ADD_CONTACT, ADD_STAKEHOLDER, CREATE_DEAL = "add_contact", "add_stakeholder", "create_deal"
OPS = (ADD_CONTACT, ADD_STAKEHOLDER, CREATE_DEAL)
NAME_MAX, ROLE_MAX = 120, 80  # Salesforce Opportunity.Name is 120; OpportunityContactRole.Role a picklist


def offers_people(crm) -> bool:
    """Whether the configured CRM can take people from the inbox (the add-ins offer the buttons only then)."""
    return isinstance(crm, PeopleWriter)


def writer(crm) -> PeopleWriter:
    """The CRM as a PeopleWriter; 422 `not_supported`, naming the CRM, where it is not one."""
    if not isinstance(crm, PeopleWriter):
        raise Unprocessable(
            f"Adding contacts from the inbox is not available with {crm.display_name} yet.",
            reason="not_supported",
        )
    return crm


def options(crm, rep: Principal) -> CrmOptions:
    """The CRM's stakeholder roles and open stages for new deals; 422 `not_supported` if it takes none."""
    return crm_call(writer(crm).crm_options, rep)


def person_queue(email: str) -> str:
    """The outbox queue of one person's records: their contact goes before a deal made for them."""
    return "person:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]


def contact_payload(person: NewContact) -> dict:
    """JSON form of a person kept in the outbox."""
    return {
        "email": person.email.strip().lower(),
        "name": person.name,
        "company": person.company,
        "title": person.title,
    }


def contact_from_payload(p: dict) -> NewContact:
    """Inverse of contact_payload."""
    return NewContact(p["email"], p.get("name", ""), p.get("company", ""), p.get("title", ""))


def deal_payload(new: NewDeal) -> dict:
    """JSON form of a new deal kept in the outbox (amount as a decimal string, date in ISO 8601)."""
    return {
        "name": new.name,
        "stage": new.stage_id,
        "close_date": new.close_date.isoformat(),
        "amount": str(new.amount) if new.amount is not None else None,
        "role": new.role,
        "contact": contact_payload(new.contact),
    }


def deal_from_payload(p: dict) -> NewDeal:
    """Inverse of deal_payload."""
    return NewDeal(
        p["name"],
        p["stage"],
        date.fromisoformat(p["close_date"]),
        contact_from_payload(p["contact"]),
        Decimal(p["amount"]) if p.get("amount") is not None else None,
        p.get("role", ""),
    )


def check_role(crm, rep: Principal, role: str) -> None:
    """A role must be one of the CRM's own (empty = no role); refused with the valid ones before recording."""
    if not role:
        return
    try:
        roles = writer(crm).crm_options(rep).roles
    except CrmError:  # unreachable or refusing now: the CRM judges the role when the change is delivered
        return
    if role not in roles:
        raise Unprocessable(
            "The role is not valid.",
            errors={"json": {"role": [f"Not a role of this CRM. Valid: {', '.join(roles)}."]}},
        )


def deliver(crm, rep: Principal, row: ChangeRow) -> Deal | Contact:
    """Send one recorded new-record change to the CRM (the caller holds its lease)."""
    p, crm = row.payload, writer(crm)  # the CRM may have been switched since the change was recorded
    if row.op == ADD_CONTACT:
        return crm.add_contact(rep, contact_from_payload(p["contact"]))
    if row.op == ADD_STAKEHOLDER:
        return crm.add_stakeholder(rep, row.deal_id, contact_from_payload(p["contact"]), p.get("role", ""))
    return crm.create_deal(rep, deal_from_payload(p["deal"]))
