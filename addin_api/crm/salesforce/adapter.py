"""SalesforceCrm: the CRM port over the Salesforce REST API, acting as each rep.

Docs: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import requests

from addin_api import domain as d
from addin_api.config import SettingsError
from addin_api.crm.port import (
    CheckedWrite,
    CrmAuthError,
    CrmConflict,
    CrmNotFound,
    CrmRejected,
    CrmUnavailable,
)
from addin_api.crm.salesforce import captured, checked, emails, people
from addin_api.crm.salesforce import mapping as m
from addin_api.crm.salesforce.auth import WebServerAuth, build_auth
from addin_api.crm.salesforce.client import (
    SalesforceClient,
    SessionExpired,
    SfSession,
    SubResult,
    error_for,
    query_sub,
    raise_for_composite,
    sub,
)
from addin_api.crm.salesforce.picklists import MASTER_RECORD_TYPE, Picklists, TtlCache
from addin_api.crm.salesforce.queries import ORGANIZATION, STAGES, Queries
from addin_api.crm.shared_cache import SharedCache

T = TypeVar("T")
STAGE_TTL_SECONDS = 3600.0
OPPORTUNITY_ID = re.compile(r"^006[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")


@dataclass(frozen=True)
class _Org:
    stages: tuple[d.Stage, ...]
    currency: str


class SalesforceCrm:
    """Reads in one /composite per sidebar open; conditional writes; idempotent email logging."""

    name = "salesforce"
    display_name = "Salesforce"
    limits = d.FieldLimits(next_step_max=255)  # Opportunity.NextStep is string(255)
    matches_by_account = True  # find_context also returns the open deals of the contact's account

    def __init__(
        self,
        client: SalesforceClient,
        auth,
        queries: Queries,
        *,
        stage_ttl: float = STAGE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        capture_fields: dict[str, str] | None = None,
        shared: SharedCache | None = None,
    ):
        self.client, self.auth, self.queries, self.shared = client, auth, queries, shared
        # Only the web-server flow has reps connect their own account; JWT bearer needs nothing from them.
        self.connector = auth if isinstance(auth, WebServerAuth) else None
        self.capture_fields = capture_fields or {}  # captured count name → Opportunity field
        self._orgs = TtlCache(stage_ttl, clock)  # per instance_url
        self.picklists = Picklists(client, stage_ttl, clock, shared)

    @classmethod
    def from_settings(cls, settings, *, engine, http: requests.Session | None = None) -> SalesforceCrm:
        """Build from ADDIN_SALESFORCE_* settings on the app's pooled HTTP session and store engine."""
        client = SalesforceClient(http or requests.Session(), settings.crm_timeout_seconds)
        try:
            fields = captured.capture_fields(settings.capture_salesforce_fields)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        shared = SharedCache(engine, settings.secret_key, cls.name)
        return cls(
            client,
            build_auth(settings, client, engine, shared),
            Queries.from_settings(settings),
            capture_fields=fields,
            shared=shared,
        )

    def find_context(self, rep: d.Principal, emails: Sequence[str]) -> list[d.ContactDeals]:
        """Contacts by address with the open opportunities they have a role on or whose account they're at."""
        wanted = sorted({e.strip().lower() for e in emails if e and e.strip()})
        if not wanted:
            return []

        def run(s: SfSession) -> list[d.ContactDeals]:
            q = self.queries
            subs = [
                query_sub(q.contacts(wanted), "contacts"),
                query_sub(q.opportunities_by_role(wanted), "byRole"),
                query_sub(q.opportunities_by_account(wanted), "byAccount"),
            ]
            (contacts, by_role, by_account), org = self.read(s, subs)
            records = list({r["Id"]: r for r in _records(by_role) + _records(by_account)}.values())
            records.sort(key=lambda r: r.get("CloseDate") or "9999")
            deals = list(zip(records, self._deals(s, org, records), strict=True))
            return [
                d.ContactDeals(m.to_contact(c), tuple(deal for rec, deal in deals if _involves(rec, deal, c)))
                for c in _records(contacts)
            ]

        return self._call(rep, run)

    def get_deal(self, rep: d.Principal, deal_id: str) -> d.Deal:
        """One opportunity with its valid stages, contact roles, recent emails and version."""
        _check_id(deal_id)

        def run(s: SfSession) -> d.Deal:
            (opps,), org = self.read(s, [query_sub(self.queries.opportunity(deal_id), "deal")])
            return self.only(s, org, opps, deal_id)

        return self._call(rep, run)

    def open_deals_of(self, rep: d.Principal) -> list[d.Deal]:
        """The open opportunities the rep owns."""

        def run(s: SfSession) -> list[d.Deal]:
            if not s.user_id:
                raise CrmAuthError("Salesforce did not say who the rep is")
            (opps,), org = self.read(
                s, [query_sub(self.queries.owned_open_opportunities(s.user_id), "deals")]
            )
            return self._deals(s, org, _records(opps))

        return self._call(rep, run)

    def update_deal(self, rep: d.Principal, deal_id: str, changes: d.DealChanges) -> d.Deal:
        """Conditional PATCH; on 412 a real stage/next-step change conflicts, anything else retries once."""
        fields, since = self._fields(deal_id, changes)
        if not fields:
            return self.get_deal(rep, deal_id)
        deal, stale = self._call(rep, lambda s: self.patch(s, deal_id, fields, since))
        return self._unless_stale(rep, deal_id, changes, fields, deal, stale)

    def update_deal_checked(self, rep: d.Principal, deal_id: str, changes: d.DealChanges) -> CheckedWrite:
        """The deal read, the gated conditional PATCH and the re-read in one /composite (warm caches)."""
        _check_id(deal_id)
        fields = {}

        def run(s: SfSession) -> tuple[CheckedWrite, bool]:
            nonlocal fields
            try:  # inside the call: a rep who must reconnect hears that first, as after a read
                fields, since = self._fields(deal_id, changes)
            except CrmRejected:  # not a version of ours, say: held back, judged on the deal as it is
                return CheckedWrite(self.deal_now(s, deal_id)), False
            if not fields:
                return CheckedWrite(self.deal_now(s, deal_id)), False
            return checked.update(self, s, rep.email, deal_id, changes, fields, since)

        done, stale = self._call(rep, run)
        if done.after is None:
            return done
        if not stale and checked.overwrote(done.before, changes):
            self._call(rep, lambda s: checked.restore(self, s, deal_id, done.before, done.after, fields))
        after = self._unless_stale(rep, deal_id, changes, fields, done.after, stale)
        return CheckedWrite(done.before, after)

    def _fields(self, deal_id: str, changes: d.DealChanges) -> tuple[dict, str]:
        """The Opportunity fields to PATCH and the version's LastModifiedDate; refuses what cannot be sent."""
        _check_id(deal_id)
        if problems := self.limits.problems(changes.next_step):
            raise CrmRejected(problems["next_step"])
        try:
            last_modified, _ = m.decode_version(changes.version)
        except ValueError:
            raise CrmRejected("the deal version is not one Salesforce issued") from None
        pairs = (("StageName", changes.stage_id), ("NextStep", changes.next_step))
        return {k: v for k, v in pairs if v is not None}, last_modified

    def _unless_stale(
        self, rep: d.Principal, deal_id: str, changes: d.DealChanges, fields: dict, deal: d.Deal, stale: bool
    ) -> d.Deal:
        """After a 412: a conflict if a field the rep changes moved, else the PATCH again on the new stamp."""
        if not stale or changes.applied_to(deal):  # the latter: a retry after a lost response
            return deal
        if d.conflicts_with(deal, changes):  # only a field the rep is changing counts
            raise CrmConflict(deal)
        # Only fields the rep did not edit moved (a flow, another field): apply on the current timestamp.
        current, _ = m.decode_version(deal.version)
        deal, stale = self._call(rep, lambda s: self.patch(s, deal_id, fields, current))
        if stale:
            raise CrmUnavailable("the opportunity keeps changing; the change will be retried")
        return deal

    def log_email(self, rep: d.Principal, deal_id: str, email: d.EmailLog) -> str:
        """Log the email on the opportunity once per (opportunity, Message-ID); a repeat only re-rates it."""
        _check_id(deal_id)
        return self._call(rep, lambda s: emails.log_email(self.client, self.queries, s, deal_id, email))

    def rate_logged(self, rep: d.Principal, deal_id: str, record_id: str, rating: d.Rating | None) -> None:
        """Re-rate an email logged before, by the id log_email returned: one PATCH."""
        _check_id(deal_id)
        self._call(rep, lambda s: emails.rate(self.client, self.queries, s, record_id, rating))

    def log_email_checked(
        self, rep: d.Principal, deal_id: str, email: d.EmailLog, record_id: str | None
    ) -> CheckedWrite:
        """Log or re-rate on the rep's own opportunity, read in the same /composite."""
        _check_id(deal_id)
        return self._call(rep, lambda s: checked.log(self, s, rep.email, deal_id, email, record_id))

    def write_activity_counts(
        self, rep: d.Principal, counts: Sequence[tuple[str, d.CapturedActivity]]
    ) -> int:
        """Captured counts to the Opportunity fields set in ADDIN_CAPTURE_SALESFORCE_FIELDS (if any)."""
        if not self.capture_fields or not counts:
            return 0
        for deal_id, _ in counts:
            _check_id(deal_id)
        return self._call(rep, lambda s: captured.write_counts(self.client, s, self.capture_fields, counts))

    def crm_options(self, rep: d.Principal) -> d.CrmOptions:
        """OpportunityContactRole.Role values and the org's open stages (the master record type's)."""

        def run(s: SfSession) -> d.CrmOptions:
            org = self.org(s)
            return d.CrmOptions(
                people.roles(self.client, s), tuple(st for st in org.stages if not st.is_closed), org.currency
            )

        return self._call(rep, run)

    def add_contact(self, rep: d.Principal, person: d.NewContact) -> d.Contact:
        """The Contact with this address, created (Account found by Website domain or Name) if none has it."""
        return self._call(rep, lambda s: people.as_contact(people.ensure_contact(self.client, s, person)))

    def add_stakeholder(self, rep: d.Principal, deal_id: str, person: d.NewContact, role: str) -> d.Deal:
        """An OpportunityContactRole for the person (a Contact made if new); a repeat only sets the Role."""
        _check_id(deal_id)

        def run(s: SfSession) -> None:
            self._only_existing(s, deal_id)
            contact = people.ensure_contact(self.client, s, person)
            people.set_role(self.client, s, deal_id, contact["Id"], role)

        self._call(rep, run)
        return self.get_deal(rep, deal_id)

    def create_deal(self, rep: d.Principal, new: d.NewDeal) -> d.Deal:
        """The rep's open Opportunity of this name on the person's Account, else a new one with their role."""

        def run(s: SfSession) -> str:
            if not s.user_id:
                raise CrmAuthError("Salesforce did not say who the rep is")
            contact = people.ensure_contact(self.client, s, new.contact)
            stages = tuple(st for st in self.org(s).stages if not st.is_closed)
            return people.find_or_create_opportunity(self.client, s, new, contact, stages)

        return self.get_deal(rep, self._call(rep, run))

    def api_usage(self) -> dict | None:
        """The org's daily API usage from the last `Sforce-Limit-Info` seen, e.g. for a status page."""
        usage = self.client.api_usage
        if usage is None:
            return None
        used, limit = usage
        return {"used": used, "limit": limit, "percent": round(100.0 * used / limit, 1) if limit else None}

    # --- helpers -------------------------------------------------------------------------

    def _call(self, rep: d.Principal, fn: Callable[[SfSession], T]) -> T:
        """Run `fn` as the rep; an expired session is renewed and the call retried once.

        Renewal first takes a newer token another worker shared; if that one is refused too, this
        worker mints its own and tries a last time.
        """
        try:
            return fn(self.auth.session(rep))
        except SessionExpired:
            renewed = self.auth.session(rep, fresh=True)
        try:
            return fn(renewed)
        except SessionExpired:
            if not renewed.borrowed:
                raise
            return fn(self.auth.session(rep, fresh=True))

    def read(self, s: SfSession, subs: list[dict], check: bool = True) -> tuple[list[SubResult], _Org]:
        """One /composite with `subs` plus, on a cold cache, the org's stages; `check` raises on failures."""
        org = self._orgs.get(s.instance_url)
        extra = [] if org else [query_sub(STAGES, "stages"), query_sub(ORGANIZATION, "org")]
        results = self.client.composite(s, subs + extra)
        raise_for_composite(results if check else results[len(subs) :])
        if org is None:
            stages, org_rows = results[len(subs)], _records(results[len(subs) + 1])
            org = _Org(
                tuple(m.to_stage(r) for r in _records(stages)),
                org_rows[0].get("DefaultCurrencyIsoCode") or "" if org_rows else "",
            )
            self._orgs.put(s.instance_url, org)
        return results[: len(subs)], org

    def org(self, s: SfSession) -> _Org:
        """The org's stages and currency, from the cache or one /composite."""
        return self._orgs.get(s.instance_url) or self.read(s, [])[1]

    def deal_now(self, s: SfSession, deal_id: str) -> d.Deal:
        """The opportunity as it is now (one /composite); CrmNotFound if absent."""
        (opps,), org = self.read(s, [query_sub(self.queries.opportunity(deal_id), "deal")])
        return self.only(s, org, opps, deal_id)

    def _only_existing(self, s: SfSession, deal_id: str) -> None:
        (opps,), _ = self.read(s, [query_sub(f"SELECT Id FROM Opportunity WHERE Id = '{deal_id}'", "deal")])
        if not _records(opps):
            raise CrmNotFound(f"no opportunity {deal_id}")

    def _deals(self, s: SfSession, org: _Org, records: list[dict]) -> list[d.Deal]:
        allowed = self.picklists.allowed(s, {r.get("RecordTypeId") or MASTER_RECORD_TYPE for r in records})
        q = self.queries
        ctx = m.MapContext(s.instance_url, org.currency, q.rating_field, q.email_mode, q.business_case_fields)
        out = []
        for rec in records:
            names = allowed.get(rec.get("RecordTypeId") or MASTER_RECORD_TYPE)
            stages = tuple(st for st in org.stages if names is None or st.id in names)
            out.append(m.to_deal(rec, stages, ctx))
        return out

    def only(self, s: SfSession, org: _Org, result: SubResult, deal_id: str) -> d.Deal:
        records = _records(result)
        if not records:
            raise CrmNotFound(f"no opportunity {deal_id}")
        return self._deals(s, org, records)[0]

    def patch(self, s: SfSession, deal_id: str, fields: dict, last_modified: str) -> tuple[d.Deal, bool]:
        """Conditional PATCH and re-read in one /composite; returns (deal now, was the PATCH stale)."""
        patch = sub(
            "PATCH",
            f"/sobjects/Opportunity/{deal_id}",
            "patch",
            fields,
            {"If-Unmodified-Since": m.http_date(last_modified)},
        )
        (patched, reread), org = self.read(
            s, [patch, query_sub(self.queries.opportunity(deal_id), "deal")], check=False
        )
        if patched.status >= 300 and patched.status != 412:  # 412 here is the precondition (no allOrNone)
            raise error_for(patched.status, patched.body)
        raise_for_composite([reread])
        return self.only(s, org, reread, deal_id), patched.status == 412


def _check_id(deal_id: str) -> None:
    # Anything but an Opportunity id cannot exist; saying so locally saves a call and a MALFORMED_ID.
    if not OPPORTUNITY_ID.match(str(deal_id)):
        raise CrmNotFound(f"no opportunity {deal_id}")


def _records(result: SubResult) -> list[dict]:
    return (result.body or {}).get("records") or []


def _involves(rec: dict, deal: d.Deal, contact: dict) -> bool:
    same_account = bool(contact.get("AccountId")) and rec.get("AccountId") == contact["AccountId"]
    return same_account or any(s.contact_id == contact["Id"] for s in deal.stakeholders)
