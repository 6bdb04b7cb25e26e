"""Per-rep CRM refresh tokens in the app store, one table for every CRM, encrypted at rest."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import NamedTuple

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String, Text, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin_api.domain import utcnow
from addin_api.store.db import StoreBase, UtcDateTime

# Fixed context strings: the same secret key also signs Gmail card state, so each use gets its own key,
# and each CRM its own (Salesforce keeps the string it had before other CRMs shared the table).
_HKDF_SALT = b"addin-api/v1"


def _hkdf_info(crm: str, purpose: str) -> bytes:
    return f"{crm} {purpose}".encode()


class CrmToken(StoreBase):
    """One rep's connection to one CRM: its API host (or account id) and the encrypted refresh token."""

    __tablename__ = "crm_tokens"
    crm: Mapped[str] = mapped_column(String(20), primary_key=True)  # the ADDIN_CRM value
    user_key: Mapped[str] = mapped_column(String(200), primary_key=True)  # Principal.key, never the address
    instance_url: Mapped[str] = mapped_column(String(255))
    refresh_token: Mapped[str] = mapped_column(Text)  # Fernet ciphertext
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UsedConnectTicket(StoreBase):
    """A connect link already opened once; kept until the link would have expired anyway."""

    __tablename__ = "crm_connect_tickets"
    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StoredToken(NamedTuple):
    """A rep's refresh token, API host, and the ciphertext it was read from (for compare-and-delete)."""

    refresh_token: str
    instance_url: str
    sealed: str


def token_cipher(secret_key: str, crm: str, purpose: str = "refresh tokens") -> Fernet:
    """Fernet with a 256-bit key derived from the app's secret key by HKDF-SHA256, one per CRM and use."""
    if not secret_key:
        raise ValueError(f"ADDIN_SECRET_KEY is required to store the reps' CRM {purpose}")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_hkdf_info(crm, purpose)).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


class TokenStore:
    """Save, load and forget one CRM's refresh tokens; each call is one short transaction."""

    def __init__(self, engine: Engine, secret_key: str, crm: str):
        self.engine, self.crm = engine, crm
        self._cipher = token_cipher(secret_key, crm)

    def save(self, user_key: str, refresh_token: str, instance_url: str) -> None:
        """Store (or replace, e.g. after rotation) the rep's refresh token."""
        sealed = self._cipher.encrypt(refresh_token.encode()).decode()
        row = {"instance_url": instance_url, "refresh_token": sealed, "updated_at": utcnow()}
        # An upsert, not a read then a write: another worker may delete the row in between (it saw its own
        # refresh refused) and the rotated token must still be kept.
        insert = (postgresql if self.engine.dialect.name == "postgresql" else sqlite).insert(CrmToken)
        with self.engine.begin() as conn:
            conn.execute(
                insert.values(crm=self.crm, user_key=user_key, **row).on_conflict_do_update(
                    index_elements=["crm", "user_key"], set_=row
                )
            )

    def load(self, user_key: str) -> StoredToken | None:
        """The rep's stored token, or None if not connected or undecryptable."""
        with Session(self.engine) as s:
            row = s.get(CrmToken, (self.crm, user_key))
        if row is None:
            return None
        try:
            return StoredToken(
                self._cipher.decrypt(row.refresh_token.encode()).decode(), row.instance_url, row.refresh_token
            )
        except InvalidToken:  # the secret key changed: the rep must reconnect
            return None

    def forget(self, user_key: str, sealed: str | None = None) -> bool:
        """Drop the rep's connection; with `sealed`, only if that ciphertext is still the stored one."""
        # Compare-and-delete: another worker may have saved a rotated token since `sealed` was read.
        condition = (CrmToken.crm == self.crm) & (CrmToken.user_key == user_key)
        if sealed is not None:
            condition &= CrmToken.refresh_token == sealed
        with Session(self.engine) as s, s.begin():
            return s.execute(delete(CrmToken).where(condition)).rowcount > 0

    def use_ticket(self, ticket_id: str, max_age: float) -> bool:
        """Record a connect link as opened; False if it was opened before (links are single-use)."""
        now = utcnow()
        expired = UsedConnectTicket.used_at < now - timedelta(seconds=max_age)
        try:
            with Session(self.engine) as s, s.begin():
                # Older rows can go: their links fail the signature's age check before reaching here.
                s.execute(delete(UsedConnectTicket).where(expired))
                s.add(UsedConnectTicket(ticket_id=ticket_id, used_at=now))
        except IntegrityError:
            return False
        return True
