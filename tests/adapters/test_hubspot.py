"""HubSpot specifics against the loopback stand-in: calls per open, no clobber, no doubled emails, 429s."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import requests

from addin_api.config import load_settings
from addin_api.crm.hubspot.adapter import HubSpotCrm
from addin_api.crm.port import CrmConflict, CrmRejected, CrmUnavailable
from addin_api.domain import DealChanges, Direction, EmailLog, NewContact, NewDeal, Rating
from addin_api.store.db import make_engine
from tests.contract.conftest import DATASET, HS_CASE, REP
from tests.keys import BASE_SETTINGS
from tests.standins.hubspot import holding

EMAILS = "POST /crm/objects/2026-03/emails"


@pytest.fixture
def hs():
    with holding(DATASET, HS_CASE) as standin:
        yield standin


@pytest.fixture
def crm(hs, database_url):
    engine = make_engine(database_url)
    overrides = {
        **BASE_SETTINGS,
        **hs.settings_overrides(),
        "hubspot_business_case_properties": json.dumps(HS_CASE),
    }
    with requests.Session() as http:
        yield HubSpotCrm.from_settings(load_settings({}, overrides), engine=engine, http=http)
    engine.dispose()


def _email(rating=Rating.POSITIVE) -> EmailLog:
    return EmailLog(
        "<lost@acme.example>",
        "Re: terms",
        "ada@acme.example",
        ("rep@demo.example",),
        (),
        datetime(2026, 11, 9, 9, tzinfo=UTC),
        Direction.INBOUND,
        "Fine by us",
        rating,
    )


def test_a_sidebar_open_costs_three_calls_and_the_hourly_cache_fills_two_more(hs, crm):
    # Counted as requests reaching HubSpot. Every open: contacts batch read by email, contact→deal
    # associations, deals batch read (health from the deals' roll-ups, no emails read). Cold, the
    # pipelines and owners caches fill once (kept an hour): two more, not repeated on the next open.
    crm.find_context(REP, ["ada@acme.example"])
    fills = hs.count("GET /crm/pipelines") + hs.count("GET /crm/owners")
    assert fills == 2 and len(hs.calls) - fills == 3
    hs.calls.clear()
    crm.find_context(REP, ["ada@acme.example", "gina@globex.example"])
    assert len(hs.calls) == 3 and hs.count("POST /crm/objects/2026-03/contacts/batch/read") == 1
    assert hs.count("POST /crm/objects/2026-03/emails") == 0


def test_sidebar_health_comes_from_the_deals_roll_ups(hs, crm):
    (ada,) = crm.find_context(REP, ["ada@acme.example"])
    platform = next(x for x in ada.deals if x.id == hs.ids["acme-platform"])
    # One logged email each way (dataset): HubSpot's roll-ups say contacted once, a reply on Nov 1.
    assert (platform.stats.outbound_count, platform.stats.last_outbound) == (
        1,
        datetime(2026, 11, 2, 9, tzinfo=UTC),
    )
    assert (platform.stats.inbound_count, platform.stats.last_inbound) == (
        1,
        datetime(2026, 11, 1, 9, tzinfo=UTC),
    )
    crm.log_email(REP, platform.id, _email())  # a buyer email of Nov 9, logged through us
    (ada,) = crm.find_context(REP, ["ada@acme.example"])
    platform = next(x for x in ada.deals if x.id == hs.ids["acme-platform"])
    assert platform.stats.last_inbound == datetime(2026, 11, 9, 9, tzinfo=UTC)


def test_read_only_stages_are_not_offered(hs, crm):
    deal = crm.get_deal(REP, hs.ids["acme-platform"])
    assert "Legal hold" not in [s.label for s in deal.stages] and len(deal.stages) == 7


def test_a_change_made_in_hubspot_behind_our_back_is_a_conflict_not_overwritten(hs, crm):
    mine = crm.get_deal(REP, hs.ids["acme-platform"])
    hs.update("deals", mine.id, {"hs_next_step": "Set by a colleague in HubSpot"}, user_id="9001")
    with pytest.raises(CrmConflict) as caught:
        crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Mine"))
    assert caught.value.theirs.next_step == "Set by a colleague in HubSpot"
    assert caught.value.theirs.changed_by == "rep2@demo.example"  # the HubSpot user, through owners
    assert hs.objects["deals"][mine.id]["properties"]["hs_next_step"] == "Set by a colleague in HubSpot"
    assert hs.count("PATCH") == 0


def test_a_create_whose_answer_was_lost_is_found_not_repeated(hs, crm):
    deal_id = hs.ids["acme-platform"]
    hs.lose_next_answer("/crm/objects/2026-03/emails")
    hs.lagging = True  # and search has not seen the new email yet
    with pytest.raises(CrmUnavailable):
        crm.log_email(REP, deal_id, _email())
    with pytest.raises(CrmUnavailable):  # not found by search, record young: wait, do not create again
        crm.log_email(REP, deal_id, _email())
    hs.catch_up()
    email_id = crm.log_email(REP, deal_id, _email(Rating.NEGATIVE))
    assert hs.calls.count(EMAILS) == 1  # one create ever
    created = [
        e
        for e in hs.objects["emails"].values()
        if e["properties"].get("addin_message_id") == "<lost@acme.example>"
    ]
    assert [e["id"] for e in created] == [email_id]
    assert created[0]["properties"]["addin_rating"] == "negative"  # the retry re-rated the same email
    assert crm.log_email(REP, deal_id, _email()) == email_id and hs.calls.count(EMAILS) == 1


def test_the_created_email_carries_the_reps_owner_and_links_deal_and_contacts(hs, crm):
    email_id = crm.log_email(REP, hs.ids["acme-platform"], _email())
    props = hs.objects["emails"][email_id]["properties"]
    assert props["hubspot_owner_id"] == "502" and props["hs_email_direction"] == "INCOMING_EMAIL"
    linked = {(t, j) for k, i, t, j, _ in hs.links if k == "emails" and i == email_id}
    assert ("deals", hs.ids["acme-platform"]) in linked and any(t == "contacts" for t, _ in linked)


def test_a_secondly_rate_limit_is_waited_out_within_the_request(hs, crm):
    hs.throttle("TEN_SECONDLY_ROLLING", times=2)
    deal = crm.get_deal(REP, hs.ids["acme-platform"])
    assert deal.name == "Acme platform rollout"


def test_a_daily_rate_limit_is_not_retried_the_change_waits_for_the_reset(hs, crm):
    hs.throttle("DAILY")
    with pytest.raises(CrmUnavailable) as caught:
        crm.get_deal(REP, hs.ids["acme-platform"])
    assert "daily" in caught.value.message
    assert len(hs.calls) == 1


NADIA = NewContact("nadia@northwind.example", "Nadia Patel", "Northwind Traders")
CONTACTS = "POST /crm/objects/2026-03/contacts"
DEALS = "POST /crm/objects/2026-03/deals"


def test_a_contact_create_whose_answer_was_lost_is_found_by_address_not_repeated(hs, crm):
    hs.lose_next_answer("/crm/objects/2026-03/contacts")
    with pytest.raises(CrmUnavailable):
        crm.add_contact(REP, NADIA)
    hs.lagging = True  # search has not seen it: the address's batch read does not need it to
    again = crm.add_contact(REP, NADIA)
    assert hs.calls.count(CONTACTS) == 1
    assert [c["id"] for c in hs.objects["contacts"].values() if c["properties"]["email"] == NADIA.email] == [
        again.id
    ]


def test_a_new_deal_is_created_once_with_contact_role_and_company_even_while_search_lags(hs, crm):
    options = crm.crm_options(REP)
    new = NewDeal(
        "Northwind pilot", options.stages[1].id, date(2027, 1, 9), NADIA, Decimal("9000"), "Champion"
    )
    hs.lagging = True  # the repeat must find the deal through the contact's associations, not search
    deal = crm.create_deal(REP, new)
    assert crm.create_deal(REP, new).id == deal.id and hs.calls.count(DEALS) == 1
    props = hs.objects["deals"][deal.id]["properties"]
    assert (props["pipeline"], props["dealstage"], props["hubspot_owner_id"]) == (
        "default",
        "solutionevaluation",
        "502",
    )
    [company] = [
        c["id"] for c in hs.objects["companies"].values() if c["properties"]["domain"] == "northwind.example"
    ]
    [contact] = deal.stakeholders
    labels = {
        x for k, i, t, j, x in hs.links if (k, i, t, j) == ("deals", deal.id, "contacts", contact.contact_id)
    }
    assert labels == {"", "Primary", "Champion"}
    assert ("deals", deal.id, "companies", company, "Primary") in hs.links


def test_changing_a_stakeholders_role_replaces_its_label_and_keeps_primary(hs, crm):
    deal_id = hs.ids["acme-platform"]
    deal = crm.add_stakeholder(REP, deal_id, NewContact("ada@acme.example", "Ada Buyer"), "Champion")
    assert [(s.email, s.role, s.is_primary) for s in deal.stakeholders if s.email == "ada@acme.example"] == [
        ("ada@acme.example", "Champion", True)
    ]
    ada = next(s.contact_id for s in deal.stakeholders if s.email == "ada@acme.example")
    labels = {x for k, i, t, j, x in hs.links if (k, i, t, j) == ("deals", deal_id, "contacts", ada)}
    assert labels == {"", "Champion", "Primary"}  # "Economic buyer" is gone, not merely sorted after
    with pytest.raises(CrmRejected):
        crm.add_stakeholder(REP, deal_id, NADIA, "Not a label")
