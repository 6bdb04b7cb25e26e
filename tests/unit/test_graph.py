"""Graph reads on-behalf-of the rep: tenant authority, per-user token cache, logged body from the mailbox."""

from __future__ import annotations

import logging

import pytest
import requests
from sqlalchemy import select

from addin_api import create_app
from addin_api.config import load_settings
from addin_api.crm.local import models as m
from addin_api.crm.local.demo_data import demo_dataset
from addin_api.crm.local.seed import load_dataset
from addin_api.domain import Principal
from addin_api.errors import Forbidden, Unprocessable
from addin_api.graph import EXPIRY_MARGIN_SECONDS, GraphMessageReader
from tests.keys import BASE_SETTINGS
from tests.schema import migrated_sqlite
from tests.standins.graph import GraphStandIn
from tests.standins.idp import CLIENT_ID, OTHER_TENANT, TENANT, oid_for

REP, REP2 = "rep@demo.example", "rep2@demo.example"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def graph(idp):
    """The OBO token endpoint and Graph stand-in, forwarding sign-in discovery to the test IdP."""
    with GraphStandIn(upstream=idp.authority) as standin:
        yield standin


@pytest.fixture
def http(graph):
    """A pooled session that trusts the stand-in's certificate."""
    with requests.Session() as session:
        yield graph.trust(session)


def principal(email: str, tid: str = TENANT) -> Principal:
    """The rep a validated token for `email` in `tid` becomes."""
    return Principal(email=email, subject=oid_for(email), tenant=tid)


def reader_for(graph: GraphStandIn, http, clock=None) -> GraphMessageReader:
    """A reader configured against the stand-in."""
    settings = load_settings(
        {},
        {
            **BASE_SETTINGS,
            "ms_authority": graph.url,
            "ms_client_id": CLIENT_ID,
            "ms_client_secret": graph.client_secret,
            "graph_url": graph.url,
        },
    )
    return GraphMessageReader(settings, http, **({"clock": clock} if clock else {}))


def test_exchange_uses_the_tenant_of_the_token_not_common(graph, http, idp):
    reader = reader_for(graph, http)
    for tid in (TENANT, OTHER_TENANT):
        graph.add_message(tid, oid_for(REP), "AAMk-1", f"hello from {tid}")
        assert reader.read(idp.mint(email=REP, tid=tid), principal(REP, tid), "AAMk-1") == f"hello from {tid}"
    assert [x["tenant"] for x in graph.exchanges] == [TENANT, OTHER_TENANT]
    assert set(graph.discovery) == {TENANT, OTHER_TENANT}, (
        "each tenant's authority is discovered, never /common"
    )
    assert all(x["scope"].split(" ").count(f"{graph.url}/Mail.Read") == 1 for x in graph.exchanges)


def test_graph_tokens_are_cached_per_user_until_they_near_expiry(graph, http, idp):
    clock = Clock()
    reader = reader_for(graph, http, clock)
    for email in (REP, REP2):
        graph.add_message(TENANT, oid_for(email), "AAMk-2", "text")
    reader.read(idp.mint(email=REP), principal(REP), "AAMk-2")
    reader.read(idp.mint(email=REP), principal(REP), "AAMk-2")
    assert len(graph.exchanges) == 1, "the second read reuses the rep's Graph token"
    reader.read(idp.mint(email=REP2), principal(REP2), "AAMk-2")
    assert [x["oid"] for x in graph.exchanges] == [oid_for(REP), oid_for(REP2)], (
        "another rep gets their own token"
    )
    clock.now += graph.token_lifetime - EXPIRY_MARGIN_SECONDS
    reader.read(idp.mint(email=REP), principal(REP), "AAMk-2")
    assert len(graph.exchanges) == 3, "a token about to expire is exchanged again"


def test_message_is_read_as_text_with_only_the_needed_fields(graph, http, idp):
    graph.add_message(TENANT, oid_for(REP), "AAMk/3+x=", "Budget is approved.")
    body = reader_for(graph, http).read(idp.mint(email=REP), principal(REP), "AAMk/3+x=")
    assert body == "Budget is approved."
    assert graph.reads == [
        {
            "item_id": "AAMk/3+x=",
            "select": "body,internetMessageId,subject",
            "prefer": 'outlook.body-content-type="text"',
        }
    ]


