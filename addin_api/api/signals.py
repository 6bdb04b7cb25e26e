"""Routes of /api/v1 for signals: score an email for the caller's org, list what the org has learned."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from addin_api.api.auth import current_rep
from addin_api.api.routes import bp
from addin_api.api.schemas import BaseSchema, SentimentSchema
from addin_api.signals import service
from addin_api.state import get_state

TEXT_MAX = 20_000  # the same cap as a stored email body


class SentimentRequestSchema(BaseSchema):
    """The open email's text as the add-in reads it (nothing is stored)."""

    text = fields.String(required=True, validate=validate.Length(max=TEXT_MAX))
    subject = fields.String(load_default="", validate=validate.Length(max=998))


class LexiconQuerySchema(BaseSchema):
    """How many learned terms to list."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class LearnedTermSchema(BaseSchema):
    """A learned term with the number of 👍 and 👎 ratings it appeared in."""

    term = fields.String()
    pos = fields.Integer()
    neg = fields.Integer()


class LexiconSchema(BaseSchema):
    """The organisation's most-learned terms."""

    terms = fields.List(fields.Nested(LearnedTermSchema))


def get_lexicon():
    """The app's learned-lexicon repository (built on first use)."""
    return get_state().lexicon


@bp.route("/sentiment")
class Sentiment(MethodView):
    @bp.arguments(SentimentRequestSchema, as_kwargs=True)
    @bp.response(200, SentimentSchema)
    def post(self, text, subject):
        """Score what the buyer wrote now, with the caller's organisation's learned terms."""
        return service.score(get_lexicon(), current_rep().org_key, text, subject)


@bp.route("/lexicon")
class Lexicon(MethodView):
    @bp.arguments(LexiconQuerySchema, location="query", as_kwargs=True)
    @bp.response(200, LexiconSchema)
    def get(self, limit):
        """The caller's organisation's most-learned terms with their 👍/👎 counts."""
        return {"terms": service.top_terms(get_lexicon(), current_rep().org_key, limit)}
