"""Pure views from service results to cards: pipeline, the email's contacts, a deal, a change's outcome."""

from __future__ import annotations

from collections.abc import Sequence

from addin_api.domain import BusinessCase, CaptureStatus, Deal, Health, NewContact, Sentiment, Stage, utcnow
from addin_api.formatting import Formatter, days_ago
from addin_api.gmail import cards
from addin_api.gmail.links import Links
from addin_api.gmail.people_views import contact_row, match_text, strangers_section
from addin_api.gmail.reading_views import (
    RATING_TEXT,
    rate_buttons,
    rating_of,
    reading_section,
    reading_state,
    reading_widgets,
    trend,
)
from addin_api.services.changes import ChangeStatus
from addin_api.services.views import ContactView, DealView

SYNCING = "Saved, syncing to CRM…"  # the Outlook pane's words for a queued change
CASE_LABELS = {
    "problem": "Problem",
    "root_cause": "Root cause",
    "why_it_matters": "Why it matters",
    "budget": "Budget",
    "compelling_event": "Compelling event",
    "risks": "Risks",
}


def pipeline_card(deals: Sequence[DealView], links: Links) -> dict:
    """The rep's open deals, going dark first (the homepage)."""
    empty = cards.paragraph("You have no open deals.") if not deals else None
    rows = [_deal_row(view, links, None) for view in deals]
    return cards.card("Your pipeline", [cards.section([empty, *rows])], subtitle=f"{len(deals)} open deals")


def context_card(
    contacts: Sequence[ContactView],
    subject: str,
    message_id: str | None,
    links: Links,
    unknown: Sequence[NewContact] = (),
    reading: Sentiment | None = None,
) -> dict:
    """The email's CRM contacts with their open deals (and why each matched), then people not in the CRM.

    With `reading` (the open email's sentiment), a first section shows how it reads and, when the email
    belongs to exactly one deal the rep may edit, 👍/👎 to agree or disagree before opening it.
    """
    strangers = strangers_section(unknown, links, message_id)
    if not contacts:
        text = "None of the people on this email is a contact in the CRM."
        return cards.card(
            "No CRM contacts on this email",
            [cards.section([cards.paragraph(text)]), strangers],
            subtitle=subject,
        )
    shown: set[str] = set()
    sections = [reading_section(contacts, message_id, links, reading)]
    for contact in contacts:
        who = contact.contact.name
        rows = [
            _deal_row(v, links, message_id, who, reading) for v in contact.deals if v.deal.id not in shown
        ]
        shown.update(v.deal.id for v in contact.deals)
        empty = "Their open deals are listed above." if contact.deals else "No open deals."
        sections.append(cards.section([contact_row(contact), *(rows or [cards.paragraph(empty)])]))
    return cards.card(
        subject or "(no subject)", [*sections, strangers], subtitle="Deals of the people on this email"
    )


def close_card(
    deal: Deal,
    stage: Stage,
    next_step: str | None,
    links: Links,
    message_id: str | None,
    reading: Sentiment | None = None,
) -> dict:
    """Moving to a closed stage asks first, with an optional reason (kept as the next step)."""
    kept = {"deal_id": deal.id, "message_id": message_id, "reading": reading_state(reading)}
    confirm = links.call(
        "on_save_deal", **kept, version=deal.version, stage=stage.id, next_step=next_step, choice="confirmed"
    )
    cancel = links.call("on_refresh_deal", **kept)
    outcome = "won" if stage.is_won else "lost"
    widgets = [
        cards.paragraph(f"It leaves your open pipeline as {outcome}."),
        # The reason is saved as "<stage label>: <reason>", which must fit the CRM's next step.
        cards.text_input("close_reason", "Reason (optional)", max_chars=links.limits.next_step_max - 40),
        cards.buttons(cards.button(f"Yes, {stage.label.lower()}", confirm), cards.button("Cancel", cancel)),
    ]
    return cards.card(f"Move this deal to {stage.label}?", [cards.section(widgets)], subtitle=deal.name)


def deal_card(
    view: DealView,
    links: Links,
    message_id: str | None = None,
    banner: dict | None = None,
    more: dict | None = None,
    reading: Sentiment | None = None,
) -> dict:
    """One deal: stage and next step, facts, health (warnings, trend), recent emails, this email, people.

    `reading` is the open email's sentiment when its text was read; else a logged activity's is shown.
    """
    deal = view.deal
    top = _edit_widgets(deal, links, message_id, reading) if view.editable else _read_widgets(deal)
    fmt = links.fmt
    kept = {"deal_id": deal.id, "message_id": message_id, "reading": reading_state(reading)}
    refresh = cards.button("Refresh", links.call("on_refresh_deal", **kept))
    crm = cards.button("Open in CRM", url=deal.url) if deal.url else None
    return cards.card(
        deal.name,
        [
            cards.section([banner]),
            cards.section(top),
            cards.section(_facts(deal, fmt), header="Deal"),
            cards.section(_health(view.health, deal.is_closed), header="Email health"),
            cards.section(_recent(deal, fmt), header="Recent emails", collapsed_after=3),
            _email_section(view, links, message_id, reading),
            cards.section(_stakeholders(deal), header="Stakeholders", collapsed_after=3),
            cards.section(_business_case(deal.business_case), header="Business case", collapsed_after=2),
            cards.section([cards.buttons(refresh, crm), cards.buttons(more)]),
        ],
        subtitle=deal.account_name,
    )


