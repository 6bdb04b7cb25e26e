"""Gmail card pieces for how an email reads: the reading, 👍/👎 to agree or disagree, the tone trend."""

from __future__ import annotations

from collections.abc import Sequence

from addin_api.domain import Deal, Health, Rating, Sentiment
from addin_api.gmail import cards
from addin_api.gmail.links import Links
from addin_api.services.views import ContactView

RATING_TEXT = {Rating.POSITIVE: "👍 Positive", Rating.NEGATIVE: "👎 Negative"}  # as in the Outlook pane
# With a positive or negative reading shown, the buttons agree or disagree with it (as in the Outlook pane):
# agreeing rates the email as it reads, disagreeing the opposite way; the rating stays what the rep means.
AGREE, DISAGREE = "👍 Agree", "👎 Disagree"
OPPOSITE = {Rating.POSITIVE: Rating.NEGATIVE, Rating.NEGATIVE: Rating.POSITIVE}
SPARK = "▁▂▃▄▅▆▇█"  # score -1 → ▁ … +1 → █
READING_TERMS = 4


def rating_of(deal: Deal, message_id: str | None) -> Rating | None:
    """The rep's rating of this email on this deal, if it is logged there."""
    return next((a.rating for a in deal.activities if message_id and a.message_id == message_id), None)


def reading_section(
    contacts: Sequence[ContactView], message_id: str | None, links: Links, reading: Sentiment | None
) -> dict | None:
    """The context card's first section: how the open email reads, and 👍/👎 when one deal is editable."""
    if reading is None or not message_id:
        return None
    editable = {v.deal.id: v for c in contacts for v in c.deals if v.editable}
    if len(editable) == 1:
        (view,) = editable.values()
        rate = rate_buttons(links, view.deal.id, message_id, rating_of(view.deal, message_id), reading)
        hint = cards.paragraph(f"Rating logs this email on {view.deal.name}.")
    else:
        rate, hint = None, cards.paragraph("Open a deal below to agree or disagree with this reading.")
    return cards.section([*reading_widgets(reading), rate, hint], header="This email")


def trend(health: Health) -> dict | None:
    """The buyer's recent emails as a sparkline, oldest first, with the latest reading in words."""
    points = health.sentiment_trend
    if not points:
        return None
    line = "".join(SPARK[round((max(-1.0, min(1.0, p.score)) + 1) / 2 * (len(SPARK) - 1))] for p in points)
    last = points[-1]
    return cards.info(
        line, top="Buyer's tone, oldest → newest", bottom=f"Latest reads {last.label} ({last.score:+.2f})"
    )


def reading_widgets(reading: Sentiment | None) -> list:
    """How the open email reads, with the words that moved it most (nothing when its text was not read)."""
    if reading is None:
        return []
    words = ", ".join(t for t, _ in reading.terms[:READING_TERMS])
    return [
        cards.info(
            f"Reads {reading.label} ({reading.score:+.2f})",
            top="How this email reads",
            bottom=f"Because of: {words}" if words else "No strong words either way",
        )
    ]


def rate_buttons(links: Links, deal_id: str, message_id: str, rating, reading: Sentiment | None) -> dict:
    """👍/👎 for this email on this deal: Agree/Disagree with a positive or negative reading, else plain."""
    state = {"deal_id": deal_id, "message_id": message_id, "reading": reading_state(reading)}
    said = next((r for r in OPPOSITE if reading and r.value == reading.label), None)
    choices = (
        [(AGREE, said), (DISAGREE, OPPOSITE[said])] if said else [(t, r) for r, t in RATING_TEXT.items()]
    )
    return cards.buttons(
        *[
            cards.button(
                f"✓ {text}" if rating is value else text,
                links.call("on_rate_email", **state, rating="" if rating is value else value.value),
            )
            for text, value in choices
        ]
    )


def reading_state(reading: Sentiment | None) -> list | None:
    """A reading as card state carries it (score, label, its top terms)."""
    if reading is None:
        return None
    return [reading.score, reading.label, [[t, w] for t, w in reading.terms[:READING_TERMS]]]


def reading_from_state(value) -> Sentiment | None:
    """Inverse of reading_state; None for anything else."""
    try:
        score, label, terms = value
        return Sentiment(float(score), str(label), tuple((str(t), float(w)) for t, w in terms))
    except (TypeError, ValueError):
        return None
