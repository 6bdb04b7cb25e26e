"""Migration 0003: Salesforce connections move into the one per-rep token table and stay usable."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from addin_api.crm.tokens import TokenStore, token_cipher
from addin_api.domain import utcnow
from addin_api.migrations import _config, head
from addin_api.store.db import make_engine
from tests.keys import SECRET_KEY


def test_a_reps_salesforce_connection_survives_the_move_to_the_shared_table(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(_config(conn), "0002_parking_conflicts_lexicon")
            sealed = token_cipher(SECRET_KEY, "salesforce").encrypt(b"5Aep861-refresh").decode()
            conn.execute(
                text(
                    "INSERT INTO salesforce_tokens VALUES ('tid:oid', 'https://acme.my.salesforce.com', :t, :at)"  # noqa: E501
                ),
                {"t": sealed, "at": utcnow()},
            )
        with engine.begin() as conn:
            command.upgrade(_config(conn), head())
        stored = TokenStore(engine, SECRET_KEY, "salesforce").load("tid:oid")
        assert stored and (stored.refresh_token, stored.instance_url) == (
            "5Aep861-refresh",
            "https://acme.my.salesforce.com",
        )
        assert TokenStore(engine, SECRET_KEY, "hubspot").load("tid:oid") is None  # one row per CRM
    finally:
        engine.dispose()
