"""One round trip per rep action: the deal's read and the write in the same /composite.

The write is sent only if a gate query in that composite finds the opportunity owned by the rep (and, for a
new stage, of a record type whose cached picklist has it): the write's URL or parent is a reference to the
gate's result, so an empty gate leaves nothing to write. Salesforce resolves `@{ref.field}` references in a
subrequest's URL and body from earlier results; a reference to nothing fails that subrequest.
Docs: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from addin_api import domain as d
from addin_api.crm.port import CheckedWrite, CrmConflict, CrmError, CrmUnavailable
from addin_api.crm.salesforce import emails
from addin_api.crm.salesforce import mapping as m
from addin_api.crm.salesforce.client import (
    DuplicateValue,
    SessionExpired,
    SfSession,
    SubResult,
    error_for,
    query_sub,
    raise_for_composite,
    sub,
)

if TYPE_CHECKING:
    from addin_api.crm.salesforce.adapter import SalesforceCrm

GATE = "@{gate.records[0].Id}"


def update(
    crm: SalesforceCrm,
    s: SfSession,
    mailbox: str,
    deal_id: str,
    changes: d.DealChanges,
    fields: dict,
    since: str,
) -> tuple[CheckedWrite, bool]:
    """Read, gated conditional PATCH and re-read in one /composite; (outcome, was the PATCH stale)."""
    org = crm.org(s)  # cold cache only: one call first, so the gate can name the valid record types
    if not s.user_id:
        return CheckedWrite(crm.deal_now(s, deal_id)), False
    record_types = crm.picklists.record_types_with(s, {st.id for st in org.stages}, changes.stage_id)
    gate = crm.queries.write_gate(deal_id, s.user_id, mailbox, record_types)
    patch = sub(
        "PATCH", f"/sobjects/Opportunity/{GATE}", "patch", fields, {"If-Unmodified-Since": m.http_date(since)}
    )
    read = crm.queries.opportunity(deal_id)
    (before, gated, patched, after), org = crm.read(
        s, [query_sub(read, "before"), query_sub(gate, "gate"), patch, query_sub(read, "deal")], check=False
    )
    raise_for_composite([before])
    deal = crm.only(s, org, before, deal_id)
    if not _records(gated):  # held back: not the rep's deal, or a stage we cannot vouch for
        return CheckedWrite(deal), False
    if patched.status >= 300 and patched.status != 412:
        raise error_for(patched.status, patched.body)
    raise_for_composite([after])
    return CheckedWrite(deal, crm.only(s, org, after, deal_id)), patched.status == 412


def overwrote(before: d.Deal, changes: d.DealChanges) -> bool:
    """True if the PATCH went through although a field the rep changes had moved since their version.

    If-Unmodified-Since has one-second resolution: a colleague's save in the same second as the rep's
    version passes it. The read just before the PATCH shows it.
    """
    if changes.applied_to(before):
        return False
    return d.conflicts_with(before, changes)


def restore(crm: SalesforceCrm, s: SfSession, deal_id: str, before: d.Deal, after: d.Deal, fields: dict):
    """Put back the colleague's values of the rep's fields, then answer with a conflict (never silent).

    If someone saved again meanwhile (the PATCH is stale) and the rep's values are still there, put back
    once more on the newer version; if they changed the rep's fields, theirs are the latest and stay.
    """
    theirs = {"StageName": before.stage.id, "NextStep": before.next_step or None}
    put_back = {k: theirs[k] for k in fields}
    now, stale = crm.patch(s, deal_id, put_back, m.decode_version(after.version)[0])
    if stale and _still_ours(now, after, fields):
        now, _ = crm.patch(s, deal_id, put_back, m.decode_version(now.version)[0])
    raise CrmConflict(now)


def _still_ours(now: d.Deal, ours: d.Deal, fields: dict) -> bool:
    same = {"StageName": now.stage.id == ours.stage.id, "NextStep": now.next_step == ours.next_step}
    return all(same[k] for k in fields)


def log(
    crm: SalesforceCrm, s: SfSession, mailbox: str, deal_id: str, email: d.EmailLog, record_id: str | None
) -> CheckedWrite:
    """Log (all-or-none) or re-rate the email on the rep's own opportunity, read in the same /composite."""
    org = crm.org(s)  # warm before an all-or-none composite: a rollback would leave nothing to cache
    if not s.user_id:
        return CheckedWrite(crm.deal_now(s, deal_id))
    mine = query_sub(crm.queries.owned_opportunity(deal_id, s.user_id, mailbox), "deal")
    if record_id and emails.RECORD_ID.match(record_id):
        subs = emails.rerate_subs(crm.queries, record_id, email.rating, "deal.records[0].Id")
        (deal, found, rated), org = crm.read(s, [mine, *subs], check=False)
        raise_for_composite([deal])
        if not _records(deal):
            return CheckedWrite(crm.deal_now(s, deal_id))
        before = crm.only(s, org, deal, deal_id)
        if not _records(found):  # not (or no longer) on this deal in Salesforce: the caller logs it again
            return CheckedWrite(before)
        raise_for_composite([rated])
        return CheckedWrite(before, record_id=record_id)
    full = m.id18(deal_id)
    subs = emails.log_subs(crm.queries, full, email, "@{deal.records[0].Id}", emails.MAX_RELATIONS - 1)
    results = crm.client.composite(s, [mine, *subs], all_or_none=True)
    try:
        raise_for_composite(results)
    except DuplicateValue as duplicate:  # logged before (e.g. by an older release): only its rating moves
        return CheckedWrite(crm.deal_now(s, deal_id), record_id=_rate(crm, s, full, email, duplicate))
    except (SessionExpired, CrmUnavailable):
        raise
    except CrmError:  # rolled back: not the rep's deal, or refused; the caller reads why and decides
        return CheckedWrite(crm.deal_now(s, deal_id))
    return CheckedWrite(crm.only(s, org, results[0], deal_id), record_id=results[1].body["id"])


def _rate(crm: SalesforceCrm, s: SfSession, deal_id: str, email: d.EmailLog, duplicate) -> str:
    return emails.rate_existing(crm.client, crm.queries, s, deal_id, email, duplicate)


def _records(result: SubResult) -> list[dict]:
    return (result.body or {}).get("records") or [] if isinstance(result.body, dict) else []
