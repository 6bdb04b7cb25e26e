"""Learning from ratings through the service against the real SQL store: replace, clear, per org."""

from __future__ import annotations

import multiprocessing

import pytest

from addin_api.signals import service
from addin_api.store.db import make_engine, make_session_factory
from addin_api.store.lexicon import LexiconVote, SqlLexicon

STALL = "We need to table the initiative until the merger settles."
SIMILAR = "The initiative is tabled until the merger."


def _rate_in_another_process(url: str) -> None:
    engine = make_engine(url)
    service.learn(SqlLexicon(make_session_factory(engine)), "acme", "u2", "<m2@x>", STALL, "negative")
    engine.dispose()


@pytest.fixture
def lexicon(database_url):
    engine = make_engine(database_url)
    yield SqlLexicon(make_session_factory(engine))
    engine.dispose()


def test_one_rating_moves_the_score_of_a_text_sharing_its_words(lexicon):
    before = service.score(lexicon, "acme", SIMILAR).score
    assert service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    after = service.score(lexicon, "acme", SIMILAR)
    assert after.score < before
    assert any(term in {"initiative", "merger"} for term, _ in after.terms)


def test_repeating_the_same_rating_changes_nothing(lexicon):
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    counts, scored = lexicon.counts("acme"), service.score(lexicon, "acme", SIMILAR)
    assert not service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    assert lexicon.counts("acme") == counts
    assert service.score(lexicon, "acme", SIMILAR) == scored


def test_a_flipped_rating_replaces_the_earlier_one(lexicon):
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "positive")
    counts = lexicon.counts("acme")
    assert (counts.pos_votes, counts.neg_votes) == (1, 0)
    assert counts.terms["merger"] == (1, 0)
    assert service.score(lexicon, "acme", "merger").label == "positive"


def test_clearing_a_rating_removes_its_contribution(lexicon):
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, None)
    counts = lexicon.counts("acme")
    assert (counts.pos_votes, counts.neg_votes, counts.terms) == (0, 0, {})
    assert service.score(lexicon, "acme", SIMILAR).score == service.score(lexicon, "fresh", SIMILAR).score


def test_two_reps_rating_the_same_email_are_two_votes(lexicon):
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    service.learn(lexicon, "acme", "u2", "<m1@x>", STALL, "negative")
    assert lexicon.counts("acme").terms["merger"] == (0, 2)


def test_another_org_is_untouched(lexicon):
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    assert lexicon.counts("globex").terms == {}
    assert service.score(lexicon, "globex", SIMILAR).label == "neutral"
    assert lexicon.top_terms("globex", 10) == []


def test_a_log_without_rating_teaches_nothing(lexicon):
    assert not service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, None)
    assert lexicon.counts("acme").terms == {}


def test_votes_keep_terms_and_a_hashed_key_never_the_text(lexicon):
    service.learn(lexicon, "acme", "u1", "<secret-id@x>", STALL, "negative")
    with lexicon.sessions() as s:
        vote = s.query(LexiconVote).one()
    assert "secret-id" not in vote.message_key and len(vote.message_key) == 64
    assert STALL not in repr(vote.terms) and "merger" in vote.terms


def test_learning_inside_the_callers_transaction_rolls_back_with_it(lexicon):
    with lexicon.sessions() as s:
        s.begin()
        service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative", session=s)
        s.rollback()
    assert lexicon.counts("acme").terms == {}
    with lexicon.sessions.begin() as s:
        service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative", session=s)
    assert lexicon.counts("acme").neg_votes == 1


def test_export_and_import_move_the_counts_to_another_org(lexicon):
    service.learn(lexicon, "acme", "u1", "<m1@x>", STALL, "negative")
    doc = service.export_document(lexicon, "acme")
    assert service.import_document(lexicon, "acme-eu", doc) == len(doc["terms"])
    assert lexicon.counts("acme-eu").terms == lexicon.counts("acme").terms
    assert service.score(lexicon, "acme-eu", SIMILAR) == service.score(lexicon, "acme", SIMILAR)


def test_import_refuses_a_document_of_another_kind(lexicon):
    with pytest.raises(ValueError):
        service.import_document(lexicon, "acme", {"format": "other", "terms": []})
    with pytest.raises(ValueError):
        doc = {"format": service.EXPORT_FORMAT, "pos_votes": -1, "neg_votes": 0, "terms": []}
        service.import_document(lexicon, "acme", doc)


def test_a_rating_in_another_process_shows_in_the_very_next_score_here(lexicon, database_url):
    service.learn(
        lexicon, "acme", "u1", "<m1@x>", "The initiative is a great fit for the merger.", "positive"
    )
    before = service.score(lexicon, "acme", SIMILAR)  # this process now holds acme's table
    worker = multiprocessing.get_context("spawn").Process(
        target=_rate_in_another_process, args=(database_url,)
    )
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0
    assert service.score(lexicon, "acme", SIMILAR).score < before.score
