"""Read use cases: the email's context, one deal, the rep's pipeline — each deal with its health."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from addin_api.crm.port import CrmNotFound, CrmPort, PagedOpenDeals
from addin_api.domain import (
    CapturedActivity,
    CaptureStatus,
    Contact,
    ContactDeals,
    Deal,
    DealMatch,
    Direction,
    EmailActivity,
    Health,
    NewContact,
    Principal,
    Rating,
    Sentiment,
    company_from_domain,
    match_of,
    name_from_address,
    utcnow,
)
from addin_api.errors import NotFound, Unprocessable
from addin_api.services.crm_errors import crm_call
from addin_api.services.health import health_of, last_activity
from addin_api.services.ports import CaptureReadPort, LedgerPort

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_PARTICIPANTS = 50
PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
MAX_SCANNED = 4  # a warning filter looks at most this many pages' worth of deals per request


@dataclass(frozen=True)
class DealView:
    """A deal as a rep sees it: the CRM's deal, its health, and whether this rep may edit it."""

    deal: Deal
    health: Health
    editable: bool
    match: DealMatch | None = None  # on an email's context: why the deal is shown


@dataclass(frozen=True)
class ContactView:
    """A matched participant and their open deals, most recently active first."""

    contact: Contact
    deals: tuple[DealView, ...]


def view_of(
    deal: Deal,
    rep: Principal,
    going_dark_days: int,
    now: datetime | None = None,
    captured: CapturedActivity | None = None,
    capture: CaptureStatus | None = None,
) -> DealView:
    """Wrap a deal with health (warnings, sentiment trend, captured mailbox activity) and edit rights."""
    health = health_of(
        deal.stats, now or utcnow(), going_dark_days, deal.activities, deal.is_closed, captured, capture
    )
    return DealView(deal, health, deal.editable_by(rep.email))


def with_sentiment(deals: Sequence[Deal], crm_name: str, ledger: LedgerPort | None) -> list[Deal]:
    """The deals with our ledger's sentiment on their email activities (one query for all of them).

    The ledger's reading (scored when the email was logged, with the org's learning) wins over one the
    CRM adapter may have scored on read.
    """
    deals = list(deals)
    if ledger is None or not deals:
        return deals
    return _with_reads(deals, ledger.read(crm_name, list({d.id for d in deals})).sentiments)


def _with_reads(deals: Sequence[Deal], found: dict[str, dict[str, Sentiment]]) -> list[Deal]:
    return [_with_read(deal, found.get(deal.id) or {}) for deal in deals]


def _with_read(deal: Deal, read: dict[str, Sentiment]) -> Deal:
    if not read:
        return deal
    acts = tuple(replace(a, sentiment=read.get(a.message_id) or a.sentiment) for a in deal.activities)
    return replace(deal, activities=acts)


class _Captured:
    """Captured counts of a set of deals and how complete they are (logged emails only, or the mailbox)."""

    def __init__(self, capture: CaptureReadPort | None, crm_name: str, deals: Sequence[Deal]):
        last, self.counts = capture.seen(crm_name, list({d.id for d in deals})) if capture else (None, {})
        self.status = CaptureStatus(CaptureStatus.MAILBOX, last) if last else CaptureStatus()

    def view(self, deal: Deal, rep: Principal, going_dark_days: int, now: datetime) -> DealView:
        """The deal's view with its captured counts."""
        return view_of(deal, rep, going_dark_days, now, self.counts.get(deal.id), self.status)


