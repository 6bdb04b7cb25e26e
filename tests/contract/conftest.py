"""Every CRM adapter behind the port, loaded with one backend-neutral dataset: local, Salesforce, HubSpot."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import requests
from sqlalchemy.orm import Session

from addin_api.config import load_settings
from addin_api.crm.hubspot.adapter import HubSpotCrm
from addin_api.crm.local import models as local_models
from addin_api.crm.local.adapter import LocalCrm
from addin_api.crm.local.seed import load_dataset
from addin_api.crm.port import CrmPort
from addin_api.crm.salesforce.adapter import SalesforceCrm
from addin_api.domain import Principal, utcnow
from addin_api.store.db import make_engine
from tests.keys import BASE_SETTINGS
from tests.standins import hubspot
from tests.standins.salesforce import SalesforceStandin, signing_key

REP = Principal("rep@demo.example", "oid-rep", "tid-demo", "Riley Rep")
REP2 = Principal("rep2@demo.example", "oid-rep2", "tid-demo")  # on the platform deal's team; no display name
PIPELINE = [
    "Problem identified",
    "Solution evaluation",
    "Technical fit",
    "Business case approved",
    "Contract sent",
    "Closed won",
    "Closed lost",
]
CASE = {
    "problem": "Renewals are tracked in spreadsheets",
    "root_cause": "No shared system of record",
    "why_it_matters": "Churn cost 4% of revenue",
    "budget": "Approved in FY27 IT budget",
    "compelling_event": "Audit in March",
    "risks": "Data migration effort",
}
# The admin's custom fields on Opportunity holding the business case (Salesforce only).
CASE_FIELDS = {name: f"Addin_{name.title().replace('_', '')}__c" for name in CASE}


def _email(n: int, sender: str, to: str, day: int, direction: str) -> dict:
    return {
        "message_id": f"<m{n}@acme.example>",
        "subject": f"Thread {n}",
        "from": sender,
        "to": [to],
        "cc": [],
        "sent_at": f"2026-11-{day:02d}T09:00:00+00:00",
        "direction": direction,
        "rating": None,
        "body": "...",
    }


DATASET = {
    "accounts": [
        {"key": "acme", "name": "Acme Corp", "domain": "acme.example"},
        {"key": "globex", "name": "Globex", "domain": "globex.example"},
        {"key": "initech", "name": "Initech", "domain": "initech.example"},
    ],
    "contacts": [
        {"key": "ada", "account": "acme", "email": "ada@acme.example", "name": "Ada Buyer", "title": "CFO"},
        {"key": "bob", "account": "acme", "email": "bob@acme.example", "name": "Bob Builder", "title": "CTO"},
        {
            "key": "gina",
            "account": "globex",
            "email": "gina@globex.example",
            "name": "Gina Green",
            "title": "COO",
        },
    ],
    "deals": [
        {
            "key": "acme-platform",
            "account": "acme",
            "name": "Acme platform rollout",
            "stage": "Technical fit",
            "amount": "120000.00",
            "currency": "EUR",
            "close_date": "2026-12-31",
            "next_step": "Security review call",
            "owner": "rep@demo.example",
            "team": ["rep2@demo.example"],
            "business_case": CASE,
            "contacts": [
                {"contact": "ada", "role": "Economic buyer", "primary": True},
                {"contact": "bob", "role": "Champion", "primary": False},
            ],
            "emails": [
                _email(1, "ada@acme.example", "rep@demo.example", 1, "inbound"),
                _email(2, "rep@demo.example", "ada@acme.example", 2, "outbound"),
            ],
        },
        {
            "key": "acme-renewal",
            "account": "acme",
            "name": "Acme 2025 renewal",
            "stage": "Closed won",
            "amount": "50000.00",
            "currency": "EUR",
            "close_date": "2025-12-31",
            "next_step": "",
            "owner": "rep@demo.example",
            "contacts": [{"contact": "ada", "role": "Economic buyer", "primary": True}],
        },
        {
            "key": "globex-pilot",
            "account": "globex",
            "name": "Globex pilot",
            "stage": "Solution evaluation",
            "amount": "30000.00",
            "currency": "USD",
            "close_date": "2027-02-28",
            "next_step": "Pilot scope",
            "owner": "rep2@demo.example",
            "contacts": [
                {"contact": "gina", "role": "Champion", "primary": True},
                {"contact": "ada", "role": "Advisor", "primary": False},
            ],
        },
        {
            "key": "initech-audit",
            "account": "initech",
            "name": "Initech audit",
            "stage": "Problem identified",
            "amount": "15000.00",
            "currency": "USD",
            "close_date": "2027-03-31",
            "next_step": "Discovery call",
            "owner": "rep@demo.example",
            "contacts": [],
        },
    ],
}


@dataclass
class Backend:
    """An adapter under test, the CRM ids of the dataset's deals, and a way to edit a deal behind its back.

    `edit(deal_id, amount=..., close_date=...)` changes fields the port cannot write, as someone working
    in the CRM itself would.
    """

    name: str
    crm: CrmPort
    ids: dict[str, str]
    edit: Callable[..., None]


@pytest.fixture(params=["local", "salesforce", "hubspot"])
def backend(request, tmp_path, database_url):
    """The same dataset behind each adapter, on the run's database (SQLite, or PostgreSQL if asked for)."""
    engine = make_engine(database_url)
    builder = {"local": _local, "salesforce": _salesforce, "hubspot": _hubspot}[request.param]
    try:
        with builder(engine, tmp_path) as (crm, ids, edit):
            yield Backend(request.param, crm, ids, edit)
    finally:
        engine.dispose()