def change_card(
    change: ChangeStatus,
    view: DealView | None,
    links: Links,
    message_id: str | None,
    reading: Sentiment | None = None,
) -> dict:
    """The outcome of a write: saved, syncing (with 'Check again'), conflict (theirs vs yours) or rejected."""
    if change.state == "conflict" and view is not None:
        return conflict_card(change, view, links, message_id)
    banner = _banner(change, links, message_id)
    if view is None:  # the CRM cannot be read right now: show the outcome alone
        return cards.card("Your change", [cards.section([banner])])
    return deal_card(view, links, message_id, banner, reading=reading)


def conflict_card(change: ChangeStatus, theirs: DealView, links: Links, message_id: str | None) -> dict:
    """Someone changed the deal since the rep loaded it: their values, the rep's, and a choice."""
    conflict = change.conflict or {}
    fields = conflict.get("fields") or {}
    labels = {s.id: s.label for s in theirs.deal.stages}
    rows = []
    for name, title in (("stage", "Stage"), ("next_step", "Next step")):
        if name in fields:
            shown = {
                side: labels.get(value, value) if name == "stage" else value or "(empty)"
                for side, value in fields[name].items()
            }
            rows += [
                cards.info(shown["theirs"], top=f"{title} in the CRM (theirs)"),
                cards.info(shown["yours"], top=f"{title} you chose (yours)"),
            ]
    base = {"deal_id": theirs.deal.id, "message_id": message_id}
    keep = cards.button("Keep theirs", links.call("on_resolve_conflict", **base, choice="theirs"))
    mine = cards.button(
        "Apply mine",
        links.call(
            "on_resolve_conflict",
            **base,
            choice="mine",
            version=conflict.get("current_version") or theirs.deal.version,
            stage=(fields.get("stage") or {}).get("yours"),
            next_step=(fields.get("next_step") or {}).get("yours"),
        ),
    )
    intro = cards.paragraph(
        "Someone changed this deal in the CRM after you opened it. Nothing was overwritten."
    )
    return cards.card(
        "This deal changed meanwhile",
        [cards.section([intro, *rows, cards.buttons(keep, mine)])],
        subtitle=theirs.deal.name,
    )


def error_card(message: str) -> dict:
    """A card that only explains what went wrong (triggers must answer with a card)."""
    return cards.card("Deals", [cards.section([cards.paragraph(message)])])


# --- pieces ----------------------------------------------------------------------------------


def _deal_row(
    view: DealView, links: Links, message_id: str | None, who: str = "", reading: Sentiment | None = None
) -> dict:
    deal = view.deal
    warned = [w.message for w in view.health.warnings if w.code != "going_dark"]
    parts = (
        match_text(view.match, who),
        _silence(view.health, deal.is_closed),
        *warned[:1],
        "" if view.editable else "view only",
    )
    bottom = " · ".join(x for x in parts if x)
    return cards.info(
        deal.name,
        top=f"{deal.stage.label} · {_amount(deal, links.fmt)}",
        bottom=bottom,
        action=links.call(
            "on_pick_deal", deal_id=deal.id, message_id=message_id, reading=reading_state(reading)
        ),
    )


def _edit_widgets(deal: Deal, links: Links, message_id: str | None, reading: Sentiment | None) -> list:
    # The dropdown does not save on change (a slip to "Closed lost" must not be written at once): Save
    # sends what changed, compared with the stage and next step this card showed (carried in its state).
    state = {
        "deal_id": deal.id,
        "version": deal.version,
        "message_id": message_id,
        "reading": reading_state(reading),
    }
    shown = {"stage": deal.stage.id, "next_step": deal.next_step}
    stages = [(s.label, s.id, s.id == deal.stage.id) for s in deal.stages]
    return [
        cards.dropdown("stage", "Stage", stages),
        cards.text_input(
            "next_step",
            "Next step",
            deal.next_step,
            hint=f"At most {links.limits.next_step_max} characters",
            max_chars=links.limits.next_step_max,
            lines=3,
        ),
        cards.buttons(cards.button("Save", links.call("on_save_deal", **state, **shown))),
    ]


def _read_widgets(deal: Deal) -> list:
    who = deal.owner_name or deal.owner_email
    return [
        cards.info(deal.stage.label, top="Stage"),
        cards.info(deal.next_step or "(none)", top="Next step"),
        cards.paragraph(f"Only {who} and the deal team can change this deal."),
    ]


