"""LocalCrm: the CRM port over the embedded CRM's SQL tables."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from addin_api import domain as d
from addin_api.crm.local import captured, people
from addin_api.crm.local import models as m
from addin_api.crm.local.pages import deal_link
from addin_api.crm.port import CrmConflict, CrmNotFound, CrmRejected, CrmUnavailable
from addin_api.signals.service import score_cold

RECENT_ACTIVITIES = 10
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
_READ_LOAD = (  # reads: stage and account joined into the deals' own query, stages from the cache
    selectinload(m.Deal.roles).joinedload(m.DealContact.contact, innerjoin=True),
    selectinload(m.Deal.team),
    joinedload(m.Deal.stage, innerjoin=True),
    joinedload(m.Deal.account, innerjoin=True),
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
        with self._session() as s:
            contacts = s.scalars(
                select(m.Contact).where(m.Contact.email.in_(wanted)).options(selectinload(m.Contact.account))
            ).all()
            result = []
            for contact in contacts:
                deals = s.scalars(
                    self._open_deals().where(
                        or_(
                            m.Deal.account_id == contact.account_id,
                            m.Deal.roles.any(m.DealContact.contact_id == contact.id),
                        )
                    )
                ).all()
                result.append(d.ContactDeals(self._contact(contact), tuple(self._deals(s, deals))))
            return result

    def get_deal(self, rep: d.Principal, deal_id: str) -> d.Deal:
        """One deal with stages, stakeholders, recent activities and stats."""
        with self._session() as s:
            return self._deals(s, [self._load(s, deal_id)])[0]

    def open_deals_of(self, rep: d.Principal) -> list[d.Deal]:
        """Open deals the rep owns or is on the team of."""
        email = rep.email.lower()
        with self._session() as s:
            deals = s.scalars(
                self._open_deals().where(
                    or_(m.Deal.owner_email == email, m.Deal.team.any(m.DealTeamMember.email == email))
                )
            ).all()
            return self._deals(s, deals)

    def open_deals_page(
        self, rep: d.Principal, limit: int, after: tuple[date, str] | None, stage: str | None
    ) -> list[d.Deal]:
        """A page of the rep's open deals in (close date, id) order: one indexed query, `limit` mapped."""
        email = rep.email.lower()
        on_team = select(m.DealTeamMember.deal_id).where(m.DealTeamMember.email == email)
        close = func.coalesce(m.Deal.close_date, date.max)  # no close date: last
        query = self._open_deals().where(or_(m.Deal.owner_email == email, m.Deal.id.in_(on_team)))
        if stage is not None:
            query = query.where(m.Stage.key == stage)
        if after is not None:
            if not (after[1].isascii() and after[1].isdigit()):
                raise CrmRejected("the page cursor is not one of the embedded CRM")
            after_close, after_id = after[0], int(after[1])
            query = query.where(or_(close > after_close, and_(close == after_close, m.Deal.id > after_id)))
        with self._session() as s:
            deals = s.scalars(query.order_by(close, m.Deal.id).limit(limit)).unique().all()
            return self._deals(s, deals)

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
            s.flush()
            return self._deals(s, [deal])[0]

        return self._retry_race(run)

    def create_deal(self, rep: d.Principal, new: d.NewDeal) -> d.Deal:
        """The rep's open deal of this name on the person's account, else a new one with them on it."""

        def run(s: Session) -> d.Deal:
            deal = people.find_or_add_deal(s, rep, new, people.ensure_contact(s, new.contact))
            return self._deals(s, [self._load(s, str(deal.id))])[0]

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
            current = self._deals(s, [deal])[0]
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
            return self._deals(s, [deal])[0]

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

    def _open_deals(self):
        return (
            select(m.Deal)
            .join(m.Stage, m.Deal.stage_id == m.Stage.id)
            .where(m.Stage.is_closed.is_(False))
            .options(*_READ_LOAD)
        )

    def _load(self, s: Session, deal_id: str, lock: bool = False) -> m.Deal:
        if not (str(deal_id).isascii() and str(deal_id).isdigit()) or int(deal_id) > 2**31 - 1:  # PG INTEGER
            raise CrmNotFound(f"no deal {deal_id}")
        query = select(m.Deal).where(m.Deal.id == int(deal_id))
        deal = s.scalar(query.options(*_DEAL_LOAD).with_for_update() if lock else query.options(*_READ_LOAD))
        if deal is None:
            raise CrmNotFound(f"no deal {deal_id}")
        return deal

    def _deals(self, s: Session, deals: Sequence[m.Deal]) -> list[d.Deal]:
        """Map rows to domain deals with one stats query and one activities query for all of them."""
        ids = [deal.id for deal in deals]
        stats = _stats(s, ids)
        recent = _recent_activities(s, ids)
        return [
            self._deal(
                deal,
                self._stages_of(s, deal.pipeline_id),
                stats.get(deal.id, d.ActivityStats()),
                recent.get(deal.id, ()),
            )
            for deal in deals
        ]

    def _stages_of(self, s: Session, pipeline_id: int) -> tuple[d.Stage, ...]:
        """The pipeline's stages in order, read once per STAGES_TTL_SECONDS (the same tuple in between)."""
        now = time.monotonic()
        cached = self._stages.get(pipeline_id)
        if cached is None or now - cached[0] >= STAGES_TTL_SECONDS:
            rows = s.scalars(
                select(m.Stage).where(m.Stage.pipeline_id == pipeline_id).order_by(m.Stage.position)
            )
            cached = self._stages[pipeline_id] = (now, tuple(_stage(st) for st in rows))
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

    def _deal(self, deal: m.Deal, stages: tuple[d.Stage, ...], stats: d.ActivityStats, activities) -> d.Deal:
        return d.Deal(
            id=str(deal.id),
            name=deal.name,
            account_name=deal.account.name,
            stage=_stage(deal.stage),
            stages=stages,
            amount=deal.amount,
            currency=deal.currency,
            close_date=deal.close_date,
            next_step=deal.next_step or "",
            owner_email=deal.owner_email,
            owner_name=deal.owner_name,
            probability=deal.probability,
            version=d.make_version(
                str(deal.revision), deal.stage.key, deal.next_step or "", deal.amount, deal.close_date
            ),
            url=self._link(deal.id),
            stakeholders=tuple(
                d.Stakeholder(str(r.contact.id), r.contact.name, r.contact.email, r.role, r.is_primary)
                for r in deal.roles
            ),
            team_emails=tuple(t.email for t in deal.team),
            business_case=d.BusinessCase(
                deal.bc_problem,
                deal.bc_root_cause,
                deal.bc_why_it_matters,
                deal.bc_budget,
                deal.bc_compelling_event,
                deal.bc_risks,
            ),
            activities=tuple(activities),
            stats=stats,
            changed_by=deal.updated_by,
            changed_at=_aware(deal.updated_at),
        )

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


