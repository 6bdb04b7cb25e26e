"""LocalCrm: the CRM port over the embedded CRM's SQL tables."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from addin_api import domain as d
from addin_api.crm.local import captured, page_query, people, reads
from addin_api.crm.local import models as m
from addin_api.crm.local.pages import deal_link
from addin_api.crm.port import CrmConflict, CrmNotFound, CrmRejected, CrmUnavailable

UPDATE_TRIES = 3  # each lost race means another write landed; a deal rarely changes that fast
STAGES_TTL_SECONDS = 60.0  # a pipeline's stages are configuration: re-read at most once a minute
LINK_REUSE_SECONDS = 60.0  # a deep link (valid an hour) is re-signed at most once a minute per deal
LINKS_KEPT = 10_000
_DEAL_LOAD = (  # writes: the pipeline's stages as they are now, validated under the row lock
    selectinload(m.Deal.roles).selectinload(m.DealContact.contact),
    selectinload(m.Deal.team),
    selectinload(m.Deal.pipeline).selectinload(m.Pipeline.stages),
    selectinload(m.Deal.stage),
    selectinload(m.Deal.account),
)


class LocalCrm:
    """The embedded CRM; every method is one short transaction."""

    name = "local"
    display_name = "the embedded CRM"
    limits = d.FieldLimits(next_step_max=255)  # the next_step column's length
    matches_by_account = True  # find_context also returns the open deals of the contact's account
    connector = None  # nothing for a rep to connect

    def __init__(self, engine: Engine, base_url: str = "", link_secret: str = ""):
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.link_secret = link_secret
        self._stages: dict[int, tuple[float, tuple[d.Stage, ...]]] = {}  # pipeline id → (read at, stages)
        self._links: dict[int, tuple[float, str]] = {}  # deal id → (signed at, link)
        self._mapper = reads.DealMapper(self._stages_of, self._link)

    @classmethod
    def from_settings(cls, settings, *, engine: Engine, http=None) -> LocalCrm:
        """Build on the app's engine (its tables come from `addin-api db upgrade`)."""
        return cls(engine, settings.public_base_url, settings.secret_key)

    def kept_in_app_database(self) -> bool:
        """Its tables are the app's (the app database's data stamp covers them)."""
        return True

    def find_context(self, rep: d.Principal, emails: Sequence[str]) -> list[d.ContactDeals]:
        """Contacts by address and the open deals they are a stakeholder on or whose account they work at."""
        wanted = sorted({e.strip().lower() for e in emails if e.strip()})
        if not wanted:
            return []
        with self._reading() as conn:
            contacts = conn.execute(reads.CONTACTS, {"emails": wanted}).all()
            if not contacts:
                return []
            pairs = conn.execute(reads.CONTACT_DEALS, {"contact_ids": [c.id for c in contacts]}).all()
            ids = list(dict.fromkeys(deal_id for _, deal_id in pairs))
            rows = conn.execute(reads.DEALS_BY_IDS, {"ids": ids}).all() if ids else []
            by_id = {int(deal.id): deal for deal in self._mapper.deals(conn, rows)}
        on = {}
        for contact_id, deal_id in pairs:
            on.setdefault(contact_id, []).append(by_id[deal_id])
        return [
            d.ContactDeals(d.Contact(str(cid), email, name, title, account), tuple(on.get(cid, ())))
            for cid, email, name, title, account in contacts
        ]

    def get_deal(self, rep: d.Principal, deal_id: str) -> d.Deal:
        """One deal with stages, stakeholders, recent activities and stats."""
        with self._reading() as conn:
            row = conn.execute(reads.BY_ID, {"id": _deal_id(deal_id)}).first()
            if row is None:
                raise CrmNotFound(f"no deal {deal_id}")
            return self._mapper.deals(conn, [row])[0]

    def open_deals_of(self, rep: d.Principal) -> list[d.Deal]:
        """Open deals the rep owns or is on the team of."""
        with self._reading() as conn:
            rows = conn.execute(reads.OPEN_OF, {"email": rep.email.lower()}).all()
            return self._mapper.deals(conn, rows)

    def open_deals_page(
        self, rep: d.Principal, limit: int, after: tuple[date, str] | None, stage: str | None
    ) -> list[d.Deal]:
        """A page of the rep's open deals in (close date, id) order: one indexed query, `limit` mapped."""
        if after is not None:
            if not (after[1].isascii() and after[1].isdigit()):
                raise CrmRejected("the page cursor is not one of the embedded CRM")
            after = after[0], int(after[1])
        params = page_query.page_params(rep.email.lower(), limit, stage, after)
        with self._reading() as conn:
            rows = conn.execute(page_query.PAGES[stage is not None, after is not None], params).all()
            return self._mapper.deals(conn, rows)

    def update_deal(self, rep: d.Principal, deal_id: str, changes: d.DealChanges) -> d.Deal:
        """Apply stage/next step unless a field the rep changes moved since the version they saw."""
        for _ in range(UPDATE_TRIES):
            try:
                return self._update_once(rep, deal_id, changes)
            except StaleDataError:
                # Another writer changed the deal between our read and our conditional UPDATE: judge the
                # change again against the deal as that writer left it.
                continue
        raise CrmUnavailable("the deal keeps changing; the change will be retried")

    def log_email(self, rep: d.Principal, deal_id: str, email: d.EmailLog) -> str:
        """Insert the email once per (deal, Message-ID); a repeat only updates the rating."""
        try:
            return self._log_email_once(deal_id, email)
        except CrmRejected as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            # Most likely a simultaneous log of the same message won the insert: its row exists now, and
            # this second pass updates it. Any other integrity failure fails again and is refused.
            return self._log_email_once(deal_id, email)

    def crm_options(self, rep: d.Principal) -> d.CrmOptions:
        """The embedded CRM's roles and the open stages of its default pipeline."""
        with self._session() as s:
            return people.options(s)

    def add_contact(self, rep: d.Principal, person: d.NewContact) -> d.Contact:
        """The contact with this address, created (with its account, found by domain) if none has it."""
        return self._retry_race(lambda s: self._contact(people.ensure_contact(s, person)))

    def add_stakeholder(self, rep: d.Principal, deal_id: str, person: d.NewContact, role: str) -> d.Deal:
        """Put the person on the deal with `role` (added as a contact if new); a repeat only sets the role."""

        def run(s: Session) -> d.Deal:
            deal = self._load(s, deal_id)
            people.set_role(s, deal, people.ensure_contact(s, person), role)
            return self._mapped(s, deal.id)

        return self._retry_race(run)

    def create_deal(self, rep: d.Principal, new: d.NewDeal) -> d.Deal:
        """The rep's open deal of this name on the person's account, else a new one with them on it."""

        def run(s: Session) -> d.Deal:
            deal = people.find_or_add_deal(s, rep, new, people.ensure_contact(s, new.contact))
            return self._mapped(s, deal.id)

        return self._retry_race(run)

    def _retry_race(self, fn):
        """Run `fn` in a transaction; once more if a simultaneous insert of the same record won."""
        for attempt in (1, 2):
            try:
                with self._session() as s, s.begin():
                    return fn(s)
            except CrmRejected as exc:
                if attempt == 2 or not isinstance(exc.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")

    def _update_once(self, rep: d.Principal, deal_id: str, changes: d.DealChanges) -> d.Deal:
        with self._session() as s, s.begin():
            deal = self._load(s, deal_id, lock=True)
            current = self._mapped(s, deal.id)
            if d.conflicts_with(current, changes):
                raise CrmConflict(current)
            if changes.stage_id is not None:
                stage = next((st for st in deal.pipeline.stages if st.key == changes.stage_id), None)
                if stage is None:
                    raise CrmRejected(
                        f"'{changes.stage_id}' is not a stage of the {deal.pipeline.name} pipeline"
                    )
                deal.stage, deal.probability = stage, stage.probability
            if changes.next_step is not None:
                if problems := self.limits.problems(changes.next_step):
                    raise CrmRejected(problems["next_step"])
                deal.next_step = changes.next_step
            deal.updated_at, deal.updated_by = d.utcnow(), (rep.name or rep.email)[:320]
            s.flush()  # UPDATE ... WHERE revision = <read>: StaleDataError if another writer got there first
            return self._mapped(s, deal.id)

    def _log_email_once(self, deal_id: str, email: d.EmailLog) -> str:
        with self._session() as s, s.begin():
            deal = self._load(s, deal_id)
            activity = s.scalar(
                select(m.Activity).where(
                    m.Activity.deal_id == deal.id, m.Activity.message_id == email.message_id
                )
            )
            if activity is None:
                activity = m.Activity(
                    deal_id=deal.id,
                    message_id=email.message_id,
                    subject=email.subject,
                    from_address=email.from_address.lower(),
                    to=list(email.to),
                    cc=list(email.cc),
                    sent_at=email.sent_at,
                    direction=email.direction.value,
                    body=email.body,
                )
                s.add(activity)
            elif email.body and not activity.body:
                activity.body = email.body
            activity.rating = email.rating.value if email.rating else None
            s.flush()
            return str(activity.id)

    def write_activity_counts(
        self, rep: d.Principal, counts: Sequence[tuple[str, d.CapturedActivity]]
    ) -> int:
        """Keep activity capture's counts on the deals (counts and dates only)."""
        with self._session() as s, s.begin():
            return captured.write_counts(s, counts)

    def open_deal_owners(self) -> list[str]:
        """Addresses of the owners of every open deal (the mailboxes capture reads by default)."""
        with self._session() as s:
            return captured.open_deal_owners(s)

    # --- helpers -------------------------------------------------------------------------

    def _session(self) -> Session:
        return _GuardedSession(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for reads whose database failures surface as the port's CrmUnavailable."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:  # locked or unreachable database: transient
            raise CrmUnavailable("the embedded CRM database is busy or unreachable") from exc

    def _mapped(self, s: Session, deal_id: int) -> d.Deal:
        """The deal as it stands in this session's transaction (pending changes flushed first)."""
        s.flush()
        conn = s.connection()
        try:
            return self._mapper.deals(conn, conn.execute(reads.BY_ID, {"id": deal_id}).all())[0]
        except OperationalError as exc:
            raise CrmUnavailable("the embedded CRM database is busy or unreachable") from exc

    def _load(self, s: Session, deal_id: str, lock: bool = False) -> m.Deal:
        query = select(m.Deal).where(m.Deal.id == _deal_id(deal_id))
        deal = s.scalar(query.options(*_DEAL_LOAD).with_for_update() if lock else query)
        if deal is None:
            raise CrmNotFound(f"no deal {deal_id}")
        return deal

    def _stages_of(self, conn: Connection, pipeline_id: int) -> tuple[d.Stage, ...]:
        """The pipeline's stages in order, read once per STAGES_TTL_SECONDS (the same tuple in between)."""
        now = time.monotonic()
        cached = self._stages.get(pipeline_id)
        if cached is None or now - cached[0] >= STAGES_TTL_SECONDS:
            rows = conn.execute(reads.STAGES, {"pipeline_id": pipeline_id})
            cached = self._stages[pipeline_id] = (now, tuple(reads.stage_of(row) for row in rows))
        return cached[1]

    def _link(self, deal_id: int) -> str:
        """The deal's signed deep link, reused for LINK_REUSE_SECONDS (it stays valid far longer)."""
        now = time.monotonic()
        signed = self._links.get(deal_id)
        if signed is None or now - signed[0] >= LINK_REUSE_SECONDS:
            if len(self._links) >= LINKS_KEPT:
                self._links.clear()
            signed = self._links[deal_id] = (now, deal_link(self.base_url, self.link_secret, deal_id))
        return signed[1]

    @staticmethod
    def _contact(c: m.Contact) -> d.Contact:
        return d.Contact(str(c.id), c.email, c.name, c.title, c.account.name)


class _GuardedSession(Session):
    """A session whose database failures surface as the port's errors instead of SQLAlchemy's."""

    def execute(self, *args, **kwargs):
        try:
            return super().execute(*args, **kwargs)
        except OperationalError as exc:  # locked or unreachable database: transient
            raise CrmUnavailable("the embedded CRM database is busy or unreachable") from exc

    def flush(self, *args, **kwargs):
        try:
            return super().flush(*args, **kwargs)
        except (IntegrityError, DataError) as exc:  # DataError: a value PostgreSQL cannot store (NUL, range)
            raise CrmRejected("the embedded CRM refused the change") from exc
        except OperationalError as exc:
            raise CrmUnavailable("the embedded CRM database is busy or unreachable") from exc


def _deal_id(deal_id: str) -> int:
    """The embedded CRM's integer id of `deal_id`; CrmNotFound for anything that cannot be one."""
    if not (str(deal_id).isascii() and str(deal_id).isdigit()) or int(deal_id) > 2**31 - 1:  # PG INTEGER
        raise CrmNotFound(f"no deal {deal_id}")
    return int(deal_id)
