"""Google Workspace mailboxes via Gmail history ids and Calendar sync tokens, as each rep (delegation).

Docs: https://developers.google.com/workspace/gmail/api/guides/sync and
https://developers.google.com/workspace/calendar/api/guides/sync
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import quote

import requests

from addin_api.capture.http import Fetcher, refuse
from addin_api.capture.port import MailItem, MeetingItem, Page, ResyncRequired, SourceUnavailable
from addin_api.capture.text import html_to_text
from addin_api.gmail.gmail_api import part_text

METADATA = "https://www.googleapis.com/auth/gmail.metadata"  # headers and labels, never bodies
READONLY = "https://www.googleapis.com/auth/gmail.readonly"  # bodies too: only with ADDIN_CAPTURE_LOG_EMAILS
CALENDAR = "https://www.googleapis.com/auth/calendar.events.readonly"
SCOPES = (METADATA, CALENDAR)
LOGGING_SCOPES = (READONLY, CALENDAR)
HEADERS = ("From", "To", "Cc", "Message-ID", "Date")


class GoogleSource:
    """Each rep's Gmail (all mail, by history id) and primary calendar (by sync token)."""

    name = "google"
    folders = ("mail", "calendar")

    def __init__(self, settings, http: requests.Session, fetcher: Fetcher | None = None):
        if not settings.google_capture_key_path:
            raise ValueError("Set ADDIN_GOOGLE_CAPTURE_KEY_PATH: the service account's JSON key.")
        self._settings, self._http = settings, http
        self._gmail = settings.gmail_api_url.rstrip("/") + "/gmail/v1/users/"
        self._calendar = (
            settings.google_calendar_api_url.rstrip("/") + "/calendar/v3/calendars/primary/events"
        )
        self.fetcher = fetcher or Fetcher(http, settings.capture_max_retry_after_seconds)
        self._base, self._creds, self._lock = None, {}, threading.Lock()

    @classmethod
    def from_settings(cls, settings, http: requests.Session) -> GoogleSource:
        """A source on the given HTTP session."""
        return cls(settings, http)

    def pages(self, mailbox: str, folder: str, cursor: str | None) -> Iterator[Page]:
        """Pages of changes since `cursor` (JSON: history id or sync token, and a page token mid-read)."""
        state = json.loads(cursor) if cursor else {}
        if folder == "calendar":
            yield from self._events(mailbox, state)
        elif "history" in state:
            yield from self._history(mailbox, state)
        else:
            yield from self._full_mail(mailbox, state)

    # --- Gmail ---------------------------------------------------------------------------

    def _history(self, mailbox: str, state: dict) -> Iterator[Page]:
        params = {"startHistoryId": state["history"], "historyTypes": "messageAdded"}
        params["maxResults"] = self._settings.capture_page_size
        while True:
            body = self._get(mailbox, self._gmail + quote(mailbox) + "/history", params, expired=(404,))
            ids = [
                a["message"]["id"] for h in body.get("history") or [] for a in h.get("messagesAdded") or []
            ]
            mails = tuple(m for m in (self._message(mailbox, i) for i in dict.fromkeys(ids)) if m)
            token = body.get("nextPageToken")
            # mid-read the start stays; at the end the mailbox's current history id is the next start
            nxt = (
                {"history": state["history"]}
                if token
                else {"history": body.get("historyId", state["history"])}
            )
            yield Page(mails=mails, cursor=json.dumps({**nxt, **({"page": token} if token else {})}))
            if not token:
                return
            params["pageToken"] = token

    def _full_mail(self, mailbox: str, state: dict) -> Iterator[Page]:
        # the history id is taken before listing, so nothing that arrives during the read is missed
        start = (
            state.get("start")
            or self._get(mailbox, self._gmail + quote(mailbox) + "/profile", None)["historyId"]
        )
        params = {"maxResults": self._settings.capture_page_size}
        if state.get("page"):
            params["pageToken"] = state["page"]
        while True:
            body = self._get(mailbox, self._gmail + quote(mailbox) + "/messages", params)
            mails = tuple(
                m for m in (self._message(mailbox, r["id"]) for r in body.get("messages") or []) if m
            )
            token = body.get("nextPageToken")
            cursor = {"start": start, "page": token} if token else {"history": start}
            yield Page(mails=mails, cursor=json.dumps(cursor))
            if not token:
                return
            params["pageToken"] = token

    def _message(self, mailbox: str, message_id: str) -> MailItem | None:
        url = f"{self._gmail}{quote(mailbox)}/messages/{quote(message_id)}"
        full = self._settings.capture_log_emails  # the body only to log the email, never otherwise
        params = [("format", "full")] if full else [("format", "metadata")]
        params += [] if full else [("metadataHeaders", h) for h in HEADERS]
        response = self._send(mailbox, url, params)
        if response.status_code == 404:
            return None  # deleted since the history entry
        if not response.ok:
            raise refuse(response, "Gmail")
        return _mail(response.json(), with_body=full)

    # --- Calendar ------------------------------------------------------------------------

    def _events(self, mailbox: str, state: dict) -> Iterator[Page]:
        params: dict = {"maxResults": self._settings.capture_page_size, "singleEvents": "true"}
        if state.get("sync"):
            params["syncToken"] = state["sync"]
        if state.get("page"):
            params["pageToken"] = state["page"]
        url = self._calendar  # `primary` is the impersonated rep's own calendar
        while True:
            body = self._get(mailbox, url, params, expired=(410,))
            meetings = tuple(_meeting(e) for e in body.get("items") or [])
            token = body.get("nextPageToken")
            cursor = (
                {"sync": state.get("sync"), "page": token} if token else {"sync": body.get("nextSyncToken")}
            )
            yield Page(meetings=meetings, cursor=json.dumps(cursor))
            if not token:
                return
            params["pageToken"] = token

    # --- HTTP and credentials ------------------------------------------------------------

    def _get(self, mailbox: str, url: str, params, expired: tuple[int, ...] = ()) -> dict:
        response = self._send(mailbox, url, params)
        if response.status_code in expired:
            raise ResyncRequired("the history id or sync token expired")
        if not response.ok:
            raise refuse(response, "Google")
        return response.json()

    def _send(self, mailbox: str, url: str, params) -> requests.Response:
        return self.fetcher.get(url, {"Authorization": f"Bearer {self._token(mailbox)}"}, params)

    def _token(self, mailbox: str) -> str:
        """An access token as the rep: the service account signs a JWT assertion naming them as subject."""
        from google.auth.exceptions import RefreshError, TransportError
        from google.auth.transport.requests import Request

        with self._lock:
            creds = self._creds.get(mailbox)
            if creds is None:
                creds = self._creds[mailbox] = self._base_credentials().with_subject(mailbox)
            if not creds.valid:
                try:
                    creds.refresh(Request(self._http))
                except (RefreshError, TransportError) as exc:
                    # not delegated for this user, or the key was revoked; the reason names no secret
                    raise SourceUnavailable(
                        f"Google refused the service account ({type(exc).__name__})"
                    ) from None
            return creds.token

    def _base_credentials(self):
        if self._base is None:
            from google.oauth2 import service_account

            self._base = service_account.Credentials.from_service_account_file(
                self._settings.google_capture_key_path,
                scopes=list(LOGGING_SCOPES if self._settings.capture_log_emails else SCOPES),
            )
        return self._base