def email_context(
    crm: CrmPort,
    rep: Principal,
    emails: Sequence[str],
    going_dark_days: int,
    message_id: str | None = None,
    ledger: LedgerPort | None = None,
    capture: CaptureReadPort | None = None,
) -> list[ContactView]:
    """Contacts among the message's participants (the rep dropped) and their open deals.

    With `message_id` and `ledger`, each deal's activities include that email if the rep logged it
    through us, even when it is older than the CRM's recent activities (so its rating shows).
    """
    others = list(
        dict.fromkeys(
            e.strip().lower() for e in emails if e.strip() and e.strip().lower() != rep.email.lower()
        )
    )
    if not others:
        return []
    found = _context_with_ledger(
        crm_call(crm.find_context, rep, others[:MAX_PARTICIPANTS]), crm.name, message_id, ledger
    )
    now = utcnow()
    captured = _Captured(capture, crm.name, [dl for match in found for dl in match.deals])
    views = []
    for match in found:
        deals = sorted(
            (
                replace(captured.view(dl, rep, going_dark_days, now), match=match_of(dl, match.contact))
                for dl in match.deals
            ),
            key=lambda v: _rank(v, others),
        )
        views.append(ContactView(match.contact, tuple(deals)))
    order = {e: i for i, e in enumerate(others)}
    return sorted(views, key=lambda v: order.get(v.contact.email.lower(), len(order)))


def _rank(view: DealView, participants: list[str]) -> tuple:
    """Deals the person is on first, then those with more of the email's people on them, then most active."""
    on_deal = sum(1 for s in view.deal.stakeholders if s.email.lower() in participants)
    latest = last_activity(view.deal.stats) or _EPOCH
    return (view.match.reason != DealMatch.STAKEHOLDER, -on_deal, -latest.timestamp())


def unknown_people(rep: Principal, emails: Sequence[str], found: list[ContactView]) -> list[NewContact]:
    """Participants the CRM does not know (the rep dropped), with a name and company guessed to prefill."""
    known = {v.contact.email.lower() for v in found} | {rep.email.lower()}
    ours = rep.email.rpartition("@")[2].lower()  # colleagues are not prospects
    wanted = dict.fromkeys(e.strip().lower() for e in emails if e.strip())
    return [
        NewContact(e, name_from_address(e), company_from_domain(e.rpartition("@")[2]))
        for e in list(wanted)[:MAX_PARTICIPANTS]
        if e not in known and e.rpartition("@")[2] != ours
    ]


def deal_view(
    crm: CrmPort,
    rep: Principal,
    deal_id: str,
    going_dark_days: int,
    message_id: str | None = None,
    ledger: LedgerPort | None = None,
    capture: CaptureReadPort | None = None,
) -> DealView:
    """One deal with health (and the open email among its activities, as in email_context); 404 if absent."""
    try:
        deal = crm_call(crm.get_deal, rep, deal_id)
    except CrmNotFound:
        raise NotFound(f"No deal {deal_id}.") from None
    if ledger is not None:
        read = ledger.read(crm.name, [deal.id], message_id or None)
        deal = _with_reads([_add_logged_email(deal, read.entries.get(deal.id))], read.sentiments)[0]
    return _Captured(capture, crm.name, [deal]).view(deal, rep, going_dark_days, utcnow())


def _context_with_ledger(
    found: list[ContactDeals], crm_name: str, message_id: str | None, ledger: LedgerPort | None
) -> list[ContactDeals]:
    """Every deal with the open email if the rep logged it, and its activities' sentiment: one ledger read."""
    unique = {deal.id: deal for match in found for deal in match.deals}
    if ledger is None or not unique:
        return found
    read = ledger.read(crm_name, list(unique), message_id or None)
    done = {
        d.id: d
        for d in _with_reads(
            [_add_logged_email(d, read.entries.get(d.id)) for d in unique.values()], read.sentiments
        )
    }
    return [ContactDeals(m.contact, tuple(done[d.id] for d in m.deals)) for m in found]


def _add_logged_email(deal: Deal, entry) -> Deal:
    """The deal with our ledger's record of the email appended, unless the CRM already lists it."""
    if entry is None or any(a.message_id == entry.message_id for a in deal.activities):
        return deal
    logged = EmailActivity(
        entry.message_id,
        entry.subject,
        Direction(entry.direction),
        entry.sent_at,
        Rating(entry.rating) if entry.rating else None,
    )
    return replace(deal, activities=(*deal.activities, logged))


def pipeline(
    crm: CrmPort,
    rep: Principal,
    going_dark_days: int,
    ledger: LedgerPort | None = None,
    capture: CaptureReadPort | None = None,
) -> list[DealView]:
    """The rep's open deals: warned first, then going dark (longest silence first), then by close date."""
    now = utcnow()
    deals = with_sentiment(crm_call(crm.open_deals_of, rep), crm.name, ledger)
    captured = _Captured(capture, crm.name, deals)
    return _by_attention([captured.view(dl, rep, going_dark_days, now) for dl in deals], now)


