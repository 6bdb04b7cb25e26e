"""Gmail API reads of the open message (users.messages.get): headers first, the body only to log or rate it.

https://developers.google.com/gmail/api/reference/rest/v1/users.messages/get — an add-on reads the
open message with the rep's `userOAuthToken` plus the per-message `gmail.accessToken`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import quote

import requests

from addin_api.domain import EmailLog, utcnow
from addin_api.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable

log = logging.getLogger(__name__)
HEADERS = ("Message-ID", "Subject", "From", "To", "Cc", "Date")


@dataclass(frozen=True)
class MessageRef:
    """Which message is open and the two tokens that let us read it (never logged)."""

    gmail_id: str
    access_token: str
    oauth_token: str

    @classmethod
    def from_event(cls, event: dict) -> MessageRef:
        """The open message of a contextual or action event; BadRequest when no message is open."""
        gmail = event.get("gmail") or {}
        auth = event.get("authorizationEventObject") or {}
        ref = cls(
            gmail.get("messageId") or "", gmail.get("accessToken") or "", auth.get("userOAuthToken") or ""
        )
        if not (ref.gmail_id and ref.access_token and ref.oauth_token):
            raise BadRequest("Open an email to see the deals of the people on it.")
        return ref


@dataclass(frozen=True)
class GmailMessage:
    """The headers (and, when fetched in full, the plain-text body) of one email."""

    message_id: str  # RFC 5322 Message-ID: the key activities are logged under, as in Outlook
    subject: str
    from_address: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: datetime
    body: str = ""
    date_note: str | None = None  # why the received time stands in for an unusable Date header

    @property
    def participants(self) -> list[str]:
        """Everyone on the email: sender, To and Cc."""
        return [a for a in (self.from_address, *self.to, *self.cc) if a]


class GmailClient:
    """users.messages.get over the app's pooled session; failures become errors the rep can read."""

    def __init__(self, http: requests.Session, base_url: str):
        self.http, self.base_url = http, base_url.rstrip("/")

    def headers(self, ref: MessageRef) -> GmailMessage:
        """Only the headers (format=metadata): enough to find the participants' deals."""
        return parse_message(self._get(ref, {"format": "metadata", "metadataHeaders": list(HEADERS)}))

    def full(self, ref: MessageRef) -> GmailMessage:
        """Headers and plain-text body (format=full), read only when the rep logs or rates the email."""
        return parse_message(self._get(ref, {"format": "full"}), with_body=True)

    def _get(self, ref: MessageRef, params: dict) -> dict:
        url = f"{self.base_url}/gmail/v1/users/me/messages/{quote(ref.gmail_id, safe='')}"
        headers = {
            "Authorization": f"Bearer {ref.oauth_token}",
            "X-Goog-Gmail-Access-Token": ref.access_token,
        }
        try:
            response = self.http.get(url, params=params, headers=headers)
        except requests.RequestException as exc:
            log.warning("gmail api unreachable: %s", type(exc).__name__)
            raise ServiceUnavailable("Gmail did not answer. Try again in a moment.") from None
        if response.status_code in (401, 403):
            raise Forbidden("Gmail did not let the add-on read this email. Close it and open it again.")
        if response.status_code == 404:
            raise NotFound("This email is no longer in Gmail.")
        if not response.ok:
            log.warning("gmail api answered %s", response.status_code)
            raise ServiceUnavailable("Gmail did not answer. Try again in a moment.")
        try:
            return response.json()
        except ValueError:
            raise ServiceUnavailable("Gmail sent an answer the add-on cannot read.") from None


def parse_message(data: dict, with_body: bool = False) -> GmailMessage:
    """A GmailMessage from the API's Message resource."""
    payload = data.get("payload") or {}
    header = _headers(payload)
    sender = _addresses(header.get("from", ""))
    sent_at, note = _sent_at(header.get("date", ""), data.get("internalDate"))
    return GmailMessage(
        header.get("message-id", "").strip(),
        header.get("subject", ""),
        sender[0] if sender else "",
        tuple(_addresses(header.get("to", ""))),
        tuple(_addresses(header.get("cc", ""))),
        sent_at,
        _plain_text(payload) if with_body else "",
        note,
    )


def _headers(part: dict) -> dict[str, str]:
    # Header names are case-insensitive (Message-ID, Message-Id).
    return {h.get("name", "").lower(): h.get("value", "") for h in part.get("headers") or []}


def _addresses(value: str) -> list[str]:
    return [address.lower() for _, address in getaddresses([value]) if "@" in address]


def _sent_at(date_header: str, internal_ms: str | None) -> tuple[datetime, str | None]:
    """The Date header if plausible, else when Gmail received the email (with a note saying so)."""
    received = utcnow()
    if internal_ms and str(internal_ms).isdigit():
        with contextlib.suppress(OverflowError, OSError, ValueError):
            received = datetime.fromtimestamp(int(internal_ms) / 1000, tz=UTC)
    try:
        claimed = parsedate_to_datetime(date_header)
        claimed = claimed if claimed.tzinfo else claimed.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        claimed = None
    sent_at, note = EmailLog.plausible_sent_at(claimed, received)
    if note:
        log.info("Gmail message with an unusable Date header: the received time is used")
    return sent_at, note


def _plain_text(part: dict) -> str:
    """The first text/plain body in the MIME tree, decoded from base64url."""
    if part.get("mimeType", "").lower() == "text/plain" and (part.get("body") or {}).get("data"):
        return _decode(part["body"]["data"], _charset(part))
    for child in part.get("parts") or []:
        text = _plain_text(child)
        if text:
            return text
    return ""


def _charset(part: dict) -> str:
    content_type = Message()
    content_type["Content-Type"] = _headers(part).get("content-type", "text/plain")
    return content_type.get_content_charset() or "utf-8"


def _decode(data: str, charset: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return ""
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", errors="replace")
