"""Marshmallow schemas of the JSON API; the OpenAPI document is generated from these."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_dump, validate, validates

from addin_api.domain import (
    CaptureStatus,
    ChangeState,
    DealChanges,
    DealWarning,
    Direction,
    EmailLog,
    NewContact,
    NewDeal,
    Rating,
    utcnow,
)
from addin_api.services.changes import LISTABLE
from addin_api.services.views import PAGE_SIZE, PAGE_SIZE_MAX

ADDRESS_MAX = 320  # RFC 5321: 64 local part + @ + 255 domain
HEADER_MAX = 998  # RFC 5322 line limit: Message-ID and Subject


def _no_nul(value: str) -> None:
    # NUL is never part of mail text or a CRM value, and PostgreSQL refuses it in text columns.
    if "\x00" in value:
        raise ValidationError("Contains a NUL character.")


def _fits_the_crm(value: str) -> None:
    # The configured adapter's FieldLimits own the rule; asking here reports it with the other fields.
    from addin_api.state import get_state

    if problems := get_state().crm.limits.problems(value):
        raise ValidationError(problems["next_step"])


def _text(max_len: int, min_len: int = 0):
    return [validate.Length(min=min_len, max=max_len), _no_nul]


def _address(**kw):
    return fields.Email(validate=_text(ADDRESS_MAX), **kw)


class DumpCache:
    """Each distinct value's dump, made once: keyed by the value (a list by its items), started over past
    `max_values`. Values are frozen dataclasses (hashable); an unhashable one is simply dumped."""

    def __init__(self, max_values: int):
        self.max_values, self._dumped = max_values, {}

    def dump(self, value, convert):
        """`convert(value)`, or the dump of an equal value made before (shared: only ever read)."""
        try:
            key = tuple(value) if isinstance(value, (list, tuple)) else value
            dumped = self._dumped.get(key)
        except TypeError:  # unhashable: nothing to share
            return convert(value)
        if dumped is None:
            if len(self._dumped) >= self.max_values:
                self._dumped.clear()
            dumped = self._dumped[key] = convert(value)
        return dumped


class _DumpedOnce:
    """Dumps each distinct value once per field: stage lists repeat on every deal, and a deal's recent
    emails and health repeat on every open until they change."""

    MAX_VALUES = 256  # distinct values kept; beyond that the cache starts over

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        cache = self.__dict__.setdefault("_dumped", DumpCache(self.MAX_VALUES))
        return cache.dump(value, lambda v: super(_DumpedOnce, self)._serialize(v, attr, obj, **kwargs))


class StageListField(_DumpedOnce, fields.List):
    """A list of stages, dumped once per distinct list."""


class StageField(_DumpedOnce, fields.Nested):
    """One stage, dumped once per distinct stage."""


class ActivityListField(_DumpedOnce, fields.List):
    """A deal's recent emails, dumped once until they change."""

    MAX_VALUES = 2048  # about a rep's book per worker: ~10 emails × ~0.5 KB each


class HealthField(_DumpedOnce, fields.Nested):
    """A deal's health, dumped once until it changes."""

    MAX_VALUES = 2048


class BaseSchema(Schema):
    """Project base: unknown input fields are ignored, so older taskpanes keep working."""

    class Meta:
        unknown = EXCLUDE


class StageSchema(BaseSchema):
    """One value of the deal's stage picklist."""

    id = fields.String(metadata={"description": "The CRM's stage value (send this back to change stage)."})
    label = fields.String()
    is_closed = fields.Boolean()
    is_won = fields.Boolean()
    probability = fields.Integer(allow_none=True)


class StakeholderSchema(BaseSchema):
    """A contact's role on the deal."""

    contact_id = fields.String()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    is_primary = fields.Boolean()


class BusinessCaseSchema(BaseSchema):
    """Why the buyer would buy; fields the CRM does not hold are null."""

    problem = fields.String(allow_none=True)
    root_cause = fields.String(allow_none=True)
    why_it_matters = fields.String(allow_none=True)
    budget = fields.String(allow_none=True)
    compelling_event = fields.String(allow_none=True)
    risks = fields.String(allow_none=True)


LABELS = ["positive", "negative", "neutral"]


class TermWeightSchema(BaseSchema):
    """A word or phrase and how far it moved the score (negative pulls towards negative)."""

    term = fields.String()
    weight = fields.Float()


class SentimentSchema(BaseSchema):
    """How the buyer's own words read: score in [-1, 1], label and the terms that moved it most."""

    score = fields.Float()
    label = fields.String(metadata={"enum": LABELS})
    terms = fields.List(fields.Nested(TermWeightSchema), metadata={"description": "Strongest first."})

    @pre_dump
    def _pairs(self, sentiment, **_kw) -> dict:
        terms = [{"term": t, "weight": w} for t, w in sentiment.terms]
        return {"score": sentiment.score, "label": sentiment.label, "terms": terms}


