"""One capture pass: read each mailbox's changes, match people to open deals, count, write to the CRM.

Pure Python over ports: the source (a mailbox vendor), the CRM (the pane's own matching) and the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from addin_api.capture.matching import Parties, deals_of
from addin_api.capture.port import (
    CaptureStorePort,
    ItemRow,
    MailboxSource,
    MailItem,
    MeetingItem,
    Page,
    ResyncRequired,
    SourceError,
)
from addin_api.crm.port import ActivityCountsWriter, CrmError, CrmPort, OpenDealOwners
from addin_api.domain import Direction, EmailLog, Principal, utcnow
from addin_api.errors import AddinError

log = logging.getLogger(__name__)
MATCH_BATCH = 50  # addresses per CRM lookup, as the pane sends at most


class NoMailboxes(ValueError):
    """Nobody to capture: no ADDIN_CAPTURE_MAILBOXES and the CRM cannot list its deals' owners."""


@dataclass
class PassResult:
    """What one pass did, for the log line and the tests."""

    items_added: int = 0
    deals_written: int = 0
    resyncs: int = 0
    emails_logged: int = 0
    failed_mailboxes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CaptureDeps:
    """Everything a pass needs; `writer_email` is whom the CRM write acts as.

    `log_email(rep, deal_id, email)` (ADDIN_CAPTURE_LOG_EMAILS) logs a captured email as the pane does
    and returns None when it was logged already; without it, nothing is logged.
    """

    source: MailboxSource
    store: CaptureStorePort
    crm: CrmPort
    mailboxes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    writer_email: str = ""
    clock: Callable[[], datetime] = utcnow
    log_email: Callable[[Principal, str, EmailLog], object] | None = None
    body_max: int = 20_000


def mailboxes_of(deps: CaptureDeps) -> list[str]:
    """The configured mailboxes, or else the owners of the CRM's open deals."""
    if deps.mailboxes:
        return [m.lower() for m in deps.mailboxes]
    if isinstance(deps.crm, OpenDealOwners):
        return sorted({m.lower() for m in deps.crm.open_deal_owners() if m})
    raise NoMailboxes("Set ADDIN_CAPTURE_MAILBOXES: this CRM cannot list the owners of its open deals.")


def run_pass(deps: CaptureDeps) -> PassResult:
    """Read every mailbox's changes since its cursors, count them per deal, write what changed to the CRM."""
    started, result = deps.clock(), PassResult()
    mailboxes = mailboxes_of(deps)
    parties = Parties.of(mailboxes, deps.exclude)
    for mailbox in mailboxes:
        matcher = _Matcher(deps.crm, _principal(mailbox), parties)
        for folder in deps.source.folders:
            try:
                _read_folder(deps, mailbox, folder, matcher, result)
            except (SourceError, CrmError) as exc:
                # The cursor of the last stored page stays: the next pass resumes right there.
                log.warning(
                    "capture of a mailbox folder stopped (%s)", type(exc).__name__, extra={"folder": folder}
                )
                result.failed_mailboxes.append(mailbox)
    result.deals_written = _write_counts(deps, mailboxes)
    deps.store.record_pass(
        deps.source.name, started, deps.clock(), {"items": result.items_added, "deals": result.deals_written}
    )
    return result


def _read_folder(deps: CaptureDeps, mailbox: str, folder: str, matcher: _Matcher, result: PassResult) -> None:
    cursor = deps.store.cursor(deps.source.name, mailbox, folder)
    try:
        _apply_pages(deps, mailbox, folder, deps.source.pages(mailbox, folder, cursor), matcher, result)
    except ResyncRequired:
        if cursor is None:
            raise
        log.info("capture cursor expired; reading the folder again", extra={"folder": folder})
        result.resyncs += 1
        deps.store.drop_cursor(deps.source.name, mailbox, folder)
        _apply_pages(deps, mailbox, folder, deps.source.pages(mailbox, folder, None), matcher, result)


def _apply_pages(deps, mailbox, folder, pages, matcher: _Matcher, result: PassResult) -> None:
    for page in pages:
        rows, cancelled = matcher.rows(page, mailbox)
        if deps.log_email is not None:  # before the page's cursor is stored: a crash re-logs, idempotently
            _log_mails(deps, matcher, page.mails, rows, result)
        result.items_added += deps.store.apply_page(
            deps.source.name, mailbox, folder, page.cursor, deps.crm.name, rows, cancelled
        )


