"""The one port every CRM adapter implements, and the four errors adapters translate failures into."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from addin_api.domain import (
    CapturedActivity,
    Contact,
    ContactDeals,
    CrmOptions,
    Deal,
    DealChanges,
    EmailLog,
    FieldLimits,
    NewContact,
    NewDeal,
    Principal,
    Rating,
)


class CrmError(Exception):
    """Base of every CRM failure an adapter may raise."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class CrmAuthError(CrmError):
    """The CRM refused our credentials for this rep: they must (re)connect."""


class CrmNotFound(CrmError):
    """The record does not exist, or is deleted."""


class CrmRejected(CrmError):
    """A permanent refusal (validation rule, restricted picklist...): carries the CRM's own words."""


class CrmWrongAccount(CrmAuthError):
    """Someone other than the rep signed in to the CRM during the rep's connect flow: nothing is kept."""

    def __init__(self, signed_in: str, expected: str):
        super().__init__(f"You signed in as {signed_in or 'an unknown user'}; sign in as {expected}")
        self.signed_in, self.expected = signed_in, expected


class CrmUnavailable(CrmError):
    """A transient failure (timeout, 5xx, 429, row lock): the change is kept and retried later."""


class CrmConflict(CrmError):
    """A field the rep changes moved since the version they saw; `theirs` is the deal as it is now."""

    def __init__(self, theirs: Deal):
        super().__init__("the deal changed since you loaded it")
        self.theirs = theirs


class CrmConnector(Protocol):
    """An adapter's per-rep connection (OAuth code flow with PKCE); offered only where reps connect."""

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Where to send the rep's browser to consent."""

    def exchange_code(self, rep: Principal, code: str, redirect_uri: str, code_verifier: str) -> object:
        """Trade the callback's code for tokens and keep them (encrypted) for `rep`.

        CrmWrongAccount when the CRM says another user signed in; CrmError when it refuses.
        """

    def use_ticket(self, ticket_id: str, max_age: float) -> bool:
        """Record a connect link as opened; False if it was opened before (links are single-use)."""


class CrmPort(Protocol):
    """What the add-ins need from a CRM. Implementations: local, salesforce, hubspot.

    Every method acts as `rep`, so CRM permissions and field history name the real person.
    """

    name: str  # the ADDIN_CRM value; changes and ledger rows carry it
    display_name: str  # how reps and pages name the CRM
    limits: FieldLimits  # what the CRM accepts in the fields reps write
    connector: CrmConnector | None  # None: the administrator connects the CRM, reps connect nothing
    matches_by_account: bool  # find_context also returns the open deals of each contact's account

    def find_context(self, rep: Principal, emails: Sequence[str]) -> list[ContactDeals]:
        """Contacts with these addresses and their open deals, in one round trip where the CRM allows."""

    def get_deal(self, rep: Principal, deal_id: str) -> Deal:
        """One deal with its valid stages, activities and opaque version; CrmNotFound if absent."""

    def open_deals_of(self, rep: Principal) -> list[Deal]:
        """The rep's own open deals."""

    def update_deal(self, rep: Principal, deal_id: str, changes: DealChanges) -> Deal:
        """Apply stage/next step; CrmConflict if one the rep changes moved since `changes.version`.

        Two calls racing with one version never both apply a field the other also changes.
        """

    def log_email(self, rep: Principal, deal_id: str, email: EmailLog) -> str:
        """Log the email on the deal with its rating, idempotent by Message-ID; returns the CRM's id."""


@runtime_checkable
class PeopleWriter(Protocol):
    """A CRM that can take people not in it yet from the inbox: contacts, stakeholder roles, new deals."""

    def crm_options(self, rep: Principal) -> CrmOptions:
        """Stakeholder roles and the open stages a new deal may take, from the CRM's own picklists."""

    def add_contact(self, rep: Principal, person: NewContact) -> Contact:
        """The contact with this address, created (with an account found by domain or name) if none has it."""

    def add_stakeholder(self, rep: Principal, deal_id: str, person: NewContact, role: str) -> Deal:
        """Put the person (added as a contact if new) on the deal with `role`; a repeat only sets the role."""

    def create_deal(self, rep: Principal, new: NewDeal) -> Deal:
        """An open deal owned by the rep for the person's account, the person its primary stakeholder.

        Idempotent: the rep's open deal of the same name on that account is returned instead of a second one.
        """


@runtime_checkable
class ActivityCountsWriter(Protocol):
    """A CRM that keeps captured activity counts on its deals (metadata only)."""

    def write_activity_counts(self, rep: Principal, counts: Sequence[tuple[str, CapturedActivity]]) -> int:
        """Write these deals' counts (all changed since the last write); how many deals were sent."""


@runtime_checkable
class OpenDealOwners(Protocol):
    """A CRM that can list whose mailboxes hold its open deals' mail."""

    def open_deal_owners(self) -> list[str]:
        """Addresses of the owners of every open deal."""


@runtime_checkable
class PagedOpenDeals(Protocol):
    """A CRM that pages a rep's open deals itself (cost of a page independent of the rep's book)."""

    def open_deals_page(
        self, rep: Principal, limit: int, after: tuple[date, str] | None, stage: str | None
    ) -> list[Deal]:
        """Up to `limit` of the rep's open deals after `after` in (close date, id) order (no date: last)."""


@runtime_checkable
class RatesLoggedEmail(Protocol):
    """A CRM where re-rating an email it holds is one update of the record `log_email` returned."""

    def rate_logged(self, rep: Principal, deal_id: str, record_id: str, rating: Rating | None) -> None:
        """Set the rating of the logged email `record_id`; CrmNotFound if the CRM no longer has it."""


@runtime_checkable
class KeptInAppDatabase(Protocol):
    """A CRM whose records are rows of the app's own database: no one changes them but through it."""

    def kept_in_app_database(self) -> bool:
        """True when every change to this CRM's data is a committed write to the app's database."""


@dataclass(frozen=True)
class CheckedWrite:
    """The deal as read just before a write, in the write's own round trip, and what the write did.

    `after` is the deal after an update and `record_id` the logged (or re-rated) email; both empty mean
    the CRM held the write back: the caller judges `before` by its own rules and, if they allow the
    change, writes the ordinary way.
    """

    before: Deal
    after: Deal | None = None
    record_id: str = ""


@runtime_checkable
class OneTripWrites(Protocol):
    """A CRM that reads a deal and writes to it in one round trip.

    The CRM sends the write only if it can prove in that same trip that the rep owns the deal and that a
    new stage is one of the deal's: a sufficient condition for the domain's rules (Deal.editable_by, the
    deal's stages), never a substitute; the caller still judges `before` with them.
    """

    def update_deal_checked(self, rep: Principal, deal_id: str, changes: DealChanges) -> CheckedWrite:
        """As update_deal (CrmConflict with the deal as it was just before), with that deal returned."""

    def log_email_checked(
        self, rep: Principal, deal_id: str, email: EmailLog, record_id: str | None
    ) -> CheckedWrite:
        """As log_email, or with `record_id` (the CRM's id of the email, logged before) a re-rating."""