class ActivitySchema(BaseSchema):
    """One email logged on the deal."""

    message_id = fields.String()
    subject = fields.String()
    direction = fields.Enum(Direction, by_value=True)
    sent_at = fields.AwareDateTime()
    rating = fields.Enum(Rating, by_value=True, allow_none=True)
    sentiment = fields.Nested(
        SentimentSchema,
        allow_none=True,
        metadata={"description": "How the email reads; null when its text was not available."},
    )


class WarningSchema(BaseSchema):
    """An early warning on the deal, in words for a rep."""

    code = fields.String(metadata={"enum": [DealWarning.GOING_DARK, DealWarning.NEGATIVE_SENTIMENT]})
    message = fields.String()
    terms = fields.List(
        fields.String(), metadata={"description": "Words that triggered a negative_sentiment warning."}
    )


class TrendPointSchema(BaseSchema):
    """The sentiment of one inbound email."""

    sent_at = fields.AwareDateTime()
    score = fields.Float()
    label = fields.String(metadata={"enum": LABELS})


class CaptureStatusSchema(BaseSchema):
    """How complete the health is: counted from the reps' mailboxes, or only from logged emails."""

    source = fields.String(metadata={"enum": ["mailbox", "logged_only"]})
    last_pass_at = fields.AwareDateTime(allow_none=True, metadata={"description": "Last capture pass."})
    description = fields.Method(
        "_describe",
        metadata={
            "type": "string",
            "description": "The same in words for reps: 'Captured from the mailbox, last pass 3 min ago'.",
        },
    )

    def _describe(self, status: CaptureStatus) -> str:
        return status.describe(utcnow())


class HealthSchema(BaseSchema):
    """Email activity, whether the deal is going dark, early warnings and the buyer's sentiment trend."""

    inbound_count = fields.Integer()
    outbound_count = fields.Integer()
    last_inbound = fields.AwareDateTime(allow_none=True)
    last_outbound = fields.AwareDateTime(allow_none=True)
    days_since_inbound = fields.Integer(allow_none=True)
    going_dark = fields.Boolean()
    warnings = fields.List(fields.Nested(WarningSchema), metadata={"description": "Empty when none."})
    sentiment_trend = fields.List(
        fields.Nested(TrendPointSchema),
        metadata={"description": "The recent inbound emails with a sentiment, oldest first, at most 8."},
    )
    meetings_held = fields.Integer(metadata={"description": "Meetings held, from captured calendars."})
    next_meeting = fields.AwareDateTime(allow_none=True, metadata={"description": "Next scheduled meeting."})
    capture = fields.Nested(CaptureStatusSchema)


class MatchSchema(BaseSchema):
    """Why a deal is shown for the email: a participant is its stakeholder, or works at its account."""

    reason = fields.String(metadata={"description": "`stakeholder` or `account`."})
    contact = fields.String(metadata={"description": "The participant's address."})
    role = fields.String(
        allow_none=True, metadata={"description": "Their role on the deal, if a stakeholder."}
    )


class DealSchema(BaseSchema):
    """A deal with its valid stages, health and the opaque version to send back on update."""

    id = fields.String()
    name = fields.String()
    account_name = fields.String()
    stage = StageField(StageSchema)
    stages = StageListField(
        fields.Nested(StageSchema), metadata={"description": "The only stages this deal may take."}
    )
    # Served as a string so no precision is lost; documented as served (apispec would say "number").
    amount = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"type": "string", "format": "decimal", "description": 'Exact decimal, e.g. "48000.00".'},
    )
    currency = fields.String()
    close_date = fields.Date(allow_none=True)
    next_step = fields.String()
    owner_email = fields.String()
    owner_name = fields.String()
    probability = fields.Integer(allow_none=True)
    url = fields.String(metadata={"description": "Deep link to the deal in the CRM."})
    version = fields.String(metadata={"description": "Opaque; send it back unchanged with an update."})
    stakeholders = fields.List(fields.Nested(StakeholderSchema))
    business_case = fields.Nested(BusinessCaseSchema)
    activities = ActivityListField(fields.Nested(ActivitySchema))
    health = HealthField(HealthSchema)
    editable = fields.Boolean(metadata={"description": "False when this rep may only read the deal."})
    match = fields.Nested(
        MatchSchema,
        allow_none=True,
        metadata={"description": "On /context: why this deal is shown; else null."},
    )

    @pre_dump
    def _flatten(self, view, **_):
        deal = view.deal
        return {
            **{f: getattr(deal, f) for f in self.fields if hasattr(deal, f)},
            "health": view.health,
            "editable": view.editable,
            "match": view.match,
        }


