"""Gmail card pieces for the people on an email: CRM contacts, why a deal matched them, strangers."""

from __future__ import annotations

from collections.abc import Sequence

from addin_api.domain import DealMatch, NewContact
from addin_api.gmail import cards
from addin_api.gmail.links import Links
from addin_api.services.views import ContactView


def match_text(match: DealMatch | None, who: str) -> str:
    """Why a deal is shown, in the Outlook pane's words: 'Nadia is Champion', 'Same account as Nadia'."""
    if match is None:
        return ""
    first = (who or match.contact).split(" ")[0]
    if match.reason == DealMatch.STAKEHOLDER:
        return f"{first} is {match.role}" if match.role else f"{first} is on this deal"
    return f"Same account as {first}"


def contact_row(contact_view: ContactView) -> dict:
    """A CRM contact: name, account, title and email."""
    c = contact_view.contact
    return cards.info(
        c.name, top=c.account_name, bottom=" · ".join(x for x in (c.title, c.email) if x), icon="PERSON"
    )


def strangers_section(unknown: Sequence[NewContact], links: Links, message_id: str | None) -> dict | None:
    """People on the email not in the CRM, each with Add to the CRM."""
    rows = [
        cards.info(
            p.name or p.email,
            top=p.company,
            bottom=p.email,
            icon="PERSON",
            button=cards.button(
                "Add to the CRM",
                links.call(
                    "on_new_contact", email=p.email, name=p.name, company=p.company, message_id=message_id
                ),
            ),
        )
        for p in unknown
    ]
    return cards.section(rows, header="Not in the CRM")
