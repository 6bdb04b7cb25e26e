"""The scorer on its own: text preparation, cold lexicons, negation, contrast and the answer's shape."""

from __future__ import annotations

from addin_api.signals.scorer import Sentiment, score_text
from addin_api.signals.service import score
from addin_api.signals.text import prepare


class NoLearning:
    """A lexicon port of an org that has rated nothing yet."""

    def version(self, org):
        return ""


def cold(text: str, subject: str = "") -> Sentiment:
    return score(NoLearning(), "org", text, subject)


def test_answer_has_score_in_range_label_and_weighted_terms():
    result = cold("Thanks, the demo was great and we are ready to sign.")
    assert -1.0 <= result.score <= 1.0
    assert result.label == "positive"
    assert result.terms and all(isinstance(t, str) and isinstance(w, float) for t, w in result.terms)
    assert abs(result.terms[0][1]) >= abs(result.terms[-1][1])


def test_text_without_sentiment_is_neutral_with_no_terms():
    assert cold("Meeting moved to room 4B at 10:30.") == Sentiment(0.0, "neutral", ())


def test_polite_negative_scores_negative_cold():
    result = cold("We love the product, but the budget was reallocated to another project.")
    assert result.label == "negative"
    assert result.terms[0][0] == "budget was reallocated"


def test_negation_flips_a_positive_phrase():
    assert cold("We have signed the order form.").label == "positive"
    assert cold("We have not signed the order form yet.").label == "negative"
    assert cold("This is not a priority right now.").label == "negative"


def test_terse_positive_and_neutral_sounding_stall():
    assert cold("PO attached.").label == "positive"
    assert cold("Let's reconnect next quarter.").label == "negative"


def test_what_follows_but_weighs_more_than_what_precedes_it():
    assert cold("The pricing is a concern, but we are ready to move forward.").label == "positive"
    assert cold("We are ready to move forward, but the pricing is too high.").label == "negative"


def test_quoted_reply_is_ignored():
    text = (
        "Works for us, see you Tuesday.\n\nOn Mon, 3 Nov 2026 at 09:12, Rep <rep@demo.example> wrote:\n"
        "> Sadly we had to cancel, the budget was cut and the project is on hold.\n"
    )
    assert prepare(text)[1] == "Works for us, see you Tuesday."
    assert cold(text).label == "positive"


def test_outlook_original_message_and_header_block_are_ignored():
    for header in ("-----Original Message-----\n", "From: Rep <rep@demo.example>\nSent: Monday\nTo: x\n"):
        text = f"Sounds good.\n\n{header}Subject: x\n\nWe cancel, terrible, awful."
        assert prepare(text)[1] == "Sounds good."


def test_signature_sign_off_and_disclaimer_are_ignored():
    text = (
        "We decided to go with another vendor.\n\nThanks!\nDana Smith\nHead of IT, Northwind\n"
        "-- \nGreat people, great products\nCONFIDENTIALITY NOTICE: this email is amazing."
    )
    assert prepare(text)[1] == "We decided to go with another vendor."
    assert cold(text).label == "negative"


def test_a_thanks_inside_the_message_is_kept():
    body = "Thanks,\nwe reviewed everything with legal and the board, and the contract is signed. Invoice us."
    assert prepare(body)[1] == body


def test_subject_prefixes_are_dropped_and_subject_counts():
    subject, _ = prepare("", "RE: Fwd: Contract signed")
    assert subject == "Contract signed"
    assert score_text("", subject).label == "positive"