class ContactSchema(BaseSchema):
    """A CRM contact matched by email address."""

    id = fields.String()
    email = fields.String()
    name = fields.String()
    title = fields.String()
    account_name = fields.String()


class ContactDealsSchema(BaseSchema):
    """A matched participant and their open deals."""

    contact = fields.Nested(ContactSchema)
    deals = fields.List(fields.Nested(DealSchema))


class PersonSchema(BaseSchema):
    """A participant to add as a contact: address, name and company (prefilled from the email)."""

    email = _address(required=True)
    name = fields.String(load_default="", validate=_text(200))
    company = fields.String(load_default="", validate=_text(200))
    title = fields.String(load_default="", validate=_text(128))

    @post_load
    def _person(self, data, **_):
        return NewContact(
            data["email"].strip().lower(), data["name"].strip(), data["company"].strip(), data["title"]
        )


class ContextSchema(BaseSchema):
    """The deals of the people on an email, and the participants the CRM does not know."""

    contacts = fields.List(fields.Nested(ContactDealsSchema))
    unknown = fields.List(
        fields.Nested(PersonSchema),
        metadata={"description": "Participants not in the CRM, with a name and company guessed to prefill."},
    )


class NewContactSchema(BaseSchema):
    """Add a participant as a contact."""

    contact = fields.Nested(PersonSchema, required=True)


class StakeholderAddSchema(BaseSchema):
    """Put a participant on the deal with one of the CRM's roles (see GET /crm/options)."""

    contact = fields.Nested(PersonSchema, required=True)
    role = fields.String(load_default="", validate=_text(80))


class NewDealSchema(BaseSchema):
    """A deal for a participant's account, with them as its primary stakeholder."""

    name = fields.String(required=True, validate=_text(120, 1))
    stage = fields.String(required=True, validate=_text(255, 1))
    close_date = fields.Date(required=True)
    amount = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=2,
        validate=validate.Range(min=0, max=10**15),
        metadata={"type": "string", "format": "decimal"},
    )
    role = fields.String(load_default="", validate=_text(80))
    contact = fields.Nested(PersonSchema, required=True)

    @post_load
    def _deal(self, data, **_):
        return NewDeal(
            data["name"].strip(),
            data["stage"],
            data["close_date"],
            data["contact"],
            data["amount"],
            data["role"],
        )


class CrmOptionsSchema(BaseSchema):
    """What the CRM accepts for new records."""

    roles = fields.List(fields.String(), metadata={"description": "Stakeholder roles (the CRM's picklist)."})
    stages = fields.List(fields.Nested(StageSchema), metadata={"description": "Open stages of a new deal."})
    currency = fields.String()


class ContextQuerySchema(BaseSchema):
    """Participants of the open email."""

    message_id = fields.String(
        validate=_text(HEADER_MAX, 3),
        metadata={
            "description": "The open email's Message-ID: each deal then lists its activity if the rep "
            "logged it."
        },
    )
    email = fields.List(
        _address(),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Participants of the open message (repeat the parameter)."},
    )


class MessageQuerySchema(BaseSchema):
    """The email open in the client."""

    message_id = fields.String(
        validate=_text(HEADER_MAX, 3),
        metadata={
            "description": "The open email's Message-ID: its activity is included even if older than "
            "the recent ones."
        },
    )


class PipelineSchema(BaseSchema):
    """A page of the rep's open deals in close-date order; within the page, warned first, then going dark."""

    deals = fields.List(fields.Nested(DealSchema))
    next = fields.String(
        allow_none=True,
        metadata={"description": "Send as `cursor` for the next page; null on the last page."},
    )


class PipelineQuerySchema(BaseSchema):
    """Which page of the pipeline, and which deals."""

    limit = fields.Integer(
        load_default=PAGE_SIZE,
        validate=validate.Range(1, PAGE_SIZE_MAX),
        metadata={"description": "Deals per page."},
    )
    cursor = fields.String(
        load_default=None, validate=_text(200), metadata={"description": "The `next` of the previous page."}
    )
    stage = fields.String(
        load_default=None, validate=_text(255), metadata={"description": "Only this stage id."}
    )
    warning = fields.String(
        load_default=None,
        validate=validate.OneOf([DealWarning.GOING_DARK, DealWarning.NEGATIVE_SENTIMENT]),
        metadata={"description": "Only deals with this warning."},
    )


