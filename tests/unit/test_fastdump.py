"""The compiled dumps of the deal view, sidebar and pipeline answer exactly what the schemas dump."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, post_dump

from addin_api.api import fastdump
from addin_api.api import schemas as sc
from addin_api.domain import (
    ActivityStats,
    BusinessCase,
    CapturedActivity,
    CaptureStatus,
    DealMatch,
    Direction,
    EmailActivity,
    NewContact,
    Rating,
    Sentiment,
    Stage,
    Stakeholder,
    match_of,
)
from addin_api.services.views import ContactView, PipelinePage, view_of
from tests.factories import OTHER, REP, STAGES, make_contact, make_deal

NOW = datetime.now(UTC).replace(microsecond=0)


def _activity(n: int, inbound: bool, rating, sentiment) -> EmailActivity:
    return EmailActivity(
        f"<m{n}@acme.example>",
        f'Re: offer {n} — ünïcødé ✓ "quoted" \\ <tag>' if n % 2 else "",
        Direction.INBOUND if inbound else Direction.OUTBOUND,
        NOW - timedelta(days=n, minutes=n * 7, microseconds=n * 1001),
        rating,
        sentiment,
    )


SENTIMENTS = [
    None,
    Sentiment(0.0, "neutral", ()),
    Sentiment(-0.8123456789, "negative", (("cancel", -0.5), ("too expensive", -0.25), ("naïve", 0.1))),
    Sentiment(1.0, "positive", (("great", 1),)),
]


def _deals():
    """Deals covering every optional field absent and present, warnings, sentiment, closed, unicode."""
    amounts = [None, Decimal("0"), Decimal("48000.00"), Decimal("1234567890123.45"), Decimal("1E+3")]
    closes = [None, date(2026, 12, 31), date(1999, 1, 1)]
    stakeholders = [
        (),
        (Stakeholder("C1", "Ada Buyer", "ada@acme.example", "Champion", True),),
        (
            Stakeholder("C1", "Ada Buyer", "ada@acme.example", "", False),
            Stakeholder("C2", "Zoë Ölund", "zoe@acme.example", "Economic buyer", False),
        ),
    ]
    cases = [BusinessCase(), BusinessCase("Slow close", "Manual", "Cash", "50k", "Audit", "Churn ✓")]
    for n, (amount, close, people, case) in enumerate(
        itertools.product(amounts, closes, stakeholders, cases)
    ):
        acts = tuple(
            _activity(
                n + k,
                inbound=(n + k) % 3 != 0,
                rating=[None, *Rating][(n + k) % (len(Rating) + 1)],
                sentiment=s,
            )
            for k, s in enumerate(SENTIMENTS[: n % 5])
        )
        last_in = NOW - timedelta(days=(n * 3) % 40) if n % 4 else None
        stats = ActivityStats(n % 5, n % 3, last_in, NOW - timedelta(days=n % 7) if n % 2 else None)
        stage = STAGES[n % len(STAGES)]  # the last one is closed won
        yield make_deal(
            id=str(n),
            name=f"Déal {n} 中文",
            stage=stage,
            stages=STAGES if n % 2 else (*STAGES, Stage("lost", "Lost", True, False, 0)),
            amount=amount,
            close_date=close,
            next_step="" if n % 3 else "Send the contract — ünïcødé",
            owner_email=REP.email if n % 2 else OTHER.email,
            owner_name="" if n % 5 == 0 else "Riley Rep",
            probability=None if n % 3 == 0 else n % 100,
            url="" if n % 7 == 0 else f"https://crm.example/deals/{n}?t=x",
            stakeholders=people,
            business_case=case,
            activities=acts,
            stats=stats,
        )


def _views():
    captures = [
        (None, None),
        (None, CaptureStatus(CaptureStatus.MAILBOX, NOW - timedelta(minutes=3))),
        (CapturedActivity(9, 4, NOW, NOW - timedelta(days=1), 2, NOW + timedelta(days=2)), CaptureStatus()),
    ]
    for n, deal in enumerate(_deals()):
        captured, status = captures[n % 3]
        view = view_of(deal, REP, 14, NOW, captured, status)
        if n % 2:
            view = type(view)(view.deal, view.health, view.editable, match_of(deal, make_contact()))
        yield view


VIEWS = list(_views())


def _same(schema_cls, obj) -> None:
    fast = fastdump.compile_schema(schema_cls)(obj)
    slow = schema_cls().dump(obj)
    assert fast == slow
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)  # the bytes served


def test_the_variety_covers_what_a_deal_can_hold():
    healths = [v.health for v in VIEWS]
    assert any(h.warnings for h in healths) and any(not h.warnings for h in healths)
    assert any(h.sentiment_trend for h in healths)
    assert any(h.capture.source == CaptureStatus.MAILBOX for h in healths)
    assert any(h.next_meeting for h in healths) and any(v.deal.is_closed for v in VIEWS)
    assert {v.match.reason for v in VIEWS if v.match} == {DealMatch.STAKEHOLDER, DealMatch.ACCOUNT}
    assert any(v.match is None for v in VIEWS) and {v.editable for v in VIEWS} == {True, False}


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.deal.id)
def test_a_deal_view_dumps_as_the_schema_does(view):
    _same(sc.DealSchema, view)


def test_a_sidebar_open_dumps_as_the_schema_does():
    contact = make_contact()
    found = [ContactView(contact, tuple(VIEWS[:7])), ContactView(make_contact("b@acme.example"), ())]
    unknown = [NewContact("new@other.example", "New Person", "Other"), NewContact("x@y.example", "", "", "")]
    _same(sc.ContextSchema, {"contacts": found, "unknown": unknown})
    _same(sc.ContextSchema, {"contacts": [], "unknown": []})


def test_a_pipeline_page_dumps_as_the_schema_does():
    _same(sc.PipelineSchema, PipelinePage(VIEWS, "eyJhIjoxfQ"))
    _same(sc.PipelineSchema, PipelinePage([], None))


def test_a_shared_stage_list_is_dumped_once_and_stays_equal():
    dump = fastdump.compile_schema(sc.DealSchema)
    first, again = dump(VIEWS[1]), dump(VIEWS[3])
    assert first["stages"] is again["stages"]  # the same list: dumped once, reused
    assert first["stages"] == sc.DealSchema().dump(VIEWS[3])["stages"]


@pytest.mark.parametrize(
    "field",
    [
        fields.TimeDelta(),
        fields.Pluck(sc.StageSchema, "id"),
        fields.Nested(sc.StageSchema, only=("id",)),
        fields.Nested(lambda: sc.StageSchema()),
    ],
    ids=["timedelta", "pluck", "nested-only", "nested-callable"],
)
def test_a_field_the_compiler_cannot_dump_alike_is_refused_at_compile_time(field):
    odd = type("Odd", (Schema,), {"when": field})

    with pytest.raises(TypeError, match="Odd.when"):
        fastdump.compile_schema(odd)


def test_a_post_dump_hook_is_refused_rather_than_skipped():
    class Hooked(Schema):
        name = fields.String()

        @post_dump
        def _upper(self, data, **_):
            return {"name": data["name"].upper()}

    with pytest.raises(TypeError, match="Hooked"):
        fastdump.compile_schema(Hooked)


def test_the_routes_serve_the_compiled_dump_under_the_documented_schema():
    assert type(fastdump.DEAL) is sc.DealSchema  # the OpenAPI document still names the schema
    assert fastdump.DEAL.dump(VIEWS[0]) == sc.DealSchema().dump(VIEWS[0])