def _stage(st: m.Stage) -> d.Stage:
    return d.Stage(st.key, st.label, st.is_closed, st.is_won, st.probability)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes even for timezone=True columns; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _stats(s: Session, ids: list[int]) -> dict[int, d.ActivityStats]:
    if not ids:
        return {}
    rows = s.execute(
        select(m.Activity.deal_id, m.Activity.direction, func.count(), func.max(m.Activity.sent_at))
        .where(m.Activity.deal_id.in_(ids))
        .group_by(m.Activity.deal_id, m.Activity.direction)
    ).all()
    acc: dict[int, dict] = {}
    for deal_id, direction, count, last in rows:
        acc.setdefault(deal_id, {})[direction] = (count, _aware(last))
    return {
        deal_id: d.ActivityStats(
            inbound_count=v.get("inbound", (0, None))[0],
            outbound_count=v.get("outbound", (0, None))[0],
            last_inbound=v.get("inbound", (0, None))[1],
            last_outbound=v.get("outbound", (0, None))[1],
        )
        for deal_id, v in acc.items()
    }


def _recent_activities(s: Session, ids: list[int]) -> dict[int, list[d.EmailActivity]]:
    if not ids:
        return {}
    a = m.Activity
    ranked = (
        select(  # only what the mapping reads: the to/cc JSON columns are never decoded here
            a.deal_id,
            a.message_id,
            a.subject,
            a.direction,
            a.sent_at,
            a.rating,
            a.body,
            func.row_number()
            .over(partition_by=m.Activity.deal_id, order_by=m.Activity.sent_at.desc())
            .label("n"),
        )
        .where(m.Activity.deal_id.in_(ids))
        .subquery()
    )
    rows = s.execute(
        select(ranked).where(ranked.c.n <= RECENT_ACTIVITIES).order_by(ranked.c.sent_at.desc())
    ).all()
    out: dict[int, list[d.EmailActivity]] = {}
    for row in rows:
        out.setdefault(row.deal_id, []).append(
            d.EmailActivity(
                row.message_id,
                row.subject,
                d.Direction(row.direction),
                _aware(row.sent_at),
                d.Rating(row.rating) if row.rating else None,
                # The embedded CRM keeps bodies: read them cold (cached per text); our ledger's reading,
                # scored with the org's learning when the email was logged, replaces this in the views.
                score_cold(row.body, row.subject) if (row.body or "").strip() else None,
            )
        )
    return out