def _by_attention(views: list[DealView], now: datetime) -> list[DealView]:
    """Warned first, then going dark (longest silence first), then by close date."""
    return sorted(
        views,
        key=lambda v: (
            not v.health.warnings,
            not v.health.going_dark,
            -(v.health.days_since_inbound or 0),
            v.deal.close_date or now.date(),
        ),
    )


def clear_deal(found: list[ContactView]) -> DealView | None:
    """The deal that is clearly it: the only deal a participant is a stakeholder of (else None)."""
    on_deal = {
        v.deal.id: v for c in found for v in c.deals if v.match and v.match.reason == DealMatch.STAKEHOLDER
    }
    return next(iter(on_deal.values())) if len(on_deal) == 1 else None


@dataclass(frozen=True)
class PipelinePage:
    """One page of the pipeline and the cursor of the next one (None: this was the last)."""

    deals: list[DealView]
    next: str | None


def pipeline_page(
    crm: CrmPort,
    rep: Principal,
    going_dark_days: int,
    ledger: LedgerPort | None = None,
    capture: CaptureReadPort | None = None,
    *,
    limit: int = PAGE_SIZE,
    cursor: str | None = None,
    stage: str | None = None,
    warning: str | None = None,
) -> PipelinePage:
    """The rep's open deals a page at a time, in close-date order (each page warned first).

    Every deal is on exactly one page. `stage` filters in the CRM; `warning` keeps deals with that
    warning, scanning at most MAX_SCANNED pages of deals per request (a page may then hold fewer).
    """
    after, now, views, exhausted = _decode_cursor(cursor), utcnow(), [], False
    for _ in range(1 if warning is None else MAX_SCANNED):
        batch = _open_page(crm, rep, limit + 1, after, stage)
        exhausted, batch = len(batch) <= limit, with_sentiment(batch[:limit], crm.name, ledger)
        captured = _Captured(capture, crm.name, batch)
        for n, deal in enumerate(batch, 1):
            after, view = _position(deal), captured.view(deal, rep, going_dark_days, now)
            if warning is None or any(w.code == warning for w in view.health.warnings):
                views.append(view)
            if len(views) == limit:
                exhausted = exhausted and n == len(batch)
                break
        if exhausted or len(views) == limit:
            break
    return PipelinePage(_by_attention(views, now), None if exhausted else _encode_cursor(after))


def _open_page(crm: CrmPort, rep: Principal, n: int, after, stage: str | None) -> list[Deal]:
    """Up to `n` open deals after `after` in position order; CRMs that cannot page are paged here."""
    if isinstance(crm, PagedOpenDeals):
        return crm_call(crm.open_deals_page, rep, n, after, stage)
    deals = sorted(crm_call(crm.open_deals_of, rep), key=_order)
    picked = (dl for dl in deals if stage is None or dl.stage.id == stage)
    return [dl for dl in picked if after is None or _order(dl) > _order_of(after)][:n]


def _position(deal: Deal) -> tuple[date, str]:
    return deal.close_date or date.max, deal.id


def _order_of(position: tuple[date, str]) -> tuple[date, int, str]:
    # Ids compare by length first, so numeric ids (the embedded CRM's) sort as numbers.
    return position[0], len(position[1]), position[1]


def _order(deal: Deal) -> tuple[date, int, str]:
    return _order_of(_position(deal))


def _encode_cursor(position: tuple[date, str]) -> str:
    raw = json.dumps([position[0].isoformat(), position[1]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[date, str] | None:
    """The position a cursor we issued points after; Unprocessable for anything else."""
    if not cursor:
        return None
    try:
        close, deal_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(deal_id, str) or not deal_id:
            raise ValueError
        return date.fromisoformat(close), deal_id
    except (ValueError, TypeError, binascii.Error):
        raise Unprocessable("The page cursor is not valid; start again from the first page.") from None