@contextmanager
def _local(engine, tmp_path):
    settings = load_settings({}, {**BASE_SETTINGS, "instance_path": str(tmp_path)})
    crm = LocalCrm.from_settings(settings, engine=engine, http=None)

    def edit(deal_id: str, **fields) -> None:
        with Session(engine) as s, s.begin():
            deal = s.get(local_models.Deal, int(deal_id))
            for name, value in fields.items():
                setattr(deal, name, value)
            deal.updated_at, deal.updated_by = utcnow(), None

    yield crm, load_dataset(engine, DATASET), edit


@contextmanager
def _salesforce(engine, tmp_path):
    key_path = tmp_path / "salesforce-key.pem"
    key_path.write_text(signing_key().private_pem)
    with SalesforceStandin(public_key_pem=signing_key().public_pem) as sf, requests.Session() as http:
        ids = sf.load_dataset(DATASET, business_case_fields=CASE_FIELDS)
        settings = load_settings(
            {},
            {
                **BASE_SETTINGS,
                **sf.settings_overrides(str(key_path)),
                "salesforce_business_case_fields": json.dumps(CASE_FIELDS),
            },
        )

        def edit(deal_id: str, **fields) -> None:
            names = {"amount": "Amount", "close_date": "CloseDate"}
            sf.org.update("Opportunity", deal_id, {names[k]: _sf_value(v) for k, v in fields.items()})

        yield SalesforceCrm.from_settings(settings, engine=engine, http=http), ids, edit


def _sf_value(value):
    # As the REST API carries them: currency as a JSON number, dates as YYYY-MM-DD.
    return float(value) if isinstance(value, Decimal) else value.isoformat() if value else value


HS_CASE = {name: f"addin_{name}" for name in CASE}  # the admin's deal properties for the business case


@contextmanager
def _hubspot(engine, tmp_path):
    with hubspot.HubSpotStandin() as hs, requests.Session() as http:
        ids = hubspot.load_dataset(hs, DATASET, HS_CASE)
        settings = load_settings(
            {},
            {
                **BASE_SETTINGS,
                **hs.settings_overrides(),
                "hubspot_business_case_properties": json.dumps(HS_CASE),
            },
        )

        def edit(deal_id: str, **fields) -> None:
            names = {"amount": "amount", "close_date": "closedate"}
            values = {names[k]: _hs_value(v) for k, v in fields.items()}
            hs.update("deals", deal_id, values, user_id="9001")

        yield HubSpotCrm.from_settings(settings, engine=engine, http=http), ids, edit


def _hs_value(value):
    # HubSpot property values are strings; dates are midnight UTC datetimes.
    return f"{value.isoformat()}T00:00:00Z" if isinstance(value, date) else str(value)
