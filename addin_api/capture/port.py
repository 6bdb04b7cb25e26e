"""The port every mailbox source implements, what it yields (headers; text only to log it), and its store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from addin_api.domain import CapturedActivity


class SourceError(Exception):
    """Base of the failures a source raises; the message never carries a token or a body."""


class ResyncRequired(SourceError):
    """The stored cursor expired (Graph 410, Gmail 404, Calendar 410): read the folder again from scratch."""


class SourceUnavailable(SourceError):
    """The mailbox cannot be read now (network, 5xx, refused, throttled too long): try it next pass."""


@dataclass(frozen=True)
class MailItem:
    """One email's headers: Message-ID, sender, recipients, date (subject and text only to log it)."""

    key: str  # RFC 5322 Message-ID, or the source's own id when a message has none
    sender: str
    recipients: tuple[str, ...]
    at: datetime
    subject: str = ""  # read only with ADDIN_CAPTURE_LOG_EMAILS, like the body
    body: str = ""  # plain text; never requested unless ADDIN_CAPTURE_LOG_EMAILS is on
    cc: tuple[str, ...] = ()  # which recipients were on Cc, so a logged email keeps To and Cc apart


@dataclass(frozen=True)
class MeetingItem:
    """One calendar event: `key` is its iCalUId (None when only a removal is known), `ref` the source's id."""

    key: str | None
    ref: str
    attendees: tuple[str, ...]
    start: datetime | None
    cancelled: bool = False


@dataclass(frozen=True)
class Page:
    """One page of changes and the cursor that resumes right after it."""

    mails: tuple[MailItem, ...] = ()
    meetings: tuple[MeetingItem, ...] = ()
    cursor: str = ""


class MailboxSource(Protocol):
    """A vendor's mailboxes read incrementally, headers only. Implementations: microsoft, google."""

    name: str
    folders: tuple[str, ...]  # each folder has its own cursor

    def pages(self, mailbox: str, folder: str, cursor: str | None) -> Iterator[Page]:
        """Changes since `cursor` (None = everything), page by page; ResyncRequired if it expired."""


@dataclass(frozen=True)
class ItemRow:
    """One counted item on one deal: an inbound or outbound email or a meeting."""

    deal_id: str
    key: str
    kind: str  # "in" | "out" | "meeting"
    at: datetime
    ref: str


@dataclass(frozen=True)
class DealCounts:
    """A deal's captured counts as computed now; `deal_id` names it in the CRM."""

    deal_id: str
    activity: CapturedActivity


class CaptureStorePort(Protocol):
    """Cursors, counted items and the counts last written to the CRM (the app database)."""

    def cursor(self, source: str, mailbox: str, folder: str) -> str | None:
        """The stored cursor of one folder, None before its first page."""

    def apply_page(
        self,
        source: str,
        mailbox: str,
        folder: str,
        cursor: str,
        crm: str,
        rows: Sequence[ItemRow],
        cancelled: Sequence[MeetingItem],
    ) -> int:
        """One transaction: count new rows, drop cancelled meetings, store the cursor; rows added."""

    def drop_cursor(self, source: str, mailbox: str, folder: str) -> None:
        """Forget a folder's cursor (its next read is a full one)."""

    def changed_counts(self, crm: str, now: datetime) -> list[DealCounts]:
        """Every deal's counts that differ from what was last written to the CRM."""

    def mark_written(self, crm: str, counts: Sequence[DealCounts]) -> None:
        """Remember these counts as written to the CRM."""

    def record_pass(self, source: str, started_at: datetime, finished_at: datetime, stats: dict) -> None:
        """Note a finished pass (its time is what the pane shows as 'last pass')."""

    def captured(self, crm: str, deal_ids: Sequence[str]) -> dict[str, CapturedActivity]:
        """The counts last computed for these deals, by deal id (deals capture never saw are absent)."""

    def last_pass_at(self) -> datetime | None:
        """When the last pass finished, None if capture never ran."""
