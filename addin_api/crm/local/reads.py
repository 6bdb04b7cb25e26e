"""The embedded CRM's deal reads as prebuilt Core statements: rows straight to domain deals, no ORM objects.

Every statement is built once at import (building an expression costs about as much as running a small
query on SQLite) and takes its lists as expanding parameters, so SQLAlchemy's compiled cache serves it.
A set of deals costs four statements whatever its size: the deals (stage and account joined), their
stakeholders, their team, and their emails (counts, last dates and the recent ones, in one pass).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, func, literal_column, or_, select, union
from sqlalchemy.engine import Connection, Row

from addin_api import domain as d
from addin_api.crm.local import models as m
from addin_api.signals.service import score_cold

RECENT_ACTIVITIES = 10

_deal, _stage, _account = m.Deal.__table__, m.Stage.__table__, m.Account.__table__
_role, _contact, _team = m.DealContact.__table__, m.Contact.__table__, m.DealTeamMember.__table__
_activity = m.Activity.__table__

DEAL_COLUMNS = (
    _deal.c.id,
    _deal.c.pipeline_id,
    _deal.c.name,
    _deal.c.amount,
    _deal.c.currency,
    _deal.c.close_date,
    _deal.c.next_step,
    _deal.c.owner_email,
    _deal.c.owner_name,
    _deal.c.probability,
    _deal.c.revision,
    _deal.c.updated_at,
    _deal.c.updated_by,
    _deal.c.bc_problem,
    _deal.c.bc_root_cause,
    _deal.c.bc_why_it_matters,
    _deal.c.bc_budget,
    _deal.c.bc_compelling_event,
    _deal.c.bc_risks,
    _stage.c.key.label("stage_key"),
    _stage.c.label.label("stage_label"),
    _stage.c.is_closed.label("stage_is_closed"),
    _stage.c.is_won.label("stage_is_won"),
    _stage.c.probability.label("stage_probability"),
    _account.c.name.label("account_name"),
)


def deal_joins(deals):
    """`deals` (the deal table, or a join with it) joined with the deal's stage and account."""
    return deals.join(_stage, _deal.c.stage_id == _stage.c.id).join(
        _account, _deal.c.account_id == _account.c.id
    )


_DEALS = select(*DEAL_COLUMNS).select_from(deal_joins(_deal))
OPEN = _stage.c.is_closed.is_(False)

BY_ID = _DEALS.where(_deal.c.id == bindparam("id"))

_on_team = select(_team.c.deal_id).where(_team.c.email == bindparam("email"))
_mine = and_(OPEN, or_(_deal.c.owner_email == bindparam("email"), _deal.c.id.in_(_on_team)))
OPEN_OF = _DEALS.where(_mine)

CONTACTS = (
    select(_contact.c.id, _contact.c.email, _contact.c.name, _contact.c.title, _account.c.name)
    .select_from(_contact.join(_account, _contact.c.account_id == _account.c.id))
    .where(_contact.c.email.in_(bindparam("emails", expanding=True)))
)
# Each matched contact's open deals: on the contact's account, or with the contact as a stakeholder.
_contact_ids = bindparam("contact_ids", expanding=True)
_by_account = (
    select(_contact.c.id.label("contact_id"), _deal.c.id.label("deal_id"))
    .select_from(_contact.join(_deal, _deal.c.account_id == _contact.c.account_id))
    .join(_stage, _deal.c.stage_id == _stage.c.id)
    .where(_contact.c.id.in_(_contact_ids), OPEN)
)
_by_role = (
    select(_role.c.contact_id, _role.c.deal_id)
    .select_from(_role.join(_deal, _deal.c.id == _role.c.deal_id))
    .join(_stage, _deal.c.stage_id == _stage.c.id)
    .where(_role.c.contact_id.in_(_contact_ids), OPEN)
)
_either = union(_by_account, _by_role).subquery()
CONTACT_DEALS = select(_either).order_by(_either.c.contact_id, _either.c.deal_id)
DEALS_BY_IDS = _DEALS.where(_deal.c.id.in_(bindparam("ids", expanding=True)))

_ids = bindparam("ids", expanding=True)
ROLES = (
    select(
        _role.c.deal_id, _contact.c.id, _contact.c.name, _contact.c.email, _role.c.role, _role.c.is_primary
    )
    .select_from(_role.join(_contact, _role.c.contact_id == _contact.c.id))
    .where(_role.c.deal_id.in_(_ids))
    .order_by(_role.c.deal_id, _role.c.contact_id)
)
TEAM = select(_team.c.deal_id, _team.c.email).where(_team.c.deal_id.in_(_ids))

