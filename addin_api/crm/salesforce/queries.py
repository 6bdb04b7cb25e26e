"""The SOQL the adapter sends, built in one place so the stand-in and the docs can follow it.

Docs: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields

from addin_api.config import SettingsError
from addin_api.domain import BusinessCase

API_NAME = re.compile(
    r"^[A-Za-z][A-Za-z0-9_]*$"
)  # field names are interpolated into SOQL: allow nothing else
EMAILS_PER_DEAL = 100  # activity stats are computed over this many most recent emails
OPEN_DEALS_LIMIT = 50
EMAIL_RELATION = "Emails"  # Opportunity → EmailMessage (RelatedToId) child relationship [U: verify in an org]

OPP_FIELDS = (
    "Id",
    "Name",
    "StageName",
    "NextStep",
    "Amount",
    "CloseDate",
    "Probability",
    "IsClosed",
    "IsWon",
    "OwnerId",
    "Owner.Name",
    "Owner.Email",
    "AccountId",
    "Account.Name",
    "RecordTypeId",
    "LastModifiedDate",
    "LastModifiedBy.Name",  # who, for the conflict answer; a relationship field, so no extra call
)
ROLES = "(SELECT ContactId, Contact.Name, Contact.Email, Role, IsPrimary FROM OpportunityContactRoles)"
STAGES = (
    "SELECT ApiName, MasterLabel, IsActive, IsClosed, IsWon, SortOrder, DefaultProbability "
    "FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder"
)
ORGANIZATION = "SELECT DefaultCurrencyIsoCode FROM Organization"


def literal(value: str) -> str:
    """A quoted SOQL string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def in_list(values) -> str:
    """`('a', 'b')` for an IN clause."""
    return "(" + ", ".join(literal(v) for v in values) + ")"


def check_api_name(name: str, setting: str) -> str:
    """The name if it is a plain Salesforce API name; ValueError naming the setting otherwise."""
    if not isinstance(name, str) or not API_NAME.match(name):
        raise ValueError(f"{setting}: {name!r} is not a Salesforce field API name")
    return name


