"""EntraValidator and bearer_token against a loopback Entra stand-in signing real RS256 tokens."""

from __future__ import annotations

import base64
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from addin_api.auth.entra import MSA_CONSUMER_TENANT, EntraValidator, bearer_token
from addin_api.config import load_settings
from addin_api.domain import Principal
from addin_api.errors import Forbidden, ServiceUnavailable, Unauthorized
from tests.keys import BASE_SETTINGS
from tests.standins.idp import (
    APP_ID_URI,
    CLIENT_ID,
    OTHER_TENANT,
    PLACEHOLDER,
    TENANT,
    TestIdentityProvider,
    oid_for,
)


class FakeClock:
    """A clock tests move by hand, shared by the stand-in and the validator."""

    def __init__(self, now: float = 1_750_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward, as waiting would."""
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fresh hand-moved clock."""
    return FakeClock()


@pytest.fixture
def idp(clock):
    """A stand-in per test on the fake clock (overrides the session-wide one in conftest)."""
    with TestIdentityProvider(clock=clock) as provider:
        yield provider


@pytest.fixture
def http():
    """The requests session the validator fetches keys with."""
    with requests.Session() as session:
        yield session


def make_validator(idp, http, clock, **overrides) -> EntraValidator:
    """A validator trusting the stand-in, with settings overrides."""
    settings = load_settings({}, {**BASE_SETTINGS, **idp.settings_overrides(), **overrides})
    return EntraValidator(settings, http, clock=clock)


@pytest.fixture
def validator(idp, http, clock) -> EntraValidator:
    """A validator trusting the stand-in for TENANT and CLIENT_ID."""
    return make_validator(idp, http, clock)


def rejected(validator: EntraValidator, token: str) -> Unauthorized:
    """The 401 the token earns; fails the test if it is accepted or refused otherwise."""
    with pytest.raises(Unauthorized) as caught:
        validator.validate(token)
    assert caught.value.challenge.startswith('Bearer error="invalid_token", error_description="')
    return caught.value


def test_valid_v2_token_gives_the_reps_principal(idp, validator):
    token = idp.mint(email="Rep@Demo.Example", extra={"name": "Riley Rep"})

    assert validator.validate(token) == Principal(
        email="rep@demo.example",
        subject=oid_for("rep@demo.example"),
        tenant=TENANT,
        name="Riley Rep",
        org=TENANT,
    )


def test_valid_v1_token_with_app_id_uri_audience_gives_the_principal_from_upn(idp, validator):
    token = idp.mint(email="Rep2@Demo.Example", ver="1.0")

    principal = validator.validate(token)

    assert principal.email == "rep2@demo.example"
    assert (principal.subject, principal.tenant) == (oid_for("rep2@demo.example"), TENANT)
    assert idp.requests["/common/.well-known/openid-configuration"] == 1


def test_app_id_uri_and_client_id_are_both_accepted_as_audience(idp, validator):
    assert validator.validate(idp.mint(aud=APP_ID_URI)).tenant == TENANT
    assert validator.validate(idp.mint(ver="1.0", aud=CLIENT_ID)).tenant == TENANT


def test_the_unverifiable_email_claim_never_names_the_rep(idp, validator):
    assert (
        "mailbox" in rejected(validator, idp.mint(email=None, extra={"email": "ceo@victim.example"})).message
    )
    token = idp.mint(email=None, extra={"upn": "Rep@Demo.Example", "email": "ceo@victim.example"})
    assert validator.validate(token).email == "rep@demo.example"


def test_expired_token_is_rejected_beyond_the_leeway(idp, validator):
    assert validator.validate(idp.mint(exp_delta=-59)).tenant == TENANT
    assert "expired" in rejected(validator, idp.mint(exp_delta=-61)).message


def test_token_not_yet_valid_is_rejected_beyond_the_leeway(idp, validator):
    assert validator.validate(idp.mint(nbf_delta=59)).tenant == TENANT
    assert "not valid yet" in rejected(validator, idp.mint(nbf_delta=61)).message


def test_token_for_another_audience_is_rejected(idp, validator):
    assert "not meant for this API" in rejected(validator, idp.mint(aud="api://someone-else")).message


@pytest.mark.parametrize("ver", ["1.0", "2.0"])
def test_issuer_of_another_tenant_is_rejected(idp, validator, ver):
    token = idp.mint(ver=ver, iss=idp.issuer(ver, OTHER_TENANT))

    assert "issuer does not match its tenant" in rejected(validator, token).message


def test_v1_issuer_on_a_v2_token_is_rejected(idp, validator):
    token = idp.mint(iss=idp.issuer("1.0", TENANT))

    assert "issuer does not match its tenant" in rejected(validator, token).message


def test_tenant_not_allowed_is_rejected(idp, validator):
    token = idp.mint(tid=OTHER_TENANT)

    assert "not allowed" in rejected(validator, token).message


def test_every_listed_tenant_is_allowed_but_personal_accounts_only_if_listed(idp, http, clock):
    validator = make_validator(idp, http, clock, ms_allowed_tenants=(TENANT, OTHER_TENANT.upper()))

    assert validator.validate(idp.mint(tid=OTHER_TENANT)).tenant == OTHER_TENANT
    assert "not allowed" in rejected(validator, idp.mint(tid=MSA_CONSUMER_TENANT)).message


def test_tenant_id_must_be_a_guid(idp, validator):
    assert "tenant" in rejected(validator, idp.mint(tid="contoso")).message


def test_unsigned_token_is_rejected_without_fetching_keys(idp, validator):
    assert "RS256" in rejected(validator, idp.mint(alg="none")).message
    assert idp.jwks_requests == 0


def test_hs256_token_signed_with_the_public_key_is_rejected(idp, validator):
    validator.validate(idp.mint())  # keys cached, so only the algorithm rule can refuse

    assert "RS256" in rejected(validator, idp.mint(alg="HS256")).message


def test_other_rsa_algorithms_are_rejected(idp, validator):
    assert "RS256" in rejected(validator, idp.mint(alg="RS512")).message


def test_tampered_payload_is_rejected(idp, validator):
    header, payload, signature = idp.mint().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["preferred_username"] = "boss@demo.example"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert "signature" in rejected(validator, f"{header}.{forged}.{signature}").message


def test_garbage_is_rejected_as_malformed(validator):
    assert "malformed" in rejected(validator, "not-a-jwt").message


def test_unknown_kid_is_rejected(idp, validator):
    assert "signing key" in rejected(validator, idp.mint(kid="no-such-key")).message


def test_rotated_key_is_picked_up_after_a_refresh(idp, validator, clock):
    old_token = idp.mint()
    validator.validate(old_token)
    idp.rotate_key()
    clock.advance(61)

    assert validator.validate(idp.mint()).tenant == TENANT
    assert idp.jwks_requests == 2
    assert "signing key" in rejected(validator, old_token).message


def test_a_flood_of_unknown_kids_triggers_at_most_one_refresh_a_minute(idp, validator, clock):
    validator.validate(idp.mint())
    for n in range(20):
        rejected(validator, idp.mint(kid=f"bogus-{n}"))
    assert idp.jwks_requests == 1

    clock.advance(61)
    for n in range(20):
        rejected(validator, idp.mint(kid=f"bogus-again-{n}"))
    assert idp.jwks_requests == 2


def test_keys_are_fetched_once_for_many_validations(idp, validator):
    for _ in range(25):
        validator.validate(idp.mint())
        validator.validate(idp.mint(ver="1.0"))

    assert (idp.discovery_requests, idp.jwks_requests) == (2, 2)  # one each per token version


def test_keys_are_refreshed_after_a_day(idp, validator, clock):
    validator.validate(idp.mint())
    clock.advance(24 * 3600)

    validator.validate(idp.mint())

    assert idp.jwks_requests == 2


def test_concurrent_first_requests_share_one_fetch(idp, validator):
    tokens = [idp.mint() for _ in range(16)]
    barrier = threading.Barrier(len(tokens))

    def validate(token: str) -> Principal:
        barrier.wait()
        return validator.validate(token)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        principals = list(pool.map(validate, tokens))

    assert {p.tenant for p in principals} == {TENANT}
    assert idp.jwks_requests == 1


def test_signing_key_issuer_must_match_the_token_issuer(idp, validator):
    idp.key_issuer = f"{idp.authority}/elsewhere/{PLACEHOLDER}/v2.0"

    assert "signing key does not belong" in rejected(validator, idp.mint()).message


def test_token_without_the_scope_is_forbidden(idp, validator):
    for scp in (None, "User.Read", "access_as_user_extra"):
        with pytest.raises(Forbidden) as caught:
            validator.validate(idp.mint(scp=scp))
        assert (
            caught.value.details["www_authenticate"]
            == 'Bearer error="insufficient_scope", scope="access_as_user"'
        )


def test_scope_among_several_is_enough(idp, validator):
    assert validator.validate(idp.mint(scp="User.Read access_as_user")).tenant == TENANT


def test_token_without_oid_or_mailbox_is_rejected(idp, validator):
    assert "user" in rejected(validator, idp.mint(extra={"oid": None})).message
    assert "mailbox" in rejected(validator, idp.mint(email=None)).message


def test_unreachable_idp_is_service_unavailable_and_retried_sparingly(idp, validator, clock):
    idp.outage = True
    for _ in range(3):
        with pytest.raises(ServiceUnavailable):
            validator.validate(idp.mint())
    assert idp.discovery_requests == 1

    idp.outage = False
    clock.advance(5)
    assert validator.validate(idp.mint()).tenant == TENANT


def test_cached_keys_outlive_an_outage(idp, validator, clock):
    validator.validate(idp.mint())
    idp.outage = True
    clock.advance(24 * 3600)

    assert validator.validate(idp.mint()).tenant == TENANT


def test_unconfigured_client_id_rejects_every_token(idp, http, clock):
    validator = make_validator(idp, http, clock, ms_client_id="")

    assert "not configured" in rejected(validator, idp.mint()).message


def test_failures_never_echo_token_contents(idp, validator):
    for token in (
        idp.mint(aud="api://x"),
        idp.mint(tid=OTHER_TENANT),
        idp.mint(exp_delta=-999),
        idp.mint(kid="k"),
    ):
        error = rejected(validator, token)
        text = error.message + error.challenge
        assert "rep@demo.example" not in text and OTHER_TENANT not in text and token.split(".")[0] not in text


def test_bearer_token_is_taken_from_the_header():
    assert bearer_token("Bearer abc.def-_~+/.ghi==") == "abc.def-_~+/.ghi=="
    assert bearer_token("bearer   abc.def.ghi") == "abc.def.ghi"


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz"])
def test_missing_bearer_gets_a_bare_challenge(header):
    with pytest.raises(Unauthorized) as caught:
        bearer_token(header)
    assert caught.value.challenge == "Bearer"


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer a,b"])
def test_malformed_bearer_is_an_invalid_token(header):
    with pytest.raises(Unauthorized) as caught:
        bearer_token(header)
    assert caught.value.challenge.startswith('Bearer error="invalid_token"')


def test_a_cached_token_is_refused_once_it_expires(idp, validator, clock):
    token = idp.mint(exp_delta=300)
    assert validator.validate(token).email == "rep@demo.example"
    clock.advance(300 + 60)  # at the end of the leeway

    assert "expired" in rejected(validator, token).message


def test_a_cached_token_is_refused_once_its_key_is_no_longer_published(idp, validator, clock):
    token = idp.mint(exp_delta=3 * 24 * 3600)
    assert validator.validate(token).email == "rep@demo.example"
    idp.rotate_key()  # the old key is revoked: the IdP no longer publishes it
    clock.advance(24 * 3600)  # the daily refresh is due

    assert "signing key" in rejected(validator, token).message
    assert idp.jwks_requests == 2


def test_a_revalidated_token_costs_no_key_fetch_and_names_the_same_rep(idp, validator):
    token = idp.mint(email="Nadia@Demo.Example")
    first = validator.validate(token)

    assert [validator.validate(token) for _ in range(50)] == [first] * 50
    assert idp.jwks_requests == 1


def test_the_validated_token_cache_is_bounded(idp, http, clock, monkeypatch):
    monkeypatch.setattr("addin_api.auth.entra.VALIDATED_CACHE_SIZE", 3)
    validator = make_validator(idp, http, clock)
    tokens = [idp.mint(email=f"rep{n}@demo.example") for n in range(5)]
    for token in tokens:
        validator.validate(token)

    assert len(validator._validated._entries) == 3  # the two least recently used were dropped
    assert validator.validate(tokens[0]).email == "rep0@demo.example"  # validated again in full
