"""HubSpotCrm: the CRM port over HubSpot's date-versioned CRM APIs, as each rep or with the account's token.

Docs: https://developers.hubspot.com/docs/api-reference (objects, associations, pipelines, owners).
HubSpot has no conditional update and no idempotent email create: see update_deal and emails.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

import requests

from addin_api import domain as d
from addin_api.config import SettingsError
from addin_api.crm.email_claims import EmailClaims
from addin_api.crm.hubspot import mapping as m
from addin_api.crm.hubspot import people
from addin_api.crm.hubspot.auth import AppToken, OAuthConnection
from addin_api.crm.hubspot.client import VERSION, HubSpotClient, RepApi
from addin_api.crm.hubspot.emails import EmailWriter
from addin_api.crm.hubspot.objects import OBJECTS, associations, read
from addin_api.crm.port import CrmConflict, CrmNotFound, CrmRejected
from addin_api.crm.shared_cache import SharedCache
from addin_api.crm.tokens import TokenStore

META_TTL_SECONDS = 3600.0
SEARCH_LIMIT = 200


class _Cached:
    """One value refreshed after `ttl` seconds (pipelines and owners change rarely but do change).

    In memory first, then in the shared cache under `key` (HubSpot's JSON, parsed on the way out).
    Not single flight across workers: loading can renew the rep's token, a write to the store.
    """

    def __init__(
        self,
        load: Callable[[RepApi], object],
        ttl: float,
        clock: Callable[[], float],
        key: str = "",
        shared: SharedCache | None = None,
        parse: Callable[[object], object] = lambda raw: raw,
    ):
        self.load, self.ttl, self.clock, self._lock = load, ttl, clock, threading.Lock()
        self.key, self.shared, self.parse = key, shared, parse
        self._value, self._expires = None, 0.0

    def get(self, api: RepApi):
        """The cached value, loaded again (as the rep asking) once expired."""
        with self._lock:
            if self._value is None or self._expires <= self.clock():
                raw, ttl = self._raw(api)
                self._value, self._expires = self.parse(raw), self.clock() + ttl
            return self._value

    def _raw(self, api: RepApi) -> tuple[object, float]:
        if self.shared is None:
            return self.load(api), self.ttl
        if (entry := self.shared.get(self.key)) is None:
            entry = self.shared.put(self.key, self.load(api), self.ttl)
        return entry.value, min(self.ttl, entry.seconds_left)


class HubSpotCrm:
    """Batch reads and associations for the sidebar; best-effort no-clobber writes; ledgered emails."""

    name = "hubspot"
    display_name = "HubSpot"
    # Single-line text properties hold up to 65,536 characters; hs_next_step's own cap is unconfirmed.
    limits = d.FieldLimits(next_step_max=65536)
    # find_context finds deals through the contact's own associations only (three calls per open), not
    # the open deals of the contact's company.
    matches_by_account = False

    def __init__(
        self,
        client: HubSpotClient,
        names: m.Names,
        claims: EmailClaims,
        portal: str,
        *,
        ttl: float = META_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedCache | None = None,
    ):
        self.client, self.names, self.portal = client, names, portal
        # Reps connect their own user only with an OAuth app; the account's token needs nothing from them.
        self.connector = client.credentials if isinstance(client.credentials, OAuthConnection) else None
        meta = {"ttl": ttl, "clock": clock, "shared": shared}
        self._pipelines = _Cached(_load_pipelines, key="pipelines", parse=_pipeline_stages, **meta)
        self._owners = _Cached(_load_owners, key="owners", parse=_owners, **meta)
        self._labels = _Cached(people.labels, key="labels", **meta)
        self._currency = _Cached(people.company_currency, key="currency", **meta)
        self._deal_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_lock = threading.Lock()
        self.emails = EmailWriter(names, claims, portal)

    @classmethod
    def from_settings(cls, settings, *, engine, http: requests.Session | None = None) -> HubSpotCrm:
        """Build from ADDIN_HUBSPOT_* settings on the app's pooled HTTP session and store engine."""
        try:
            case = json.loads(settings.hubspot_business_case_properties or "{}")
        except ValueError:
            raise SettingsError("ADDIN_HUBSPOT_BUSINESS_CASE_PROPERTIES: expected a JSON object") from None
        http = http or requests.Session()
        shared = SharedCache(engine, settings.secret_key, cls.name)
        client = HubSpotClient(
            http,
            settings.hubspot_api_url,
            credentials(settings, http, engine, shared),
            settings.crm_timeout_seconds,
            settings.hubspot_rate_limit_wait_seconds,
        )
        names = m.Names(
            settings.hubspot_rating_property,
            settings.hubspot_message_id_property,
            settings.hubspot_changed_by_property,
            case,
        )
        portal = settings.hubspot_portal_id or "default"
        return cls(client, names, EmailClaims(engine, cls.name), portal, shared=shared)

    # --- the port ----------------------------------------------------------------------

    def find_context(self, rep: d.Principal, emails: Sequence[str]) -> list[d.ContactDeals]:
        """Contacts by address (one batch read), their deals (associations, batch read), open ones only."""
        wanted = sorted({e.strip().lower() for e in emails if e and e.strip()})
        if not wanted:
            return []
        api = self.client.acting_as(rep)
        contacts = read(api, "contacts", wanted, m.CONTACT_PROPERTIES, id_property="email")
        links = associations(api, "contacts", "deals", [c["id"] for c in contacts])
        people: dict[str, list[tuple[d.Stakeholder, str]]] = defaultdict(list)
        for c in contacts:
            for deal_id, labels in links.get(c["id"], []):
                people[deal_id].append(_stakeholder(m.to_contact(c), labels))
        # Health from the deals' own activity roll-ups: no emails read, three calls per open.
        records = read(api, "deals", list(people), [*self._deal_properties(), *m.ROLLUP_PROPERTIES])
        deals = {x.id: x for x in self._deals(api, records, people, with_emails=False)}
        return [
            d.ContactDeals(
                m.to_contact(c),
                tuple(deals[i] for i, _ in links.get(c["id"], []) if i in deals and not deals[i].is_closed),
            )
            for c in contacts
        ]

    def get_deal(self, rep: d.Principal, deal_id: str) -> d.Deal:
        """One deal with its pipeline's stages, contacts by association label, logged emails and version."""
        if not str(deal_id).isdigit():  # HubSpot ids are numbers: anything else cannot exist
            raise CrmNotFound(f"no deal {deal_id}")
        return self._get_deal(self.client.acting_as(rep), deal_id)

    def _get_deal(self, api: RepApi, deal_id: str) -> d.Deal:
        records = read(api, "deals", [deal_id], self._deal_properties())
        if not records:
            raise CrmNotFound(f"no deal {deal_id}")
        links = associations(api, "deals", "contacts", [deal_id]).get(deal_id, [])
        contacts = {
            c["id"]: m.to_contact(c)
            for c in read(api, "contacts", [i for i, _ in links], m.CONTACT_PROPERTIES)
        }
        people = {deal_id: [_stakeholder(contacts[i], labels) for i, labels in links if i in contacts]}
        return self._deals(api, records, people)[0]

    def open_deals_of(self, rep: d.Principal) -> list[d.Deal]:
        """The open deals the rep owns (search: fine for reads, though it lags writes by seconds)."""
        api = self.client.acting_as(rep)
        owner = self._owner(api, rep)
        if owner is None:
            return []
        body = {
            "filterGroups": [
                {"filters": [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner.id}]}
            ],
            "properties": self._deal_properties(),
            "limit": SEARCH_LIMIT,
        }
        records = api.call("POST", f"{OBJECTS}/deals/search", body).get("results", [])
        return [x for x in self._deals(api, records, {}) if not x.is_closed]

    def update_deal(self, rep: d.Principal, deal_id: str, changes: d.DealChanges) -> d.Deal:
        """Re-read, compare what the rep saw with HubSpot's values now, then PATCH (no conditional update).

        One lock per deal in this process makes read-compare-PATCH atomic among its threads; between
        processes, or against edits in HubSpot itself, a window of one round trip remains.
        """
        if problems := self.limits.problems(changes.next_step):
            raise CrmRejected(problems["next_step"])
        if not str(deal_id).isdigit():
            raise CrmNotFound(f"no deal {deal_id}")
        api = self.client.acting_as(rep)
        with self._lock_for(deal_id):
            current = self._get_deal(api, deal_id)
            if d.conflicts_with(current, changes):
                raise CrmConflict(current)
            if changes.stage_id is not None and current.stage_by_id(changes.stage_id) is None:
                raise CrmRejected(f"'{changes.stage_id}' is not a stage of this deal's pipeline")
            props = {
                k: v
                for k, v in (("dealstage", changes.stage_id), ("hs_next_step", changes.next_step))
                if v is not None
            }
            if not props:
                return current
            props[self.names.changed_by] = rep.email  # who, also when the account's token writes as the app
            api.call("PATCH", f"{OBJECTS}/deals/{deal_id}", {"properties": props})
            return self._get_deal(api, deal_id)

    def log_email(self, rep: d.Principal, deal_id: str, email: d.EmailLog) -> str:
        """Log the email on the deal once per (deal, Message-ID); a repeat only updates the rating."""
        if not str(deal_id).isdigit():
            raise CrmNotFound(f"no deal {deal_id}")
        api = self.client.acting_as(rep)
        owner = self._owner(api, rep)
        return self.emails.log(api, deal_id, email, owner.id if owner else None)

    # --- PeopleWriter: people not in HubSpot yet ------------------------------------------

    def crm_options(self, rep: d.Principal) -> d.CrmOptions:
        """Deal–contact association labels as roles, and the open stages of the default pipeline."""
        api = self.client.acting_as(rep)
        pipelines = self._pipelines.get(api)
        stages = pipelines.get("default") or next(iter(pipelines.values()), ())
        roles = tuple(x for x in self._labels.get(api) if x != m.PRIMARY_LABEL)
        return d.CrmOptions(roles, tuple(s for s in stages if not s.is_closed), self._currency.get(api))

    def add_contact(self, rep: d.Principal, person: d.NewContact) -> d.Contact:
        """The contact with this address, created (with a company found by domain or name) if none has it."""
        return m.to_contact(people.ensure_contact(self.client.acting_as(rep), person))

    def add_stakeholder(self, rep: d.Principal, deal_id: str, person: d.NewContact, role: str) -> d.Deal:
        """Put the person (added as a contact if new) on the deal labelled `role`; a repeat relabels."""
        if not str(deal_id).isdigit():
            raise CrmNotFound(f"no deal {deal_id}")
        api = self.client.acting_as(rep)
        if not read(api, "deals", [deal_id], ["dealname"]):
            raise CrmNotFound(f"no deal {deal_id}")
        contact_id = str(people.ensure_contact(api, person)["id"])
        with self._lock_for(deal_id):
            people.set_role(api, deal_id, contact_id, role, self._labels.get(api))
        return self._get_deal(api, deal_id)

    def create_deal(self, rep: d.Principal, new: d.NewDeal) -> d.Deal:
        """The rep's open deal of this name among the person's deals, else a new one with them as primary."""
        api = self.client.acting_as(rep)
        pipelines = self._pipelines.get(api)
        pipeline = next((p for p, st in pipelines.items() if any(s.id == new.stage_id for s in st)), None)
        if pipeline is None or next(s for s in pipelines[pipeline] if s.id == new.stage_id).is_closed:
            raise CrmRejected(f"'{new.stage_id}' is not an open stage of a HubSpot deal pipeline")
        owner = self._owner(api, rep)
        if owner is None:
            raise CrmRejected("You are not a HubSpot owner (users are matched by email): ask your admin.")
        contact_id = str(people.ensure_contact(api, new.contact)["id"])
        closed = {s.id for st in pipelines.values() for s in st if s.is_closed}
        name = new.name.strip()
        deal_id = people.find_open_deal(api, contact_id, name, owner.id, closed) or people.create_deal(
            api, new, pipeline, owner.id, contact_id, self._labels.get(api)
        )
        return self._get_deal(api, deal_id)

    def owner_of(self, rep: d.Principal) -> m.Owner | None:
        """The HubSpot owner with the rep's address (reps map to owners by email)."""
        return self._owner(self.client.acting_as(rep), rep)

    def _owner(self, api: RepApi, rep: d.Principal) -> m.Owner | None:
        return next((o for o in self._owners.get(api).values() if o.email == rep.email.lower()), None)

    # --- helpers -------------------------------------------------------------------------

    def _deal_properties(self) -> list[str]:
        return [*m.DEAL_PROPERTIES, self.names.changed_by, *self.names.business_case.values()]

    def _deals(
        self,
        api: RepApi,
        records: list[dict],
        people: dict[str, list[tuple[d.Stakeholder, str]]],
        *,
        with_emails: bool = True,
    ) -> list[d.Deal]:
        """Domain deals; `with_emails` reads their logged emails, else health comes from the roll-ups."""
        activities = self._activities(api, [r["id"] for r in records]) if with_emails else None
        pipelines, owners = self._pipelines.get(api), self._owners.get(api)
        return [
            _to_deal(
                r,
                pipelines,
                owners,
                people.get(r["id"], []),
                None if activities is None else activities.get(r["id"], []),
                self.names,
            )
            for r in records
        ]

    def _activities(self, api: RepApi, deal_ids: list[str]) -> dict[str, list[d.EmailActivity]]:
        """Each deal's logged emails, newest first: one associations call and one batch read."""
        links = associations(api, "deals", "emails", deal_ids)
        ids = sorted({i for targets in links.values() for i, _ in targets})
        props = [*m.EMAIL_PROPERTIES, self.names.rating, self.names.message_id]
        emails = {r["id"]: m.to_activity(r, self.names) for r in read(api, "emails", ids, props)}
        return {
            deal_id: sorted(
                (emails[i] for i, _ in targets if emails.get(i)), key=lambda a: a.sent_at, reverse=True
            )
            for deal_id, targets in links.items()
        }

    def _lock_for(self, deal_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._deal_locks[deal_id]


def _load_pipelines(api: RepApi) -> list[dict]:
    """The account's deal pipelines as HubSpot sends them (archived ones left out)."""
    body = api.call("GET", f"/crm/pipelines/{VERSION}/deals")
    return [p for p in body.get("results", []) if not p.get("archived")]


def _pipeline_stages(pipelines: list[dict]) -> dict[str, tuple[d.Stage, ...]]:
    return {p["id"]: m.pipeline_stages(p) for p in pipelines}


def _load_owners(api: RepApi) -> list[dict]:
    """Every owner of the account (all pages), as HubSpot sends them."""
    owners, after = [], None
    while True:
        body = api.call("GET", f"/crm/owners/{VERSION}", params={"limit": 500, "after": after})
        owners.extend(body.get("results", []))
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return owners


def _owners(raw: list[dict]) -> dict[str, m.Owner]:
    out = {}
    for o in raw:
        name = " ".join(x for x in (o.get("firstName"), o.get("lastName")) if x)
        out[str(o["id"])] = m.Owner(
            str(o["id"]), str(o.get("userId") or ""), (o.get("email") or "").lower(), name
        )
    return out


def credentials(
    settings, http: requests.Session, engine, shared: SharedCache | None = None
) -> OAuthConnection | AppToken:
    """Each rep's own connection when an OAuth app is configured, else the account's app token."""
    if settings.hubspot_client_id and settings.hubspot_client_secret:
        try:
            store = TokenStore(engine, settings.secret_key, "hubspot")
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        return OAuthConnection(http, settings, store, shared=shared)
    if not settings.hubspot_access_token:
        raise SettingsError(
            "ADDIN_HUBSPOT_ACCESS_TOKEN (or ADDIN_HUBSPOT_CLIENT_ID and ADDIN_HUBSPOT_CLIENT_SECRET) "
            "is required for the HubSpot CRM"
        )
    return AppToken(settings.hubspot_access_token)


def _stakeholder(contact: d.Contact, labels: list[str]) -> tuple[d.Stakeholder, str]:
    """The contact's role on the deal (its association label) and the contact's company name."""
    roles = [x for x in labels if x != m.PRIMARY_LABEL]
    role = roles[0] if roles else ""
    person = d.Stakeholder(contact.id, contact.name, contact.email, role, m.PRIMARY_LABEL in labels)
    return person, contact.account_name


def _to_deal(raw, pipelines, owners, people, activities, names: m.Names) -> d.Deal:
    p = raw.get("properties") or {}
    stages = pipelines.get(p.get("pipeline") or "", ())
    stage = next((s for s in stages if s.id == p.get("dealstage")), None) or d.Stage(
        p.get("dealstage") or "", p.get("dealstage") or ""
    )
    owner = owners.get(p.get("hubspot_owner_id") or "")
    team = [owners[i].email for i in (p.get("hs_all_collaborator_owner_ids") or "").split(";") if i in owners]
    editor = next(
        (o for o in owners.values() if o.user_id and o.user_id == p.get("hs_updated_by_user_id")), None
    )
    amount, close = m.amount_of(p), m.parse_date(p.get("closedate"))
    # The account name is the primary contact's company (a contact property), saving a companies read.
    account = next((c for s, c in people if s.is_primary), people[0][1] if people else "")
    return d.Deal(
        id=raw["id"],
        name=p.get("dealname") or "",
        account_name=account,
        stage=stage,
        stages=stages,
        amount=amount,
        currency=p.get("deal_currency_code") or "",
        close_date=close,
        next_step=p.get("hs_next_step") or "",
        owner_email=owner.email if owner else "",
        owner_name=owner.name if owner else "",
        probability=stage.probability,
        version=d.make_version(
            p.get("hs_lastmodifieddate") or "", stage.id, p.get("hs_next_step") or "", amount, close
        ),
        stakeholders=tuple(s for s, _ in people),
        team_emails=tuple(team),
        business_case=d.BusinessCase(**{k: p.get(v) for k, v in names.business_case.items()}),
        activities=tuple(activities or ()),
        stats=m.rollup_stats(p) if activities is None else m.stats_of(activities),
        changed_by=editor.email if editor else p.get(names.changed_by) or None,
        changed_at=m.parse_time(p.get("hs_lastmodifieddate")),
    )
