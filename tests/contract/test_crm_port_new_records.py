"""New records through PeopleWriter, identical against every adapter offering it: contacts, roles, deals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from addin_api.crm.port import CrmNotFound, CrmRejected
from addin_api.domain import NewContact, NewDeal
from tests.contract.conftest import REP, Backend


@pytest.fixture
def backend(writer_backend) -> Backend:
    """Each adapter that offers PeopleWriter (the file's tests name it `backend`)."""
    return writer_backend


NADIA = NewContact("Nadia.Patel@northwind.example", "Nadia Patel", "Northwind Traders")
CAROL = NewContact("carol@acme.example", "Carol Chen", "")  # a new person at a known account


def test_options_have_the_crms_roles_and_only_open_stages(backend):
    options = backend.crm.crm_options(REP)
    assert len(options.roles) >= 3 and all(options.roles)
    assert options.stages and not any(s.is_closed for s in options.stages)
    assert options.stages[0].label == "Problem identified"


def test_add_contact_makes_the_account_once_and_a_repeat_returns_the_same_contact(backend):
    first = backend.crm.add_contact(REP, NADIA)
    again = backend.crm.add_contact(REP, NewContact("nadia.patel@northwind.example", "N. Patel", "Other Inc"))
    assert first.id == again.id
    assert (first.email, first.name, first.account_name) == (
        "nadia.patel@northwind.example",
        "Nadia Patel",
        "Northwind Traders",
    )
    found = backend.crm.find_context(REP, ["nadia.patel@northwind.example"])
    assert [c.contact.id for c in found] == [first.id] and found[0].deals == ()


def test_a_new_person_joins_the_account_of_their_email_domain(backend):
    carol = backend.crm.add_contact(REP, CAROL)
    assert carol.account_name == "Acme Corp"
    found = backend.crm.find_context(REP, ["carol@acme.example"])
    # Her account's open deal, where the CRM matches deals by account; else none until she is put on one.
    expected = {"Acme platform rollout"} if backend.crm.matches_by_account else set()
    assert [c.contact.id for c in found] == [carol.id] and {d.name for d in found[0].deals} == expected


def test_add_stakeholder_puts_a_new_person_on_the_deal_and_a_repeat_only_changes_the_role(backend):
    deal_id = backend.ids["initech-audit"]
    roles = backend.crm.crm_options(REP).roles
    deal = backend.crm.add_stakeholder(REP, deal_id, NADIA, roles[0])
    again = backend.crm.add_stakeholder(REP, deal_id, NADIA, roles[1])
    assert [(s.email, s.role) for s in deal.stakeholders] == [("nadia.patel@northwind.example", roles[0])]
    assert [(s.email, s.role) for s in again.stakeholders] == [("nadia.patel@northwind.example", roles[1])]
    # Now found through the stakeholder role, though Initech is not her account.
    found = backend.crm.find_context(REP, ["nadia.patel@northwind.example"])
    assert [d.id for d in found[0].deals] == [deal_id]


def test_add_stakeholder_on_a_missing_deal_is_not_found(backend):
    missing = "999999" if backend.name == "local" else "006000000099999AAA"
    with pytest.raises(CrmNotFound):
        backend.crm.add_stakeholder(REP, missing, NADIA, "")


def test_create_deal_for_a_new_persons_account_once(backend):
    options = backend.crm.crm_options(REP)
    new = NewDeal(
        "Northwind pilot", options.stages[1].id, date(2027, 1, 9), NADIA, Decimal("184000"), options.roles[0]
    )
    deal = backend.crm.create_deal(REP, new)
    again = backend.crm.create_deal(REP, new)
    assert again.id == deal.id
    assert (deal.name, deal.account_name, deal.stage.id, deal.amount, deal.close_date) == (
        "Northwind pilot",
        "Northwind Traders",
        options.stages[1].id,
        Decimal("184000.00"),
        date(2027, 1, 9),
    )
    assert deal.owner_email == REP.email and not deal.is_closed
    assert [(s.email, s.role, s.is_primary) for s in deal.stakeholders] == [
        ("nadia.patel@northwind.example", options.roles[0], True)
    ]
    assert deal.id in {d.id for d in backend.crm.open_deals_of(REP)}


def test_create_deal_with_a_stage_the_crm_does_not_have_is_refused(backend):
    with pytest.raises(CrmRejected):
        backend.crm.create_deal(REP, NewDeal("Bad", "no such stage", date(2027, 1, 9), NADIA))
