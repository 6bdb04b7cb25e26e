"""Whose lexicon a rep shares (the org key), and moving an org's lexicon with `addin-api lexicon`."""

from __future__ import annotations

import json

from addin_api.auth.entra import _principal as entra_principal
from addin_api.cli import main
from addin_api.domain import Principal
from addin_api.gmail.verify import _principal as google_principal
from addin_api.signals import service
from addin_api.store.db import make_engine, make_session_factory
from addin_api.store.lexicon import SqlLexicon

TID = "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48"
OID = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def _google(email, hd):
    claims = {"email": email, "email_verified": True, "sub": "1", "hd": hd}
    return google_principal(claims, [hd])


def test_each_google_workspace_is_its_own_org():
    acme, globex = _google("a@acme.example", "acme.example"), _google("b@globex.example", "globex.example")
    assert acme.org_key == "google:acme.example"
    assert acme.org_key != globex.org_key


def test_an_entra_org_is_its_tenant():
    rep = entra_principal({"oid": OID, "tid": TID, "preferred_username": "Rep@x.example"})
    assert rep.org_key == TID


def test_a_principal_stored_before_orgs_existed_still_loads():
    old = Principal(**{"email": "r@x.example", "subject": OID, "tenant": TID, "name": ""})
    assert old.org_key == TID


def test_lexicon_export_then_import_into_another_org(cli_env, database_url, capsys):
    tmp_path = cli_env
    assert main(["lexicon", "export", "--org", "acme"]) == 0  # creates the tables on a fresh database
    engine = make_engine(database_url)
    lexicon = SqlLexicon(make_session_factory(engine))
    service.learn(lexicon, "acme", "u1", "<m1@x>", "The merger froze every initiative.", "negative")
    capsys.readouterr()
    assert main(["lexicon", "export", "--org", "acme"]) == 0
    exported = tmp_path / "acme.json"
    exported.write_text(capsys.readouterr().out)
    assert json.loads(exported.read_text())["terms"]
    assert main(["lexicon", "import", "--org", "acme-eu", str(exported)]) == 0
    assert lexicon.counts("acme-eu").terms == lexicon.counts("acme").terms
    exported.write_text("{}")
    assert main(["lexicon", "import", "--org", "acme-eu", str(exported)]) == 2
    engine.dispose()