def _mail(message: dict, with_body: bool = False) -> MailItem | None:
    payload = message.get("payload") or {}
    headers = {h["name"].lower(): h["value"] for h in payload.get("headers") or []}
    senders = [a for _, a in getaddresses([headers.get("from", "")]) if a]
    if not senders:
        return None
    to, cc = _people(headers.get("to", "")), _people(headers.get("cc", ""))
    key = headers.get("message-id", "").strip() or f"gmail:{message.get('id')}"
    at = _sent_at(headers.get("date"), message)
    if not with_body:
        return MailItem(key, senders[0].lower(), to + cc, at, cc=cc)
    # the plain-text part as the add-on reads it; an HTML-only email reduced to its text
    text = part_text(payload, "text/plain") or html_to_text(part_text(payload, "text/html"))
    return MailItem(key, senders[0].lower(), to + cc, at, headers.get("subject", ""), text, cc)


def _people(value: str) -> tuple[str, ...]:
    return tuple(a.lower() for _, a in getaddresses([value]) if a)


def _sent_at(date: str | None, message: dict) -> datetime:
    try:
        parsed = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return datetime.fromtimestamp(int(message.get("internalDate", 0)) / 1000, UTC)


def _meeting(event: dict) -> MeetingItem:
    ref = str(event.get("id") or "")
    if event.get("status") == "cancelled":
        return MeetingItem(event.get("iCalUID"), ref, (), None, cancelled=True)
    people = [a.get("email") or "" for a in event.get("attendees") or []]
    organizer = (event.get("organizer") or {}).get("email") or ""
    start = (event.get("start") or {}).get("dateTime")
    when = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC) if start else None
    return MeetingItem(
        event.get("iCalUID") or f"gcal:{ref}", ref, tuple(p.lower() for p in [organizer, *people] if p), when
    )
