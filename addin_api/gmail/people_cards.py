"""Pure views for people not in the CRM: add them as a contact, then put them on a deal or create one."""

from __future__ import annotations

from collections.abc import Sequence

from addin_api.domain import CrmOptions, NewContact
from addin_api.gmail import cards
from addin_api.gmail.links import Links
from addin_api.gmail.views import SYNCING
from addin_api.services.views import DealView


def person_card(person: NewContact, links: Links, message_id: str | None) -> dict:
    """Name and company prefilled from the email; Add contact saves them."""
    add = links.call("on_add_contact", email=person.email, message_id=message_id)
    widgets = [
        cards.info(person.email, top="Email", icon="EMAIL"),
        cards.text_input("name", "Name", person.name, max_chars=200),
        cards.text_input("company", "Company", person.company, max_chars=200),
        cards.buttons(cards.button("Add contact", add)),
    ]
    return cards.card("Add to the CRM", [cards.section(widgets)], subtitle=person.email)


def next_card(
    person: NewContact,
    queued: bool,
    deals: Sequence[DealView],
    options: CrmOptions,
    links: Links,
    message_id: str | None,
) -> dict:
    """After the contact is added: put them on one of the rep's open deals, or create a deal for them."""
    who = person.name or person.email
    said = f"{who}: {SYNCING}" if queued else f"{who} is in the CRM."
    state = {"email": person.email, "name": person.name, "company": person.company, "message_id": message_id}
    roles = [("No role", "", True)] + [(r, r, False) for r in options.roles]
    mine = [v for v in deals if v.editable]
    attach = [
        cards.dropdown(
            "deal",
            "Deal",
            [(f"{v.deal.name} · {v.deal.account_name}", v.deal.id, i == 0) for i, v in enumerate(mine)],
        ),
        cards.dropdown("role", "Role", roles),
        cards.buttons(cards.button("Add to deal", links.call("on_attach", **state))),
    ]
    stages = [(s.label, s.id, i == 0) for i, s in enumerate(options.stages)]
    create = [
        cards.text_input("deal_name", "Deal name", f"{person.company or 'New'} deal", max_chars=120),
        cards.dropdown("new_stage", "Stage", stages),
        cards.text_input("amount", f"Amount ({options.currency})", hint="Whole number, e.g. 12000"),
        cards.text_input("close_date", "Close date", hint="YYYY-MM-DD"),
        cards.dropdown("deal_role", f"{who.split(' ')[0]}'s role", roles),
        cards.buttons(cards.button("Create deal", links.call("on_create_deal", **state))),
    ]
    return cards.card(
        "Next: a deal for them",
        [
            cards.section([cards.info(said, icon="PERSON")]),
            cards.section(
                attach if mine else [cards.paragraph("You have no open deals.")],
                header="Add to one of my deals",
            ),
            cards.section(create, header="Create a deal"),
        ],
        subtitle=person.email,
    )
