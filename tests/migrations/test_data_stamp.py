"""The data stamp behind the view cache moves on every committed write a view could see, and only then."""

from __future__ import annotations

from sqlalchemy import text

from addin_api.migrations import target_metadata
from addin_api.store.db import make_engine
from addin_api.store.stamp import UNSTAMPED_TABLES, DataStamp
from tests.schema import migrated_sqlite


def test_every_table_a_view_can_read_has_its_sqlite_triggers(tmp_path):
    engine = make_engine(migrated_sqlite(tmp_path / "stamp.db"))
    with engine.connect() as conn:
        triggers = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
        )
    tables = {t for metadata in target_metadata() for t in metadata.tables} - UNSTAMPED_TABLES
    wanted = {f"view_stamp_{t}_{op}" for t in tables for op in ("insert", "update", "delete")}
    assert wanted - triggers == set(), "a table without triggers would let the view cache serve stale answers"


def test_a_committed_write_moves_the_stamp_and_a_read_does_not(database_url):
    engine = make_engine(database_url)
    stamp = DataStamp(engine)
    before = stamp.current()
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM crm_deal")).scalar()
    assert stamp.current() == before
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO lexicon_orgs (org, pos_votes, neg_votes, version) VALUES ('t:1', 0, 0, 'v')")
        )
    moved = stamp.current()
    assert moved != before
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM lexicon_orgs WHERE org = 't:1'"))
    assert stamp.current() not in (before, moved)


def test_a_reader_whose_connection_was_closed_reads_again_on_a_fresh_one(database_url):
    engine = make_engine(database_url)
    stamp = DataStamp(engine)
    before = stamp.current()
    stamp.close()  # as if the database had dropped the connection
    assert stamp.current() == before
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO lexicon_orgs (org, pos_votes, neg_votes, version) VALUES ('t:2', 0, 0, 'v')")
        )
    assert stamp.current() != before
