"""Marshmallow schemas of the JSON API; the OpenAPI document is generated from these."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_dump, validate, validates

from addin_api.domain import NEXT_STEP_MAX, DealChanges, Direction, Rating


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


class ActivitySchema(BaseSchema):
    """One email logged on the deal."""

    message_id = fields.String()
    subject = fields.String()
    direction = fields.Enum(Direction, by_value=True)
    sent_at = fields.AwareDateTime()
    rating = fields.Enum(Rating, by_value=True, allow_none=True)


class HealthSchema(BaseSchema):
    """Email activity and whether the deal is going dark."""

    inbound_count = fields.Integer()
    outbound_count = fields.Integer()
    last_inbound = fields.AwareDateTime(allow_none=True)
    last_outbound = fields.AwareDateTime(allow_none=True)
    days_since_inbound = fields.Integer(allow_none=True)
    going_dark = fields.Boolean()


class DealSchema(BaseSchema):
    """A deal with its valid stages, health and the opaque version to send back on update."""

    id = fields.String()
    name = fields.String()
    account_name = fields.String()
    stage = fields.Nested(StageSchema)
    stages = fields.List(
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
    activities = fields.List(fields.Nested(ActivitySchema))
    health = fields.Nested(HealthSchema)
    editable = fields.Boolean(metadata={"description": "False when this rep may only read the deal."})

    @pre_dump
    def _flatten(self, view, **_):
        deal = view.deal
        return {
            **{f: getattr(deal, f) for f in self.fields if hasattr(deal, f)},
            "health": view.health,
            "editable": view.editable,
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


class ContextSchema(BaseSchema):
    """The deals of the people on an email."""

    contacts = fields.List(fields.Nested(ContactDealsSchema))


class ContextQuerySchema(BaseSchema):
    """Participants of the open email."""

    message_id = fields.String(
        validate=validate.Length(min=3, max=998),
        metadata={
            "description": "The open email's Message-ID: each deal then lists its activity if the rep "
            "logged it."
        },
    )
    email = fields.List(
        fields.Email(),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Participants of the open message (repeat the parameter)."},
    )


class MessageQuerySchema(BaseSchema):
    """The email open in the client."""

    message_id = fields.String(
        validate=validate.Length(min=3, max=998),
        metadata={
            "description": "The open email's Message-ID: its activity is included even if older than "
            "the recent ones."
        },
    )


class PipelineSchema(BaseSchema):
    """The rep's open deals, going dark first."""

    deals = fields.List(fields.Nested(DealSchema))


class DealUpdateSchema(BaseSchema):
    """Stage and/or next step, with the version the rep saw."""

    version = fields.String(required=True, validate=validate.Length(min=1, max=200))
    stage = fields.String(validate=validate.Length(min=1, max=255))
    next_step = fields.String(
        validate=validate.Length(max=NEXT_STEP_MAX), metadata={"description": "Empty clears it."}
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
        validate=validate.Length(min=3, max=998),
        metadata={"description": "RFC 5322 Message-ID, e.g. <abc@mail.example>."},
    )
    subject = fields.String(load_default="", validate=validate.Length(max=998))
    from_ = fields.Email(required=True, data_key="from")
    to = fields.List(fields.Email(), load_default=list, validate=validate.Length(max=500))
    cc = fields.List(fields.Email(), load_default=list, validate=validate.Length(max=500))
    sent_at = fields.AwareDateTime(required=True)
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

    @validates("message_id")
    def _message_id(self, value, **_):
        if not (value.startswith("<") and value.endswith(">") and "@" in value):
            raise ValidationError("Expected an RFC 5322 Message-ID like <abc@mail.example>.")


class ChangeSchema(BaseSchema):
    """Where a change stands: queued (syncing), done, conflict or rejected."""

    id = fields.String()
    state = fields.String(validate=validate.OneOf(["queued", "done", "conflict", "rejected"]))
    op = fields.String()
    deal_id = fields.String()
    attempts = fields.Integer()
    updated_at = fields.AwareDateTime()
    reason = fields.String(allow_none=True)
    conflict = fields.Dict(allow_none=True)


class WriteResultSchema(BaseSchema):
    """Where the change stands and, when saved, the deal."""

    change = fields.Nested(ChangeSchema)
    deal = fields.Nested(DealSchema, allow_none=True)


class ErrorResponseSchema(BaseSchema):
    """The one error shape of every endpoint; write outcomes add the change and what the CRM has."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Per-field messages, by location (json, query)."})
    change_id = fields.String(metadata={"description": "The recorded change (409, 422 from the CRM, 403)."})
    reason = fields.String(
        metadata={"description": "`crm_auth`: connect your CRM account; `crm_rejected`: the CRM said no."}
    )
    conflict = fields.Dict(metadata={"description": "409: the fields that moved, yours and theirs."})
    theirs = fields.Nested(
        DealSchema, allow_none=True, metadata={"description": "409: the deal as it is now."}
    )


class ConnectLinkSchema(BaseSchema):
    """A link that connects the rep's CRM account."""

    url = fields.String(metadata={"description": "Open in an Office dialog; valid for 10 minutes."})