_newest_first = _activity.c.sent_at.desc()
_ranked = select(
    _activity.c.deal_id,
    _activity.c.message_id,
    _activity.c.subject,
    _activity.c.direction,
    _activity.c.sent_at,
    _activity.c.rating,
    _activity.c.body,
    func.row_number().over(partition_by=_activity.c.deal_id, order_by=_newest_first).label("n"),
    func.row_number()
    .over(partition_by=(_activity.c.deal_id, _activity.c.direction), order_by=_newest_first)
    .label("n_dir"),
    func.count().over(partition_by=(_activity.c.deal_id, _activity.c.direction)).label("count_dir"),
).where(_activity.c.deal_id.in_(_ids))
_r = _ranked.subquery()
# The recent emails, plus each direction's newest (its count and last date); per deal newest first.
EMAILS = (
    select(_r)
    .where(or_(_r.c.n <= RECENT_ACTIVITIES, _r.c.n_dir == literal_column("1")))
    .order_by(_r.c.deal_id, _r.c.n)
)
STAGES = (
    select(_stage.c.key, _stage.c.label, _stage.c.is_closed, _stage.c.is_won, _stage.c.probability)
    .where(_stage.c.pipeline_id == bindparam("pipeline_id"))
    .order_by(_stage.c.position)
)


class DealMapper:
    """Turns deal rows into domain deals; `stages_of` and `link_of` are the adapter's per-minute caches."""

    def __init__(
        self,
        stages_of: Callable[[Connection, int], tuple[d.Stage, ...]],
        link_of: Callable[[int], str],
    ):
        self.stages_of, self.link_of = stages_of, link_of

    def deals(self, conn: Connection, rows: Sequence[Row]) -> list[d.Deal]:
        """Domain deals of these rows (in their order), with stakeholders, team and emails: 3 statements."""
        ids = [row.id for row in rows]
        if not ids:
            return []
        people = _grouped(conn.execute(ROLES, {"ids": ids}))
        team = _grouped(conn.execute(TEAM, {"ids": ids}))
        emails = _emails(conn, ids)
        return [
            self._deal(conn, row, people.get(row.id, ()), team.get(row.id, ()), *emails.get(row.id, _NONE))
            for row in rows
        ]

    def _deal(self, conn: Connection, row: Row, people, team, stats, activities) -> d.Deal:
        (  # unpacked in DEAL_COLUMNS order: a tuple reads faster than 25 named lookups on a Row
            deal_id, pipeline_id, name, amount, currency, close_date, next_step, owner_email, owner_name,
            probability, revision, updated_at, updated_by, *case, stage_key, stage_label, stage_is_closed,
            stage_is_won, stage_probability, account_name,
        ) = row  # fmt: skip
        next_step = next_step or ""
        return d.Deal(
            id=str(deal_id),
            name=name,
            account_name=account_name,
            stage=d.Stage(stage_key, stage_label, stage_is_closed, stage_is_won, stage_probability),
            stages=self.stages_of(conn, pipeline_id),
            amount=amount,
            currency=currency,
            close_date=close_date,
            next_step=next_step,
            owner_email=owner_email,
            owner_name=owner_name,
            probability=probability,
            version=d.make_version(str(revision), stage_key, next_step, amount, close_date),
            url=self.link_of(deal_id),
            stakeholders=tuple(
                d.Stakeholder(str(cid), who, email, role, is_primary)
                for _, cid, who, email, role, is_primary in people
            ),
            team_emails=tuple(email for _, email in team),
            business_case=d.BusinessCase(*case),
            activities=tuple(activities),
            stats=stats,
            changed_by=updated_by,
            changed_at=aware(updated_at),
        )


_NONE = (d.ActivityStats(), ())


def stage_of(row: Row) -> d.Stage:
    """A domain stage from a STAGES row."""
    return d.Stage(row.key, row.label, row.is_closed, row.is_won, row.probability)


def aware(value: datetime | None) -> datetime | None:
    """The value as an aware UTC datetime (SQLite hands back naive ones even for timezone=True columns)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _grouped(rows) -> dict[int, list]:
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(row[0], []).append(row)
    return out


def _emails(conn: Connection, ids: list[int]) -> dict[int, tuple[d.ActivityStats, list[d.EmailActivity]]]:
    """deal id → (counts and last dates per direction, the recent emails newest first)."""
    last: dict[int, dict[str, tuple[int, datetime]]] = {}
    recent: dict[int, list[d.EmailActivity]] = {}
    for deal_id, message_id, subject, direction, sent_at, rating, body, n, n_dir, count_dir in conn.execute(
        EMAILS, {"ids": ids}
    ):
        sent_at = aware(sent_at)
        if n_dir == 1:
            last.setdefault(deal_id, {})[direction] = (count_dir, sent_at)
        if n <= RECENT_ACTIVITIES:
            recent.setdefault(deal_id, []).append(
                d.EmailActivity(
                    message_id,
                    subject,
                    d.Direction(direction),
                    sent_at,
                    d.Rating(rating) if rating else None,
                    # The embedded CRM keeps bodies: read cold (cached per text); our ledger's reading,
                    # scored with the org's learning when the email was logged, replaces it in the views.
                    score_cold(body, subject) if (body or "").strip() else None,
                )
            )
    return {deal_id: (_stats(last.get(deal_id, {})), recent.get(deal_id, [])) for deal_id in last}


def _stats(by_direction: dict[str, tuple[int, datetime]]) -> d.ActivityStats:
    inbound, outbound = by_direction.get("inbound", (0, None)), by_direction.get("outbound", (0, None))
    return d.ActivityStats(inbound[0], outbound[0], inbound[1], outbound[1])
