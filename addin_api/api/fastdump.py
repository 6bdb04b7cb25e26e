"""Dumps of the deal-view family without marshmallow's per-field machinery, compiled from its schemas.

The marshmallow schemas stay the contract (the OpenAPI document is generated from them); this module
reads their declared fields once, at import, and builds a plain function per schema. Field names, data
keys, nesting and pre-dump hooks therefore come from the schema itself: adding a field there adds it
here, and a field type this compiler does not know fails at import instead of being dumped differently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from marshmallow import Schema, fields
from marshmallow.utils import missing

from addin_api.api import schemas as sc

Dump = Callable[[object], object]


def _text(value):
    return value if type(value) is str else fields.String()._serialize(value, None, None)


def _iso(value: date | datetime) -> str:
    return value.isoformat()


def _leaf(field: fields.Field) -> Dump | None:
    """The conversion marshmallow applies to one value of a scalar field (None for other fields)."""
    if isinstance(field, fields.String):  # Email and other String subclasses serialise as text
        return _text
    if isinstance(field, fields.Boolean):
        return bool
    if isinstance(field, (fields.Decimal, fields.Method)):
        return None  # handled in _convert: they need the field (places, as_string) or the schema
    if isinstance(field, fields.Integer) and not field.as_string:
        return int
    if isinstance(field, fields.Float) and not field.as_string:
        return float
    if isinstance(field, (fields.Date, fields.DateTime)) and (field.format or "iso") in ("iso", "iso8601"):
        return _iso  # AwareDateTime included: it serialises as DateTime does
    if isinstance(field, fields.Enum) and field.by_value is True:
        return lambda value: value.value
    return None


def _convert(field: fields.Field, owner: Schema) -> Dump:
    """value → JSON value for one field of `owner`, as marshmallow's dump would produce it."""
    if isinstance(field, fields.Method):
        method = getattr(owner, field.serialize_method_name)
        return lambda obj: method(obj)  # called with the whole object, as marshmallow does
    if isinstance(field, fields.Decimal):
        return lambda value: field._serialize(value, None, None)
    if isinstance(field, fields.Nested):
        if (
            isinstance(field, fields.Pluck)
            or field.only
            or field.exclude
            or not isinstance(field.nested, type)
        ):
            raise TypeError(
                f"{type(owner).__name__}.{field.name}: only plain Nested(SchemaClass) has a fast dump"
            )
        nested = compile_schema(field.nested)
        many = field.many
        convert = (lambda value: [nested(v) for v in value]) if many else nested
    elif isinstance(field, fields.List):
        inner = _nullable(_convert(field.inner, owner))
        convert = lambda value: [inner(v) for v in value]  # noqa: E731
    else:
        convert = _leaf(field)
        if convert is None:
            raise TypeError(f"{type(owner).__name__}.{field.name}: no fast dump for {type(field).__name__}")
    return _shared(convert, field) if isinstance(field, sc._DumpedOnce) else convert


def _nullable(convert: Dump) -> Dump:
    return lambda value: None if value is None else convert(value)


def _shared(convert: Dump, field: fields.Field) -> Dump:
    """Dump each distinct value once, by the field's own rule (stage lists repeat on every deal)."""
    cache = sc.DumpCache(field.MAX_VALUES)
    return lambda value: cache.dump(value, convert)


_COMPILED: dict[type[Schema], Dump] = {}
_WHOLE, _TEXT, _VALUE = "whole", "text", "value"


def compile_schema(schema_cls: type[Schema]) -> Dump:
    """A function dumping one object exactly as `schema_cls().dump(obj)` does (cached per schema)."""
    if schema_cls in _COMPILED:
        return _COMPILED[schema_cls]
    owner = schema_cls()
    plan = []  # (key, attribute, kind, converter)
    for name, field in owner.dump_fields.items():
        convert = _convert(field, owner)
        kind = _WHOLE if isinstance(field, fields.Method) else _TEXT if convert is _text else _VALUE
        plan.append((field.data_key or name, field.attribute or name, kind, convert))
    hooks = [getattr(owner, name) for name, _, _ in _plain_pre_dump_hooks(schema_cls)]

    def dump(obj):
        for hook in hooks:
            obj = hook(obj, many=False)
        get = obj.get if isinstance(obj, dict) else lambda attr, default: getattr(obj, attr, default)
        out = {}
        for key, attr, kind, convert in plan:
            if kind is _WHOLE:  # a Method field is given the whole object
                out[key] = convert(obj)
                continue
            value = get(attr, missing)
            if value is None or (kind is _TEXT and type(value) is str):
                out[key] = value  # what every field dumps None as; text as itself
            elif value is not missing:
                out[key] = convert(value)
        return out

    _COMPILED[schema_cls] = dump
    return dump


def _plain_pre_dump_hooks(schema_cls: type[Schema]) -> list:
    """The schema's pre-dump hooks; any other dump hook is refused (this compiler does not run them)."""
    hooks = schema_cls._hooks
    if hooks["post_dump"] or any(many or kw.get("pass_original") for _, many, kw in hooks["pre_dump"]):
        raise TypeError(f"{schema_cls.__name__}: only plain pre_dump hooks have a fast dump")
    return hooks["pre_dump"]


def serving(schema_cls: type[Schema]) -> Schema:
    """An instance of `schema_cls` for `@bp.response` whose dump is the compiled one (same output)."""
    schema = schema_cls()
    fast = compile_schema(schema_cls)
    schema.dump = lambda obj, *, many=None: [fast(o) for o in obj] if many else fast(obj)
    return schema


DEAL = serving(sc.DealSchema)
CONTEXT = serving(sc.ContextSchema)
PIPELINE = serving(sc.PipelineSchema)