def test_a_mailbox_message_with_another_message_id_is_refused(graph, http, idp):
    graph.add_message(
        TENANT, oid_for(REP), "AAMk-5", "Someone else's words", internet_message_id="<other@mail.example>"
    )
    with pytest.raises(Unprocessable, match="changed"):
        reader_for(graph, http).read(idp.mint(email=REP), principal(REP), "AAMk-5", "<open@mail.example>")
    body = reader_for(graph, http).read(idp.mint(email=REP), principal(REP), "AAMk-5", "<other@mail.example>")
    assert body == "Someone else's words"


def test_without_an_item_id_nothing_is_read(graph, http, idp):
    assert reader_for(graph, http).read(idp.mint(email=REP), principal(REP), None) is None
    assert graph.exchanges == [] and graph.reads == []


def test_missing_admin_consent_is_a_clear_refusal_and_no_token_is_logged(graph, http, idp, caplog):
    graph.consent_missing = True
    token = idp.mint(email=REP)
    with caplog.at_level(logging.DEBUG), pytest.raises(Forbidden) as refused:
        reader_for(graph, http).read(token, principal(REP), "AAMk-4")
    assert "Mail.Read" in refused.value.message and "admin" in refused.value.message
    assert token not in caplog.text and token.split(".")[1] not in caplog.text


def test_a_message_missing_from_the_mailbox_says_so(graph, http, idp):
    with pytest.raises(Unprocessable, match="not found in your mailbox"):
        reader_for(graph, http).read(idp.mint(email=REP), principal(REP), "gone")


@pytest.fixture
def graph_app(tmp_path, idp, graph):
    """The app with Graph configured against the stand-in, on demo data."""
    app = create_app(
        {
            "database_url": migrated_sqlite(tmp_path / "addin.db"),
            "instance_path": str(tmp_path),
            **BASE_SETTINGS,
            "ms_authority": graph.url,
            "ms_client_id": CLIENT_ID,
            "ms_allowed_tenants": (TENANT,),
            "ms_client_secret": graph.client_secret,
            "graph_url": graph.url,
        }
    )
    state = app.extensions["addin_api"]
    graph.trust(state.http)
    app.deal_ids = load_dataset(state.engine, demo_dataset())
    yield app
    state.http.close()


def test_the_logged_body_comes_from_the_mailbox_not_the_taskpane(graph_app, graph, idp):
    graph.add_message(
        TENANT,
        oid_for(REP),
        "AAMkAGI2-rest",
        "The real body, as stored in Exchange.",
        internet_message_id="<graph-1@northwind.example>",
    )
    deal_id = graph_app.deal_ids["nw-fleet"]
    email = {
        "message_id": "<graph-1@northwind.example>",
        "subject": "Re: pricing",
        "from": "nadia@northwind.example",
        "to": [REP],
        "cc": [],
        "sent_at": "2026-09-01T09:30:00+00:00",
        "body": "what the taskpane read",
        "rating": "positive",
        "item_id": "AAMkAGI2-rest",
    }
    response = graph_app.test_client().post(
        f"/api/v1/deals/{deal_id}/emails",
        json=email,
        headers={"Authorization": f"Bearer {idp.mint(email=REP)}"},
    )
    assert response.status_code == 200, response.get_json()
    engine = graph_app.extensions["addin_api"].engine
    with engine.connect() as conn:
        body = conn.scalar(
            select(m.Activity.body).where(m.Activity.message_id == "<graph-1@northwind.example>")
        )
    assert body == "The real body, as stored in Exchange."
    assert [x["tenant"] for x in graph.exchanges] == [TENANT]


def test_a_certificate_replaces_the_secret_for_the_exchange(tmp_path):
    """Entra identifies the certificate by its SHA-1 thumbprint; msal signs the assertion with its key."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from addin_api.config import load_settings
    from addin_api.graph import client_credential

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "addin-api")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "api-app.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    settings = load_settings({}, {**BASE_SETTINGS, "ms_client_certificate_path": str(path)})
    credential = client_credential(settings)
    assert settings.graph_reads
    assert credential["thumbprint"] == cert.fingerprint(hashes.SHA1()).hex()
    assert credential["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert client_credential(load_settings({}, {**BASE_SETTINGS, "ms_client_secret": "s"})) == "s"
