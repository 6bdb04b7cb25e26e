"""Small builders of domain objects for unit tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from addin_api.domain import ActivityStats, Contact, Deal, Principal, Stage

STAGES = (
    Stage("problem_identified", "Problem identified"),
    Stage("technical_fit", "Technical fit"),
    Stage("contract_sent", "Contract sent"),
    Stage("closed_won", "Closed won", True, True),
)
REP = Principal("rep@demo.example", "oid-1", "tid-1", "Riley Rep")
OTHER = Principal("other@demo.example", "oid-2", "tid-1", "Other Rep")


def make_deal(**over) -> Deal:
    """A deal owned by REP in 'Technical fit' unless overridden."""
    fields = dict(
        id="D1",
        name="Acme rollout",
        account_name="Acme",
        stage=STAGES[1],
        stages=STAGES,
        amount=Decimal("1000"),
        currency="EUR",
        close_date=date(2026, 12, 31),
        next_step="Call",
        owner_email=REP.email,
        owner_name=REP.name,
        probability=40,
        version="1",
        stats=ActivityStats(),
    )
    fields.update(over)
    return Deal(**fields)


def make_contact(email="ada@acme.example") -> Contact:
    """A contact at Acme."""
    return Contact("C1", email, "Ada Buyer", "CFO", "Acme")
