"""The pipeline page query: a rep's open deals in (close date, id) order, read through the indexes' order.

A rep's deals are those they own and those whose team they are on; "owner OR team" cannot be served in
close-date order by one index, so a single query sorts every deal of the rep before its LIMIT and a page
costs more the bigger the book. Instead each source of deals gives its first `limit` deals after the
cursor in index order, and only those (at most 3 × limit) are merged:

- owned, with a close date: ix_crm_deal_owner_close (owner_email, close_date, id), read from the cursor on;
- owned, without one (they sort last): the same index at close_date IS NULL, in id order;
- on the team, not owned: ix_crm_deal_team_email, then sorted (a rep is on few deals' teams).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, and_, bindparam, func, or_, select, union_all

from addin_api.crm.local import models as m
from addin_api.crm.local.reads import DEAL_COLUMNS, OPEN, deal_joins

NO_CLOSE_DATE = date.max  # a deal without a close date sorts last

_deal, _stage, _team = m.Deal.__table__, m.Stage.__table__, m.DealTeamMember.__table__
_close = func.coalesce(_deal.c.close_date, NO_CLOSE_DATE)
_email, _limit = bindparam("email"), bindparam("limit", type_=Integer)
_after_close, _after_id = bindparam("after_close", type_=Date), bindparam("after_id", type_=Integer)
_undated_after_id = bindparam("undated_after_id", type_=Integer)  # 0 unless the cursor is among them


def _source(where, order, stage: bool):
    # Whole rows, not ids joined back to crm_deal afterwards: PostgreSQL would hash-join those few ids
    # against a sequential scan of every deal.
    query = select(*DEAL_COLUMNS, _close.label("close")).select_from(deal_joins(_deal)).where(OPEN, *where)
    if stage:
        query = query.where(_stage.c.key == bindparam("stage"))
    return select(query.order_by(*order).limit(_limit).subquery())


def _statement(stage: bool, after: bool):
    dated = [_deal.c.owner_email == _email, _deal.c.close_date.is_not(None)]
    undated = [_deal.c.owner_email == _email, _deal.c.close_date.is_(None)]
    team = [
        _deal.c.id.in_(select(_team.c.deal_id).where(_team.c.email == _email)),
        _deal.c.owner_email != _email,
    ]
    if after:
        dated += [  # the >= lets the index seek to the cursor instead of reading the rep's deals before it
            _deal.c.close_date >= _after_close,
            or_(_deal.c.close_date > _after_close, _deal.c.id > _after_id),
        ]
        undated.append(_deal.c.id > _undated_after_id)
        team.append(or_(_close > _after_close, and_(_close == _after_close, _deal.c.id > _after_id)))
    picked = union_all(
        _source(dated, (_deal.c.close_date, _deal.c.id), stage),
        _source(undated, (_deal.c.id,), stage),
        _source(team, (_close, _deal.c.id), stage),
    ).subquery()
    return (
        select(*(picked.c[column.name] for column in DEAL_COLUMNS))
        .order_by(picked.c.close, picked.c.id)
        .limit(_limit)
    )


PAGES = {(stage, after): _statement(stage, after) for stage in (False, True) for after in (False, True)}


def page_params(email: str, limit: int, stage: str | None, after: tuple[date, int] | None) -> dict:
    """The parameters of PAGES[stage is not None, after is not None]."""
    params = {"email": email, "limit": limit, "stage": stage}
    if after is not None:
        close, deal_id = after
        params.update(
            after_close=close, after_id=deal_id, undated_after_id=deal_id if close >= NO_CLOSE_DATE else 0
        )
    return params
