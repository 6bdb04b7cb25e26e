"""Demo identity provider (ADDIN_DEV_IDP=1): Entra-shaped discovery, keys and token endpoint for demo reps."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, abort, current_app, request
from jwt.algorithms import RSAAlgorithm

from addin_api.auth.entra import TENANT_PLACEHOLDER
from addin_api.config import Settings
from addin_api.errors import Forbidden
from addin_api.loopback import arrived_on_loopback

DEMO_TENANT_ID = "5f0c7a1e-3b2d-4c8e-9a61-d2e4b7f90c13"
DEMO_CLIENT_ID = "a3e9d6b2-71c4-4f05-8e2a-6b1d9c0f4e57"
DEMO_REPS = {"rep@demo.example": "Riley Rep", "rep2@demo.example": "Sam Seller"}
DEMO_OIDS = {
    "rep@demo.example": "0b6e2f4a-8c1d-4e3b-9f7a-1c5d2e8b4a60",
    "rep2@demo.example": "7d3a9c1e-2b4f-4a6d-8e0c-5f1b3d7a9c24",
}
URL_PREFIX = "/dev-idp"
KEY_FILE = "dev-idp-key.pem"
SECRET_KEY_FILE = "dev-secret-key"
TOKEN_LIFETIME_SECONDS = 3600
V2_KEYS_PATH = "/common/discovery/v2.0/keys"
V1_KEYS_PATH = "/common/discovery/keys"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1

bp = Blueprint("devidp", __name__, url_prefix=URL_PREFIX)
log = logging.getLogger(__name__)


def dev_authority(settings: Settings) -> str:
    """The demo IdP's authority, i.e. what `ms_authority` becomes under ADDIN_DEV_IDP."""
    return settings.public_base_url.rstrip("/") + URL_PREFIX


def dev_overrides(settings: Settings) -> dict:
    """Settings overrides that point Entra sign-in at the demo IdP; empty unless `dev_idp` is on."""
    if not settings.dev_idp:
        return {}
    overrides: dict = {"ms_authority": dev_authority(settings)}
    if not settings.ms_client_id:
        overrides["ms_client_id"] = DEMO_CLIENT_ID
    if not settings.ms_allowed_tenants:
        overrides["ms_allowed_tenants"] = (DEMO_TENANT_ID,)
    if not settings.secret_key:
        secret = _persisted(
            Path(settings.instance_path) / SECRET_KEY_FILE, lambda: secrets.token_urlsafe(32).encode()
        )
        overrides["secret_key"] = secret.decode()
    return overrides


def v2_issuer(authority: str) -> str:
    """The v2 issuer template, Microsoft's shape under the demo authority."""
    return f"{authority}/{TENANT_PLACEHOLDER}/v2.0"


def v1_issuer(authority: str) -> str:
    """The v1 issuer template; Microsoft uses sts.windows.net, the demo keeps it under its own authority."""
    return f"{authority}/sts/{TENANT_PLACEHOLDER}/"


def signing_key(instance_path: str) -> rsa.RSAPrivateKey:
    """The demo IdP's RSA key, made on first use in `{instance_path}/dev-idp-key.pem`, shared by workers."""
    return _load_key(str(Path(instance_path).resolve() / KEY_FILE))


def public_jwk(key: rsa.RSAPrivateKey) -> dict:
    """The public half as a JWK; `kid` is the RFC 7638 thumbprint, so it is stable for the key file."""
    numbers = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    canonical = json.dumps({"e": numbers["e"], "kty": "RSA", "n": numbers["n"]}, separators=(",", ":"))
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": numbers["n"], "e": numbers["e"]}


def mint_token(settings: Settings, email: str, now: float | None = None) -> str:
    """A v2 access token for a demo rep (KeyError for anyone else), as Entra would issue it to the add-in."""
    key = signing_key(settings.instance_path)
    issued = int(time.time() if now is None else now)
    claims = {
        "aud": settings.ms_client_id or DEMO_CLIENT_ID,
        "iss": v2_issuer(dev_authority(settings)).replace(TENANT_PLACEHOLDER, DEMO_TENANT_ID),
        "iat": issued,
        "nbf": issued,
        "exp": issued + TOKEN_LIFETIME_SECONDS,
        "azp": DEMO_CLIENT_ID,
        "name": DEMO_REPS[email],
        "oid": DEMO_OIDS[email],
        "preferred_username": email,
        "scp": settings.ms_required_scope,
        "sub": DEMO_OIDS[email],
        "tid": DEMO_TENANT_ID,
        "ver": "2.0",
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})


