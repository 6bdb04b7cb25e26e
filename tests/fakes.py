"""Test doubles: an in-memory CRM for service tests and a fault-injecting wrapper for real adapters."""

from __future__ import annotations

import dataclasses
from collections import Counter

from addin_api import domain as d
from addin_api.crm.port import (
    CrmAuthError,
    CrmConflict,
    CrmNotFound,
    CrmRejected,
    CrmUnavailable,
    KeptInAppDatabase,
)


class FaultyCrm:
    """Wraps a real adapter; while `down` (or for `fail_next` calls) writes raise CrmUnavailable."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name
        self.display_name, self.limits, self.connector = inner.display_name, inner.limits, inner.connector
        self.down, self.reads_down, self.fail_next, self.reject_with = False, False, 0, None
        self.auth_expired = False  # every rep's CRM connection is gone: every call raises CrmAuthError
        self.expired_for: set[str] = set()  # these reps' connections are gone (by mailbox address)
        self.writes: list[tuple] = []  # successful writes, in the order the CRM received them

    def kept_in_app_database(self) -> bool:
        """Only while no fault is injected: a CRM that fails on its own is more than rows of our database."""
        faults = self.down or self.reads_down or self.fail_next or self.reject_with
        faults = faults or self.auth_expired or self.expired_for
        return not faults and isinstance(self.inner, KeptInAppDatabase) and self.inner.kept_in_app_database()

    def _write_gate(self, rep):
        if self.auth_expired or rep.email in self.expired_for:
            raise CrmAuthError("session expired")
        if self.reject_with:
            raise CrmRejected(self.reject_with)
        if self.down or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            raise CrmUnavailable("CRM timed out")

    def _read_gate(self, rep):
        if self.auth_expired or rep.email in self.expired_for:
            raise CrmAuthError("session expired")
        if self.reads_down:
            raise CrmUnavailable("CRM timed out")

    def find_context(self, rep, emails):
        self._read_gate(rep)
        return self.inner.find_context(rep, emails)

    def get_deal(self, rep, deal_id):
        self._read_gate(rep)
        return self.inner.get_deal(rep, deal_id)

    def open_deals_of(self, rep):
        self._read_gate(rep)
        return self.inner.open_deals_of(rep)

    def update_deal(self, rep, deal_id, changes):
        self._write_gate(rep)
        deal = self.inner.update_deal(rep, deal_id, changes)
        self.writes.append(("update_deal", deal_id, changes.as_dict()))
        return deal

    def log_email(self, rep, deal_id, email):
        self._write_gate(rep)
        result = self.inner.log_email(rep, deal_id, email)
        self.writes.append(("log_email", deal_id, email.message_id, email.rating))
        return result

    def crm_options(self, rep):
        self._read_gate(rep)
        return self.inner.crm_options(rep)

    def add_contact(self, rep, person):
        self._write_gate(rep)
        contact = self.inner.add_contact(rep, person)
        self.writes.append(("add_contact", person.email))
        return contact

    def add_stakeholder(self, rep, deal_id, person, role):
        self._write_gate(rep)
        deal = self.inner.add_stakeholder(rep, deal_id, person, role)
        self.writes.append(("add_stakeholder", deal_id, person.email, role))
        return deal

    def create_deal(self, rep, new):
        self._write_gate(rep)
        deal = self.inner.create_deal(rep, new)
        self.writes.append(("create_deal", new.name, new.contact.email))
        return deal


class FakeCrm:
    """A dict-backed CRM with the port's semantics, for service tests without a database."""

    name = "fake"
    display_name = "the fake CRM"
    limits = d.FieldLimits()
    connector = None

    def __init__(self, deals=(), contacts=()):
        self.deals = {deal.id: deal for deal in deals}
        self.contacts = list(contacts)  # (Contact, [deal ids])
        self.logged: dict[tuple[str, str], d.EmailLog] = {}
        self.calls: Counter = Counter()

    def find_context(self, rep, emails):
        self.calls["find_context"] += 1
        wanted = {e.lower() for e in emails}
        return [
            d.ContactDeals(c, tuple(self.deals[i] for i in ids if not self.deals[i].is_closed))
            for c, ids in self.contacts
            if c.email.lower() in wanted
        ]

    def get_deal(self, rep, deal_id):
        self.calls["get_deal"] += 1
        if deal_id not in self.deals:
            raise CrmNotFound(deal_id)
        return self.deals[deal_id]

    def open_deals_of(self, rep):
        return [x for x in self.deals.values() if x.editable_by(rep.email) and not x.is_closed]

    def update_deal(self, rep, deal_id, changes):
        self.calls["update_deal"] += 1
        deal = self.get_deal(rep, deal_id)
        if changes.version != deal.version:
            raise CrmConflict(deal)
        stage = deal.stage_by_id(changes.stage_id) if changes.stage_id else deal.stage
        if stage is None:
            raise CrmRejected("bad stage")
        new = dataclasses.replace(
            deal,
            stage=stage,
            version=str(int(deal.version) + 1),
            next_step=deal.next_step if changes.next_step is None else changes.next_step,
        )
        self.deals[deal_id] = new
        return new

    def log_email(self, rep, deal_id, email):
        self.calls["log_email"] += 1
        self.get_deal(rep, deal_id)
        self.logged[(deal_id, email.message_id)] = email
        return f"{deal_id}:{email.message_id}"


class WithoutPeople:
    """Wraps a real adapter, offering only CrmPort: a CRM that takes no people from the inbox."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name
        self.display_name, self.limits, self.connector = inner.display_name, inner.limits, inner.connector

    def find_context(self, rep, emails):
        return self.inner.find_context(rep, emails)

    def get_deal(self, rep, deal_id):
        return self.inner.get_deal(rep, deal_id)

    def open_deals_of(self, rep):
        return self.inner.open_deals_of(rep)

    def update_deal(self, rep, deal_id, changes):
        return self.inner.update_deal(rep, deal_id, changes)

    def log_email(self, rep, deal_id, email):
        return self.inner.log_email(rep, deal_id, email)