def _facts(deal: Deal, fmt: Formatter) -> list:
    close = fmt.day(deal.close_date)
    probability = f"{deal.probability}%" if deal.probability is not None else "—"
    return [
        cards.info(_amount(deal, fmt), top="Amount", icon="DOLLAR"),
        cards.info(close, top="Close date", bottom=f"Probability {probability}", icon="CLOCK"),
        cards.info(deal.owner_name or deal.owner_email, top="Owner", bottom=deal.owner_email, icon="PERSON"),
    ]


def _health(health: Health, closed: bool) -> list:
    counts = f"{health.inbound_count} from the buyer · {health.outbound_count} from us"
    dark = health.going_dark and not closed
    warnings = [cards.info(w.message, top="Warning") for w in health.warnings if w.code != "going_dark"]
    top = "Emails" if health.capture.source == CaptureStatus.MAILBOX else "Emails logged"
    return [
        *warnings,
        cards.info(counts, top=top, bottom=health.capture.describe(utcnow()), icon="EMAIL"),
        cards.info(_silence(health, closed), top="Going dark" if dark else "Buyer activity"),
        trend(health),
    ]


def _silence(health: Health, closed: bool = False) -> str:
    days = health.days_since_inbound
    dark = health.going_dark and not closed  # a won or lost deal cannot go dark
    if days is None:
        return "Going dark: the buyer never replied" if dark else "No emails yet"
    if dark:
        return f"Going dark: {days} days without a reply"
    return f"Buyer wrote {days_ago(days)}"


def _recent(deal: Deal, fmt: Formatter) -> list:
    """The deal's logged emails: direction, day, the rep's rating and how the email read."""
    now = utcnow()
    return [
        cards.info(
            a.subject or "(no subject)",
            top=("↘ In" if a.direction.value == "inbound" else "↗ Out")
            + f" · {fmt.relative_day(a.sent_at, now)}",
            bottom=" · ".join(
                x
                for x in (
                    RATING_TEXT[a.rating] if a.rating else "",
                    f"Reads {a.sentiment.label}" if a.sentiment else "",
                )
                if x
            ),
        )
        for a in deal.activities
    ]


def _email_section(
    view: DealView, links: Links, message_id: str | None, reading: Sentiment | None = None
) -> dict | None:
    if not message_id or not view.editable:
        return None
    deal = view.deal
    rating = rating_of(deal, message_id)
    activity = next((a for a in deal.activities if a.message_id == message_id), None)
    logged = activity is not None
    reading = reading or (activity.sentiment if activity else None)
    state = {"deal_id": deal.id, "message_id": message_id, "reading": reading_state(reading)}
    log = cards.button(
        "Log email again" if logged else "Log without rating",
        links.call("on_log_email", **state, rating=rating.value if rating else ""),
    )
    status = (
        (f"Logged on this deal, rated {RATING_TEXT[rating]}" if rating else "Logged on this deal, not rated")
        if logged
        else "Not logged on this deal yet"
    )
    return cards.section(
        [
            *reading_widgets(reading),
            rate_buttons(links, deal.id, message_id, rating, reading),
            cards.info(status, icon="EMAIL"),
            cards.buttons(log),
        ],
        header="This email",
    )


def _stakeholders(deal: Deal) -> list:
    return [
        cards.info(s.name, top=s.role + (" (primary)" if s.is_primary else ""), bottom=s.email)
        for s in deal.stakeholders
    ]


def _business_case(case: BusinessCase) -> list:
    return [
        cards.info(getattr(case, name), top=label)
        for name, label in CASE_LABELS.items()
        if getattr(case, name)
    ]


def _banner(change: ChangeStatus, links: Links, message_id: str | None) -> dict:
    what = WHAT.get(change.op, "Your change was saved")
    if change.state == "done":
        return cards.info(f"{what} in the CRM.", top="Saved")
    if change.state == "queued":
        check = cards.button(
            "Check again",
            links.call("on_check_change", change_id=change.id, deal_id=change.deal_id, message_id=message_id),
        )
        return cards.info(
            f"{what} here. The CRM is not reachable yet; it will be sent automatically.",
            top=SYNCING,
            button=check,
        )
    if change.state == "conflict":
        return cards.info(
            "Someone changed this deal in the CRM. Refresh to see their values.", top="Not saved"
        )
    if change.state == "needs_connect":
        return cards.info(
            f"{what} here. Reconnect your CRM and it will be sent automatically.",
            top="Waiting for your CRM connection",
        )
    return cards.info(change.reason or "The CRM refused the change.", top="Not saved: the CRM refused it")


def _amount(deal: Deal, fmt: Formatter) -> str:
    return fmt.money(deal.amount, deal.currency) if deal.amount is not None else "No amount"


WHAT = {
    "log_email": "The email was logged",
    "add_contact": "The contact was added",
    "add_stakeholder": "They were added to the deal",
    "create_deal": "The deal was created",
}
