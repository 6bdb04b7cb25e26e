"""New records in the embedded CRM: contacts (with their account), stakeholder roles and deals."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from addin_api import domain as d
from addin_api.crm.local import models as m
from addin_api.crm.port import CrmRejected

# The embedded CRM's stakeholder roles (the demo data uses these; admins of the embedded CRM get this list).
ROLES = (
    "Economic buyer",
    "Champion",
    "Decision maker",
    "Technical buyer",
    "Finance approver",
    "Procurement",
    "Security",
    "Influencer",
    "End user",
)
DEFAULT_PIPELINE = "Sales"


def pipeline(s: Session) -> m.Pipeline:
    """The pipeline new deals go into (the default one; the first, if an admin renamed it)."""
    found = s.scalar(select(m.Pipeline).where(m.Pipeline.name == DEFAULT_PIPELINE))
    found = found or s.scalar(select(m.Pipeline).order_by(m.Pipeline.id))
    if found is None:
        raise CrmRejected("the embedded CRM has no pipeline yet")
    return found


def ensure_contact(s: Session, person: d.NewContact) -> m.Contact:
    """The contact with this address, else a new one at the account of its domain (or company name)."""
    email = person.email.strip().lower()
    contact = s.scalar(select(m.Contact).where(m.Contact.email == email))
    if contact is not None:
        return contact
    contact = m.Contact(
        email=email,
        name=(person.name.strip() or d.name_from_address(email))[:200],
        title=person.title.strip()[:200],
        account=_account(s, person),
    )
    s.add(contact)
    s.flush()  # a simultaneous add of the same address fails here (unique email) and is retried by the caller
    return contact


def _account(s: Session, person: d.NewContact) -> m.Account:
    by_domain = select(m.Account).where(func.lower(m.Account.domain) == person.domain).order_by(m.Account.id)
    company = person.company_or_domain()
    by_name = select(m.Account).where(func.lower(m.Account.name) == company.lower()).order_by(m.Account.id)
    account = s.scalars(by_domain).first() or s.scalars(by_name).first()
    if account is None:
        account = m.Account(name=company[:200] or person.domain, domain=person.domain[:200])
        s.add(account)
    return account


def set_role(s: Session, deal: m.Deal, contact: m.Contact, role: str, primary: bool = False) -> None:
    """The contact's role on the deal: added, or changed if they already have one."""
    row = next((r for r in deal.roles if r.contact_id == contact.id), None)
    if row is None:
        deal.roles.append(m.DealContact(contact=contact, role=role[:80], is_primary=primary))
    else:
        row.role = role[:80]


def find_or_add_deal(s: Session, rep: d.Principal, new: d.NewDeal, contact: m.Contact) -> m.Deal:
    """The rep's open deal of this name on the contact's account, else a new one in the default pipeline."""
    existing = s.scalars(
        select(m.Deal)
        .join(m.Stage, m.Deal.stage_id == m.Stage.id)
        .where(
            m.Deal.account_id == contact.account_id,
            func.lower(m.Deal.name) == new.name.strip().lower(),
            m.Deal.owner_email == rep.email.lower(),
            m.Stage.is_closed.is_(False),
        )
    ).first()
    if existing is not None:
        return existing
    pipe = pipeline(s)
    stage = next((st for st in pipe.stages if st.key == new.stage_id), None)
    if stage is None:
        raise CrmRejected(f"'{new.stage_id}' is not a stage of the {pipe.name} pipeline")
    deal = m.Deal(
        account_id=contact.account_id,
        pipeline=pipe,
        stage=stage,
        name=new.name.strip()[:200],
        amount=new.amount,
        currency="USD",
        close_date=new.close_date,
        next_step="",
        owner_email=rep.email.lower(),
        owner_name=(rep.name or "")[:200],
        probability=stage.probability,
        updated_at=d.utcnow(),
        updated_by=(rep.name or rep.email)[:320],
    )
    s.add(deal)
    set_role(s, deal, contact, new.role, primary=True)
    s.flush()
    return deal


def options(s: Session) -> d.CrmOptions:
    """Roles and the open stages of the default pipeline."""
    stages = tuple(
        d.Stage(st.key, st.label, st.is_closed, st.is_won, st.probability)
        for st in pipeline(s).stages
        if not st.is_closed
    )
    return d.CrmOptions(ROLES, stages, "USD")