class DealUpdateSchema(BaseSchema):
    """Stage and/or next step, with the version the rep saw."""

    version = fields.String(required=True, validate=_text(200, 1))
    stage = fields.String(validate=_text(255, 1))
    next_step = fields.String(
        validate=[_no_nul, _fits_the_crm],
        metadata={"description": "Empty clears it; at most the configured CRM's next-step length."},
    )

    @post_load
    def _changes(self, data, **_):
        if "stage" not in data and "next_step" not in data:
            raise ValidationError("Give a stage, a next step, or both.", "stage")
        return DealChanges(data["version"], data.get("stage"), data.get("next_step"))


class EmailLogSchema(BaseSchema):
    """The open email to log on the deal, with an optional rating (none = log only)."""

    message_id = fields.String(
        required=True,
        validate=_text(HEADER_MAX, 3),
        metadata={"description": "RFC 5322 Message-ID, e.g. <abc@mail.example>."},
    )
    subject = fields.String(load_default="", validate=_text(HEADER_MAX))
    from_ = _address(required=True, data_key="from")
    to = fields.List(_address(), load_default=list, validate=validate.Length(max=500))
    cc = fields.List(_address(), load_default=list, validate=validate.Length(max=500))
    sent_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "With its offset; from 1990-01-01 to one day ahead, else 422."},
    )
    body = fields.String(
        load_default="", metadata={"description": "Plain text; cut to ADDIN_EMAIL_BODY_MAX_CHARS."}
    )
    rating = fields.Enum(Rating, by_value=True, allow_none=True, load_default=None)
    item_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=1000),
        metadata={"description": "Graph REST id of the message, for a server-side read."},
    )

    @validates("sent_at")
    def _sent_at(self, value, **_):
        if problem := EmailLog.sent_at_problem(value, utcnow()):
            raise ValidationError(problem)

    @validates("message_id")
    def _message_id(self, value, **_):
        if not (value.startswith("<") and value.endswith(">") and "@" in value):
            raise ValidationError("Expected an RFC 5322 Message-ID like <abc@mail.example>.")


class ChangeSchema(BaseSchema):
    """Where a change stands: queued (syncing), done, conflict or rejected."""

    id = fields.String()
    state = fields.String(
        validate=validate.OneOf([ChangeState.QUEUED, ChangeState.NEEDS_CONNECT, *ChangeState.SETTLED]),
        metadata={"description": "`needs_connect`: sent as soon as the rep reconnects their CRM."},
    )
    op = fields.String(
        metadata={
            "description": "`update_deal`, `log_email`, `add_contact`, `add_stakeholder`, `create_deal`."
        }
    )
    deal_id = fields.String(allow_none=True, metadata={"description": "Null until a created deal exists."})
    attempts = fields.Integer()
    updated_at = fields.AwareDateTime()
    reason = fields.String(allow_none=True)
    conflict = fields.Dict(allow_none=True)


class ChangeListQuerySchema(BaseSchema):
    """Which of the rep's waiting changes to list."""

    state = fields.String(required=True, validate=validate.OneOf(LISTABLE))


class ChangeListSchema(BaseSchema):
    """The rep's own changes in one state (oldest first, at most 100) and how many there are."""

    changes = fields.List(fields.Nested(ChangeSchema))
    total = fields.Integer()


class WriteResultSchema(BaseSchema):
    """Where the change stands and, when saved, the deal."""

    change = fields.Nested(ChangeSchema)
    deal = fields.Nested(DealSchema, allow_none=True)
    contact = fields.Nested(
        ContactSchema, allow_none=True, metadata={"description": "Added contact (once saved)."}
    )


class ErrorResponseSchema(BaseSchema):
    """The one error shape of every endpoint; write outcomes add the change and what the CRM has."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Per-field messages, by location (json, query)."})
    change_id = fields.String(metadata={"description": "The recorded change this answer is about."})
    reason = fields.String(
        metadata={
            "description": "Machine-readable cause: `crm_auth` (connect your CRM account), "
            "`crm_rejected` (the CRM said no), `in_progress` (the same Idempotency-Key is still running)."
        }
    )
    pending_changes = fields.Integer(
        metadata={"description": "With `crm_auth`: the rep's changes waiting for them to reconnect."}
    )
    conflict = fields.Dict(metadata={"description": "409: the fields that moved, yours and theirs."})
    theirs = fields.Nested(
        DealSchema, allow_none=True, metadata={"description": "409: the deal as it is now."}
    )


class ConnectLinkSchema(BaseSchema):
    """A link that connects the rep's CRM account."""

    url = fields.String(metadata={"description": "Open in an Office dialog; valid for 10 minutes."})