def _log_mails(deps: CaptureDeps, matcher: _Matcher, mails, rows: list[ItemRow], result: PassResult) -> None:
    """Log each matched email on its deals as the mailbox's owner; deals they may not change are skipped."""
    by_key = {m.key: m for m in mails}
    for row in rows:
        if row.kind == "meeting":
            continue
        email = _email_log(by_key[row.key], row.kind, deps.body_max)
        if EmailLog.sent_at_problem(email.sent_at, deps.clock()):
            continue  # a date no CRM stores (a broken Date header): counted, never logged
        try:
            if deps.log_email(matcher.rep, row.deal_id, email) is not None:
                result.emails_logged += 1
        except AddinError as exc:  # not their deal, or an email no CRM takes: counted, just not logged
            log.info("captured email not logged on a deal (%s)", type(exc).__name__)


def _email_log(mail: MailItem, kind: str, body_max: int) -> EmailLog:
    """The email as the pane would log it, unrated; direction from our side, as capture counts it."""
    to = tuple(r for r in mail.recipients if r not in mail.cc)
    direction = Direction.OUTBOUND if kind == "out" else Direction.INBOUND
    text = mail.body.replace("\x00", "")[:body_max]
    return EmailLog(
        mail.key, mail.subject.replace("\x00", ""), mail.sender, to, mail.cc, mail.at, direction, text
    )


def _write_counts(deps: CaptureDeps, mailboxes: list[str]) -> int:
    changed = deps.store.changed_counts(deps.crm.name, deps.clock())
    if not changed:
        return 0
    if isinstance(deps.crm, ActivityCountsWriter):
        writer = _principal(deps.writer_email or mailboxes[0])
        try:
            deps.crm.write_activity_counts(writer, [(c.deal_id, c.activity) for c in changed])
        except CrmError as exc:
            log.warning("captured counts not written to the CRM (%s); retried next pass", type(exc).__name__)
            return 0
    deps.store.mark_written(deps.crm.name, changed)
    return len(changed)


def _principal(mailbox: str) -> Principal:
    """Capture acts as the mailbox's owner, so the CRM shows the deals that rep may see."""
    return Principal(email=mailbox, subject=mailbox, tenant="capture", org="capture")


class _Matcher:
    """Turns a page's items into counted rows on deals, asking the CRM once per unknown address per pass."""

    def __init__(self, crm: CrmPort, rep: Principal, parties: Parties):
        self.crm, self.rep, self.parties = crm, rep, parties
        self.deals_by_address: dict[str, tuple[str, ...]] = {}

    def rows(self, page: Page, mailbox: str) -> tuple[list[ItemRow], list[MeetingItem]]:
        """Counted rows of the page's emails and live meetings, and the meetings to drop."""
        mails = [m for m in page.mails if not self.parties.is_excluded(m.sender)]
        live = [m for m in page.meetings if not m.cancelled and m.key and m.start]
        people = {m: self.parties.external([m.sender, *m.recipients]) for m in mails}
        people.update({m: self.parties.external(m.attendees) for m in live})
        self._lookup({a for found in people.values() for a in found})
        rows = []
        for mail in mails:
            kind = self.parties.direction(mail.sender)
            for deal_id in deals_of(people[mail], self.deals_by_address):
                rows.append(ItemRow(deal_id, mail.key, kind, mail.at, mailbox))
        for meeting in live:
            for deal_id in deals_of(people[meeting], self.deals_by_address):
                rows.append(
                    ItemRow(deal_id, meeting.key, "meeting", meeting.start, f"{mailbox}:{meeting.ref}")
                )
        cancelled = [m for m in page.meetings if m.cancelled]
        return rows, cancelled

    def _lookup(self, addresses: set[str]) -> None:
        unknown = sorted(a for a in addresses if a not in self.deals_by_address)
        for i in range(0, len(unknown), MATCH_BATCH):
            batch = unknown[i : i + MATCH_BATCH]
            self.deals_by_address.update(dict.fromkeys(batch, ()))  # unknown people match nothing
            for match in self.crm.find_context(self.rep, batch):
                self.deals_by_address[match.contact.email.lower()] = tuple(d.id for d in match.deals)


def describe(result: PassResult) -> str:
    """One line for the CLI."""
    failed = f", failed mailboxes: {len(set(result.failed_mailboxes))}" if result.failed_mailboxes else ""
    written = f"deals written: {result.deals_written}, resyncs: {result.resyncs}"
    logged = f", emails logged: {result.emails_logged}" if result.emails_logged else ""
    return f"items added: {result.items_added}, {written}{logged}{failed}"
