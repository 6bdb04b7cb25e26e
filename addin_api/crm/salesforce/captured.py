"""Captured activity counts on the Opportunity fields named by a setting, sent with sObject Collections.

Docs: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from addin_api import domain as d
from addin_api.crm.port import CrmUnavailable
from addin_api.crm.salesforce import mapping as m
from addin_api.crm.salesforce.client import SalesforceClient, SfSession
from addin_api.crm.salesforce.queries import check_api_name

log = logging.getLogger(__name__)
SETTING = "ADDIN_CAPTURE_SALESFORCE_FIELDS"
KEYS = ("inbound", "outbound", "last_inbound", "last_outbound", "meetings_held", "next_meeting")
BATCH = 200  # records per sObject Collections call


def capture_fields(raw: str) -> dict[str, str]:
    """The setting as {count name: Opportunity field API name}; ValueError naming the setting if malformed."""
    try:
        mapping = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ValueError(f"{SETTING}: not valid JSON") from None
    if not isinstance(mapping, dict) or not set(mapping) <= set(KEYS):
        raise ValueError(f"{SETTING}: expected a JSON object with keys among {list(KEYS)}")
    return {name: check_api_name(api, SETTING) for name, api in mapping.items()}


def write_counts(
    client: SalesforceClient,
    s: SfSession,
    fields: dict[str, str],
    counts: Sequence[tuple[str, d.CapturedActivity]],
) -> int:
    """PATCH the mapped fields of these opportunities, 200 per call; CrmUnavailable if any record failed."""
    records = [_record(deal_id, a, fields) for deal_id, a in counts]
    failed = 0
    for i in range(0, len(records), BATCH):
        results = client.api(
            s, "PATCH", "/composite/sobjects", json={"allOrNone": False, "records": records[i : i + BATCH]}
        )
        failed += sum(1 for r in results or [] if not r.get("success"))
    if failed:
        # the counts are sent again next pass; the CRM's words may name records, so only the number is logged
        log.warning("Salesforce refused captured counts on %d opportunities", failed)
        raise CrmUnavailable(f"{failed} opportunities refused the captured counts")
    return len(records)


def _record(deal_id: str, a: d.CapturedActivity, fields: dict[str, str]) -> dict:
    values = {
        "inbound": a.inbound_count,
        "outbound": a.outbound_count,
        "last_inbound": _when(a.last_inbound),
        "last_outbound": _when(a.last_outbound),
        "meetings_held": a.meetings_held,
        "next_meeting": _when(a.next_meeting),
    }
    return {
        "attributes": {"type": "Opportunity"},
        "id": m.id18(deal_id),
        **{api: values[name] for name, api in fields.items()},
    }


def _when(value) -> str | None:
    return m.format_sf_datetime(value) if value else None
