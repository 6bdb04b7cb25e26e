"""Load a backend-neutral dataset into the embedded CRM (demo data, contract tests); no DDL here."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from addin_api.crm.local import models as m
from addin_api.domain import utcnow

# Buyer-centric stages: each names what the buyer has done, not what the seller hopes.
DEFAULT_STAGES = [
    ("Problem identified", 10, False, False),
    ("Solution evaluation", 25, False, False),
    ("Technical fit", 45, False, False),
    ("Business case approved", 65, False, False),
    ("Contract sent", 85, False, False),
    ("Closed won", 100, True, True),
    ("Closed lost", 0, True, False),
]


def stage_key(label: str) -> str:
    """Stable id of a stage from its label: 'Technical fit' → 'technical_fit'."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def ensure_pipeline(session: Session) -> m.Pipeline:
    """The default sales pipeline, created on first use."""
    pipeline = session.scalar(select(m.Pipeline).where(m.Pipeline.name == "Sales"))
    if pipeline is None:
        pipeline = m.Pipeline(name="Sales")
        session.add(pipeline)
        for position, (label, probability, closed, won) in enumerate(DEFAULT_STAGES):
            pipeline.stages.append(
                m.Stage(
                    key=stage_key(label),
                    label=label,
                    position=position,
                    probability=probability,
                    is_closed=closed,
                    is_won=won,
                )
            )
        session.flush()
    return pipeline


def load_dataset(engine: Engine, dataset: dict) -> dict[str, str]:
    """Insert accounts, contacts and deals; returns dataset deal key → CRM deal id."""
    with Session(engine) as session, session.begin():
        pipeline = ensure_pipeline(session)
        stages = {s.label: s for s in pipeline.stages}
        accounts = {
            a["key"]: m.Account(name=a["name"], domain=a.get("domain", "")) for a in dataset["accounts"]
        }
        session.add_all(accounts.values())
        contacts = {
            c["key"]: m.Contact(
                account=accounts[c["account"]],
                email=c["email"].lower(),
                name=c["name"],
                title=c.get("title", ""),
            )
            for c in dataset["contacts"]
        }
        session.add_all(contacts.values())
        deals = {d["key"]: _deal(d, accounts, contacts, stages, pipeline) for d in dataset["deals"]}
        session.add_all(deals.values())
        session.flush()
        return {key: str(deal.id) for key, deal in deals.items()}


def _deal(spec: dict, accounts: dict, contacts: dict, stages: dict, pipeline: m.Pipeline) -> m.Deal:
    stage = stages[spec["stage"]]
    case = spec.get("business_case", {})
    deal = m.Deal(
        account=accounts[spec["account"]],
        pipeline=pipeline,
        stage=stage,
        name=spec["name"],
        amount=Decimal(spec["amount"]) if spec.get("amount") else None,
        currency=spec.get("currency", "USD"),
        close_date=date.fromisoformat(spec["close_date"]) if spec.get("close_date") else None,
        next_step=spec.get("next_step", ""),
        owner_email=spec["owner"].lower(),
        owner_name=spec.get("owner_name", ""),
        probability=stage.probability,
        updated_at=utcnow(),
        **{f"bc_{k}": v for k, v in case.items()},
    )
    deal.roles = [
        m.DealContact(
            contact=contacts[r["contact"]], role=r.get("role", ""), is_primary=r.get("primary", False)
        )
        for r in spec.get("contacts", [])
    ]
    deal.team = [m.DealTeamMember(email=e.lower()) for e in spec.get("team", [])]
    for e in spec.get("emails", []):
        _activity(deal, e)
    return deal


def _activity(deal: m.Deal, spec: dict) -> None:
    sent_at = (
        spec["sent_at"] if isinstance(spec["sent_at"], datetime) else datetime.fromisoformat(spec["sent_at"])
    )
    deal.activities.append(
        m.Activity(
            message_id=spec["message_id"],
            subject=spec.get("subject", ""),
            from_address=spec["from"].lower(),
            to=list(spec.get("to", [])),
            cc=list(spec.get("cc", [])),
            sent_at=sent_at,
            direction=spec["direction"],
            body=spec.get("body", ""),
            rating=spec.get("rating"),
        )
    )


def reset(engine: Engine) -> None:
    """Empty the embedded CRM's tables, ids restarting at 1 (demo reloads only); the schema stays."""
    tables = m.LocalBase.metadata.sorted_tables
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY"))
            return
        for table in reversed(tables):  # children first: foreign keys are enforced
            conn.execute(table.delete())
