"""The one port every CRM adapter implements, and the four errors adapters translate failures into."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from addin_api.domain import (
    Contact,
    ContactDeals,
    CrmOptions,
    Deal,
    DealChanges,
    EmailLog,
    NewContact,
    NewDeal,
    Principal,
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


class CrmUnavailable(CrmError):
    """A transient failure (timeout, 5xx, 429, row lock): the change is kept and retried later."""


class CrmConflict(CrmError):
    """A field the rep changes moved since the version they saw; `theirs` is the deal as it is now."""

    def __init__(self, theirs: Deal):
        super().__init__("the deal changed since you loaded it")
        self.theirs = theirs


class CrmPort(Protocol):
    """What the add-ins need from a CRM. Implementations: local, salesforce (hubspot later).

    Every method acts as `rep`, so CRM permissions and field history name the real person.
    """

    name: str

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