@dataclass(frozen=True)
class Queries:
    """SOQL for one org configuration (custom fields, email mode, currencies)."""

    rating_field: str
    key_field: str
    email_mode: str = "email_message"
    business_case_fields: dict = field(default_factory=dict)  # BusinessCase attribute → Opportunity field
    multi_currency: bool = False

    @classmethod
    def from_settings(cls, settings) -> Queries:
        """Validated from ADDIN_SALESFORCE_*; SettingsError names the variable at fault."""
        if settings.salesforce_email_mode not in {"email_message", "task"}:
            raise SettingsError("ADDIN_SALESFORCE_EMAIL_MODE must be `email_message` or `task`")
        try:
            return cls(
                check_api_name(settings.salesforce_rating_field, "ADDIN_SALESFORCE_RATING_FIELD"),
                check_api_name(settings.salesforce_message_key_field, "ADDIN_SALESFORCE_MESSAGE_KEY_FIELD"),
                settings.salesforce_email_mode,
                _business_case_fields(settings.salesforce_business_case_fields),
                # Not a Settings field yet: multi-currency orgs need ADDIN_SALESFORCE_MULTI_CURRENCY=1.
                settings.salesforce_multi_currency,
            )
        except ValueError as exc:
            raise SettingsError(str(exc)) from None

    def contacts(self, emails) -> str:
        """Contacts whose address is one of `emails` (lower-cased by the caller)."""
        return (
            "SELECT Id, Name, Email, Title, AccountId, Account.Name FROM Contact "
            f"WHERE Email IN {in_list(emails)}"
        )

    def opportunities_by_role(self, emails) -> str:
        """Open opportunities where one of `emails` has a contact role."""
        return self._opportunities(
            "IsClosed = false AND Id IN (SELECT OpportunityId FROM OpportunityContactRole "
            f"WHERE Contact.Email IN {in_list(emails)}) ORDER BY CloseDate ASC LIMIT {OPEN_DEALS_LIMIT}"
        )

    def opportunities_by_account(self, emails) -> str:
        """Open opportunities of the accounts where one of `emails` works."""
        # A separate query: SOQL refuses semi-joins under OR or inside parentheses.
        return self._opportunities(
            "IsClosed = false AND AccountId IN "
            f"(SELECT AccountId FROM Contact WHERE Email IN {in_list(emails)}) "
            f"ORDER BY CloseDate ASC LIMIT {OPEN_DEALS_LIMIT}"
        )

    def opportunity(self, opportunity_id: str) -> str:
        """One opportunity by id."""
        return self._opportunities(f"Id = {literal(opportunity_id)}")

    def owned_opportunity(self, opportunity_id: str, owner_id: str, mailbox: str) -> str:
        """One opportunity by id, only if `owner_id` owns it and the owner's email is `mailbox`."""
        return self._opportunities(_owned_by(opportunity_id, owner_id, mailbox))

    def write_gate(self, opportunity_id: str, owner_id: str, mailbox: str, record_types: tuple | None) -> str:
        """The opportunity's Id if owned as `owned_opportunity` says and, given `record_types`, of one.

        Owner and address both: our rule (Deal.editable_by) compares the owner's email with the rep's
        mailbox, which can differ from the connected user's (sandbox `.invalid` emails, aliases, a
        username map); the gate must never let through a write that rule refuses.
        """
        where = _owned_by(opportunity_id, owner_id, mailbox)
        if record_types is not None:
            named = [rt for rt in record_types if rt]
            either = (["RecordTypeId = null"] if None in record_types else []) + (
                [f"RecordTypeId IN {in_list(named)}"] if named else []
            )
            where += f" AND ({' OR '.join(either) or 'Id = null'})"
        return f"SELECT Id FROM Opportunity WHERE {where}"

    def owned_open_opportunities(self, user_id: str) -> str:
        """The open opportunities a user owns."""
        return self._opportunities(
            f"IsClosed = false AND OwnerId = {literal(user_id)} "
            f"ORDER BY CloseDate ASC LIMIT {OPEN_DEALS_LIMIT}"
        )

    def _opportunities(self, where: str) -> str:
        fields = list(OPP_FIELDS) + list(self.business_case_fields.values())
        if self.multi_currency:
            fields.append("CurrencyIsoCode")  # the field exists only in multi-currency orgs
        return f"SELECT {', '.join(fields)}, {ROLES}, {self._activities()} FROM Opportunity WHERE {where}"

    def _activities(self) -> str:
        if self.email_mode == "task":
            return (
                f"(SELECT Id, Subject, ActivityDate, Description, {self.rating_field} FROM Tasks "
                f"WHERE TaskSubtype = 'Email' AND {self.key_field} != null "
                f"ORDER BY ActivityDate DESC LIMIT {EMAILS_PER_DEAL})"
            )
        return (
            f"(SELECT Id, MessageIdentifier, Subject, Incoming, MessageDate, {self.rating_field} "
            f"FROM {EMAIL_RELATION} ORDER BY MessageDate DESC LIMIT {EMAILS_PER_DEAL})"
        )


def _business_case_fields(raw: str) -> dict[str, str]:
    setting = "ADDIN_SALESFORCE_BUSINESS_CASE_FIELDS"
    try:
        mapping = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ValueError(f"{setting}: not valid JSON") from None
    known = {f.name for f in fields(BusinessCase)}
    if not isinstance(mapping, dict) or not set(mapping) <= known:
        raise ValueError(f"{setting}: expected a JSON object with keys among {sorted(known)}")
    return {name: check_api_name(api, setting) for name, api in mapping.items()}


def _owned_by(opportunity_id: str, owner_id: str, mailbox: str) -> str:
    owner = f"OwnerId = {literal(owner_id)} AND Owner.Email = {literal(mailbox)}"
    return f"Id = {literal(opportunity_id)} AND {owner}"