def require_loopback_request() -> None:
    """Refuse (403) a demo-mode request that did not arrive on loopback, whatever the settings say."""
    if not arrived_on_loopback(request.remote_addr, request.headers):
        log.warning("demo sign-in refused a request that did not arrive on loopback")
        raise Forbidden("Demo sign-in only answers requests made on this machine.")


@bp.before_request
def _only_when_enabled():
    # Defence in depth: even if registered by mistake, the demo IdP mints nothing unless enabled, and
    # never for a request relayed by a proxy or addressed to a public name (settings can be wrong).
    if not _settings().dev_idp:
        abort(404)
    require_loopback_request()


@bp.get("/<tenant>/v2.0/.well-known/openid-configuration")
def discovery_v2(tenant: str):
    """OpenID metadata for v2 tokens (`common` and `organizations` give the issuer template)."""
    authority = dev_authority(_settings())
    return _metadata(authority, v2_issuer(authority), V2_KEYS_PATH, tenant)


@bp.get("/<tenant>/.well-known/openid-configuration")
def discovery_v1(tenant: str):
    """OpenID metadata for v1 tokens; the demo IdP mints none, but validators may ask."""
    authority = dev_authority(_settings())
    return _metadata(authority, v1_issuer(authority), V1_KEYS_PATH, tenant)


@bp.get(V2_KEYS_PATH)
def keys_v2():
    """JWKS for v2 tokens; like Microsoft's, each key carries its issuer template."""
    settings = _settings()
    key = public_jwk(signing_key(settings.instance_path))
    return {"keys": [{**key, "issuer": v2_issuer(dev_authority(settings))}]}


@bp.get(V1_KEYS_PATH)
def keys_v1():
    """JWKS for v1 tokens (no issuer property, as at Microsoft)."""
    return {"keys": [public_jwk(signing_key(_settings().instance_path))]}


@bp.post("/<tenant>/oauth2/v2.0/token")
def token(tenant: str):
    """Mint an access token for a demo rep named in `username` (form or JSON); no password needed."""
    _tenant_segment(tenant)
    params = _token_request()
    if params.get("grant_type", "password") != "password":
        return _oauth_error(
            "unsupported_grant_type", "The demo identity provider only supports grant_type=password."
        )
    username = str(params.get("username", "")).strip().lower()
    if username not in DEMO_REPS:
        return _oauth_error(
            "invalid_grant", "Only the demo reps can sign in here: " + ", ".join(DEMO_REPS) + "."
        )
    settings = _settings()
    body = {
        "token_type": "Bearer",
        "access_token": mint_token(settings, username),
        "expires_in": TOKEN_LIFETIME_SECONDS,
        "scope": f"{settings.app_id_uri}/{settings.ms_required_scope}",
    }
    return body, 200, _NO_STORE


def _settings() -> Settings:
    return current_app.extensions["addin_api"].settings


def _tenant_segment(tenant: str) -> str:
    """The issuer's tenant part for a URL tenant: the template for multi-tenant paths, else the demo one."""
    if tenant in {"common", "organizations"}:
        return TENANT_PLACEHOLDER
    if tenant.lower() == DEMO_TENANT_ID:
        return DEMO_TENANT_ID
    abort(404)


def _metadata(authority: str, issuer_template: str, keys_path: str, tenant: str) -> dict:
    return {
        "issuer": issuer_template.replace(TENANT_PLACEHOLDER, _tenant_segment(tenant)),
        "jwks_uri": authority + keys_path,
        "token_endpoint": f"{authority}/{tenant}/oauth2/v2.0/token",
        "grant_types_supported": ["password"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none"],
    }


def _token_request() -> Mapping:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return request.form


def _oauth_error(code: str, description: str):
    return {"error": code, "error_description": description}, 400, _NO_STORE


@lru_cache(maxsize=8)
def _load_key(path: str) -> rsa.RSAPrivateKey:
    pem = _persisted(Path(path), _new_key_pem)
    return serialization.load_pem_private_key(pem, password=None)


def _new_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _persisted(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes, created (0600) on first use; when workers race, the first link wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(make())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # atomic, and refuses to replace another worker's file
        finally:
            os.unlink(tmp)
    return path.read_bytes()
