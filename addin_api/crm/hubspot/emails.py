"""Logging an email on a HubSpot deal exactly once, although HubSpot has no idempotent create for emails.

Before the create we write our own record (crm_email_claims: portal, deal, hash of the Message-ID);
after it, the created id. A retry whose first answer was lost finds the record still pending: it
searches HubSpot for the email by its Message-ID property and the deal. Search lags writes by seconds,
so an email not found while the record is young is not created again: the change is retried later
(CrmUnavailable), and only a record older than CLAIM_STALE is taken over and created afresh.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from datetime import timedelta

from addin_api import domain as d
from addin_api.crm.email_claims import Claim, EmailClaims
from addin_api.crm.hubspot import mapping as m
from addin_api.crm.hubspot.client import VERSION, RepApi
from addin_api.crm.port import CrmUnavailable

EMAILS = f"/crm/objects/{VERSION}/emails"
CLAIM_STALE = timedelta(minutes=2)  # well past search lag and one request's timeouts
EMAIL_TO_DEAL, EMAIL_TO_CONTACT = 210, 198  # HUBSPOT_DEFINED association type ids


class EmailWriter:
    """Create-once, re-rate-in-place email logging for one portal."""

    def __init__(self, names: m.Names, claims: EmailClaims, portal: str):
        self.names, self.claims, self.portal = names, claims, portal
        self._locks: defaultdict[tuple, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def log(self, api: RepApi, deal_id: str, email: d.EmailLog, owner_id: str | None) -> str:
        """The HubSpot id of the deal's email with this Message-ID, created if need be; the rating set."""
        key = hashlib.sha256(email.message_id.encode()).hexdigest()
        with self._lock(deal_id, key):  # this process's threads queue; other workers meet the claim row
            claim = self.claims.claim(self.portal, deal_id, key)
            if claim.mine:
                return self._create(api, deal_id, key, email, owner_id)
            email_id = claim.email_id or self._find(api, deal_id, email.message_id)
            if email_id:
                if not claim.email_id:
                    self.claims.complete(self.portal, deal_id, key, email_id)
                self._rate(api, email_id, email.rating)
                return email_id
            return self._after_lost_answer(api, deal_id, key, claim, email, owner_id)

    def _after_lost_answer(
        self, api: RepApi, deal_id: str, key: str, claim: Claim, email: d.EmailLog, owner_id
    ) -> str:
        if not EmailClaims.is_stale(claim, CLAIM_STALE):
            raise CrmUnavailable("HubSpot has not confirmed the email yet; it is checked again shortly")
        if self.claims.take_over(self.portal, deal_id, key, claim) is None:
            raise CrmUnavailable("the email is being logged by another request; it is checked again shortly")
        return self._create(api, deal_id, key, email, owner_id)

    def _create(self, api: RepApi, deal_id: str, key: str, email: d.EmailLog, owner_id: str | None) -> str:
        associations = [_to(deal_id, EMAIL_TO_DEAL)] + [
            _to(c, EMAIL_TO_CONTACT) for c in self._contacts(api, email)
        ]
        body = {"properties": self._properties(email, owner_id), "associations": associations}
        created = api.call("POST", EMAILS, body)  # an exception here leaves the claim pending
        self.claims.complete(self.portal, deal_id, key, str(created["id"]))
        return str(created["id"])

    def _properties(self, email: d.EmailLog, owner_id: str | None) -> dict:
        headers = {
            "from": {"email": email.from_address},
            "to": [{"email": a} for a in email.to],
            "cc": [{"email": a} for a in email.cc],
        }
        props = {
            "hs_timestamp": email.sent_at.isoformat().replace("+00:00", "Z"),
            "hs_email_direction": m.INBOUND if email.direction == d.Direction.INBOUND else "EMAIL",
            "hs_email_status": "SENT",
            "hs_email_subject": email.subject,
            "hs_email_text": email.body,
            "hs_email_headers": json.dumps(headers),
            self.names.message_id: email.message_id,
            self.names.rating: email.rating.value if email.rating else "",
        }
        if owner_id:
            props["hubspot_owner_id"] = owner_id
        return props

    def _contacts(self, api: RepApi, email: d.EmailLog) -> list[str]:
        """HubSpot ids of the participants who are contacts (one batch read by email)."""
        addresses = sorted({a.lower() for a in (email.from_address, *email.to, *email.cc) if a})
        body = {"idProperty": "email", "inputs": [{"id": a} for a in addresses], "properties": ["email"]}
        return [
            r["id"]
            for r in api.call("POST", f"/crm/objects/{VERSION}/contacts/batch/read", body).get("results", [])
        ]

    def _find(self, api: RepApi, deal_id: str, message_id: str) -> str | None:
        filters = [
            {"propertyName": self.names.message_id, "operator": "EQ", "value": message_id},
            {"propertyName": "associations.deal", "operator": "EQ", "value": deal_id},
        ]
        body = {"filterGroups": [{"filters": filters}], "properties": [self.names.message_id], "limit": 1}
        results = api.call("POST", f"{EMAILS}/search", body).get("results", [])
        return str(results[0]["id"]) if results else None

    def _rate(self, api: RepApi, email_id: str, rating: d.Rating | None) -> None:
        value = rating.value if rating else ""
        api.call("PATCH", f"{EMAILS}/{email_id}", {"properties": {self.names.rating: value}})

    def _lock(self, deal_id: str, key: str) -> threading.Lock:
        with self._guard:
            return self._locks[(deal_id, key)]


def _to(object_id: str, type_id: int) -> dict:
    return {
        "to": {"id": object_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }
