"""Microsoft 365 mailboxes through Graph delta queries, app-only (msal); headers, bodies only to log emails.

Docs: https://learn.microsoft.com/graph/delta-query-messages and /graph/delta-query-events
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import requests

from addin_api.capture.http import Fetcher, refuse
from addin_api.capture.port import MailItem, MeetingItem, Page, ResyncRequired, SourceUnavailable
from addin_api.capture.text import body_text
from addin_api.graph import client_credential

# Header fields only: Mail.ReadBasic.All never hands out bodies, and we never ask for them...
MESSAGE_SELECT = "internetMessageId,from,toRecipients,ccRecipients,sentDateTime,receivedDateTime"
# ...unless ADDIN_CAPTURE_LOG_EMAILS logs each email as the pane does (needs Mail.Read).
LOGGING_SELECT = MESSAGE_SELECT + ",subject,body"
MAIL_FOLDERS = {"inbox": "inbox", "sent": "sentitems"}
CALENDAR_PAST, CALENDAR_AHEAD = timedelta(days=180), timedelta(days=180)
EXPIRED = {"syncStateNotFound", "SyncStateNotFound", "resyncRequired", "SyncStateInvalid"}


class GraphSource:
    """Inbox, sent items and calendar of each mailbox, read with delta links stored as cursors."""

    name = "microsoft"
    folders = ("inbox", "sent", "calendar")

    def __init__(self, settings, http: requests.Session, fetcher: Fetcher | None = None, clock=None):
        if not settings.capture_tenant:
            raise ValueError("Set ADDIN_CAPTURE_MS_TENANT: the tenant GUID whose mailboxes capture reads.")
        self._settings, self._http = settings, http
        self._graph = settings.graph_url.rstrip("/")
        self.fetcher = fetcher or Fetcher(http, settings.capture_max_retry_after_seconds)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._app, self._lock = None, threading.Lock()

    @classmethod
    def from_settings(cls, settings, http: requests.Session) -> GraphSource:
        """A source on the app's pooled HTTP session."""
        return cls(settings, http)

    def pages(self, mailbox: str, folder: str, cursor: str | None) -> Iterator[Page]:
        """Delta pages of one folder from `cursor` (a next or delta link), each with the link after it."""
        url, params = (cursor, None) if cursor else self._first(mailbox, folder)
        while True:
            body = self._get(url, params)
            params = None  # links carry every parameter of the first request
            items = body.get("value") or []
            link = body.get("@odata.nextLink") or body.get("@odata.deltaLink")
            if not link:
                raise SourceUnavailable("Graph answered a delta page without a next or delta link")
            if folder == "calendar":
                yield Page(meetings=tuple(_meeting(e) for e in items), cursor=link)
            else:
                yield Page(mails=tuple(m for m in map(_mail, items) if m), cursor=link)
            if "@odata.nextLink" not in body:
                return
            url = link

    def _first(self, mailbox: str, folder: str) -> tuple[str, dict]:
        user = f"{self._graph}/v1.0/users/{quote(mailbox, safe='@')}"
        if folder == "calendar":
            now = self._clock()
            window = {"startDateTime": _iso(now - CALENDAR_PAST), "endDateTime": _iso(now + CALENDAR_AHEAD)}
            return f"{user}/calendarView/delta", window
        select = LOGGING_SELECT if self._settings.capture_log_emails else MESSAGE_SELECT
        return f"{user}/mailFolders/{MAIL_FOLDERS[folder]}/messages/delta", {"$select": select}

    def _get(self, url: str, params: dict | None) -> dict:
        headers = {
            "Authorization": f"Bearer {self._token()}",
            # bodies (when asked for) as text: Graph converts HTML itself
            "Prefer": f'odata.maxpagesize={self._settings.capture_page_size}, outlook.timezone="UTC", '
            'outlook.body-content-type="text"',
        }
        response = self.fetcher.get(url, headers, params)
        if response.status_code == 410 or (response.status_code >= 400 and _code(response) in EXPIRED):
            raise ResyncRequired("the delta link expired")
        if not response.ok:
            raise refuse(response, "Graph")
        return response.json()

    def _token(self) -> str:
        # msal keeps the app token and renews it before it expires
        result = self._msal().acquire_token_for_client(scopes=[f"{self._graph}/.default"])
        if "access_token" not in result:
            # error codes only: descriptions can name the tenant's users
            raise SourceUnavailable(f"Entra refused the app's credentials ({result.get('error')})")
        return result["access_token"]

    def _msal(self):
        with self._lock:
            if self._app is None:
                import msal  # only deployments that capture from Microsoft 365 pay for the import

                s = self._settings
                self._app = msal.ConfidentialClientApplication(
                    s.ms_client_id,
                    client_credential=client_credential(s),
                    authority=f"{s.ms_authority.rstrip('/')}/{s.capture_tenant}",
                    http_client=self._http,
                    instance_discovery=False,  # our authority comes from settings, not a request
                )
            return self._app


def _mail(item: dict) -> MailItem | None:
    if "@removed" in item:
        return None  # a deleted email was still sent: it stays counted
    sender = ((item.get("from") or {}).get("emailAddress") or {}).get("address") or ""
    to, cc = _addresses(item.get("toRecipients")), _addresses(item.get("ccRecipients"))
    when = item.get("sentDateTime") or item.get("receivedDateTime")
    if not sender or not when:
        return None
    key = str(item.get("internetMessageId") or "").strip() or f"graph:{item.get('id')}"
    body = item.get("body") or {}
    text = body_text(body.get("content") or "", body.get("contentType") or "text")
    return MailItem(key, sender.lower(), to + cc, _parse(when), item.get("subject") or "", text, cc)


def _addresses(recipients: list | None) -> tuple[str, ...]:
    found = ((r.get("emailAddress") or {}).get("address") or "" for r in recipients or [])
    return tuple(a.lower() for a in found if a)


def _meeting(event: dict) -> MeetingItem:
    ref = str(event.get("id") or "")
    if "@removed" in event:
        return MeetingItem(None, ref, (), None, cancelled=True)
    people = [(a.get("emailAddress") or {}).get("address") or "" for a in event.get("attendees") or []]
    organizer = ((event.get("organizer") or {}).get("emailAddress") or {}).get("address") or ""
    start = (event.get("start") or {}).get("dateTime")
    return MeetingItem(
        event.get("iCalUId") or f"graph:{ref}",
        ref,
        tuple(p.lower() for p in [organizer, *people] if p),
        _parse(start) if start else None,
        cancelled=bool(event.get("isCancelled")),
    )


def _parse(value: str) -> datetime:
    """Graph dates: ISO 8601, UTC with `Z` on messages, zone-less (UTC, as we asked) on events."""
    value = value.replace("Z", "+00:00")
    if "." in value:  # events carry 7 fractional digits, more than fromisoformat takes on 3.11
        head, _, tail = value.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        value = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _code(response: requests.Response) -> str:
    try:
        return str(json.loads(response.text)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""
