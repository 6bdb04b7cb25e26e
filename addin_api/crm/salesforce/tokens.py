"""Per-rep Salesforce refresh tokens in the app store, encrypted at rest with a key derived from the secret key."""
from __future__ import annotations

import base64
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String, Text, delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin_api.domain import utcnow
from addin_api.store.db import StoreBase, UtcDateTime

# Fixed context strings: the same secret key also signs Gmail card state, so each use gets its own key.
_HKDF_SALT = b"addin-api/v1"
_HKDF_INFO = b"salesforce refresh tokens"


class SalesforceToken(StoreBase):
    """One rep's Salesforce connection: the org's API host and the encrypted refresh token."""

    __tablename__ = "salesforce_tokens"
    user_key: Mapped[str] = mapped_column(String(200), primary_key=True)  # Principal.key, never the address
    instance_url: Mapped[str] = mapped_column(String(255))
    refresh_token: Mapped[str] = mapped_column(Text)  # Fernet ciphertext
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


def token_cipher(secret_key: str) -> Fernet:
    """Fernet with a 256-bit key derived from the app's secret key by HKDF-SHA256."""
    if not secret_key:
        raise ValueError("ADDIN_SECRET_KEY is required to store Salesforce refresh tokens")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


class TokenStore:
    """Save, load and forget refresh tokens; each call is one short transaction."""

    def __init__(self, engine: Engine, secret_key: str):
        self.engine = engine
        self._cipher = token_cipher(secret_key)
        SalesforceToken.__table__.create(engine, checkfirst=True)  # idempotent, like the other stores

    def save(self, user_key: str, refresh_token: str, instance_url: str) -> None:
        """Store (or replace, e.g. after rotation) the rep's refresh token."""
        sealed = self._cipher.encrypt(refresh_token.encode()).decode()
        with Session(self.engine) as s, s.begin():
            s.merge(SalesforceToken(user_key=user_key, instance_url=instance_url, refresh_token=sealed,
                                    updated_at=utcnow()))

    def load(self, user_key: str) -> tuple[str, str] | None:
        """(refresh token, instance URL) of the rep, or None if not connected or undecryptable."""
        with Session(self.engine) as s:
            row = s.get(SalesforceToken, user_key)
        if row is None:
            return None
        try:
            return self._cipher.decrypt(row.refresh_token.encode()).decode(), row.instance_url
        except InvalidToken:  # the secret key changed: the rep must reconnect
            return None

    def forget(self, user_key: str) -> None:
        """Drop the rep's connection (revoked or refused refresh token)."""
        with Session(self.engine) as s, s.begin():
            s.execute(delete(SalesforceToken).where(SalesforceToken.user_key == user_key))
