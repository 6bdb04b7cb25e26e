"""addin-api: the backend of the Outlook add-in and Gmail add-on that update CRM deals from the inbox."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

__version__ = "0.1.0"


def create_app(test_config: Mapping[str, Any] | None = None, *, crm=None):
    """Build the app from `ADDIN_*` settings (overridden by `test_config`) on a database at head; no DDL."""
    from flask import Flask

    from addin_api.api.openapi import SPEC_OPTIONS, AddinApi
    from addin_api.api.view_cache import build_view_cache
    from addin_api.config import load_settings
    from addin_api.crm import build_crm
    from addin_api.http import make_http
    from addin_api.logs import configure_logging
    from addin_api.migrations import require_head
    from addin_api.services.changes import refuse_stranding
    from addin_api.state import AppState
    from addin_api.store.capture import CaptureStore
    from addin_api.store.db import make_engine, make_session_factory
    from addin_api.store.idempotency import IdempotencyStore
    from addin_api.store.ledger import Ledger
    from addin_api.store.outbox import Outbox

    settings = _with_dev_idp(load_settings(overrides=test_config))
    configure_logging(settings.log_level)
    from addin_api.web import STATIC_DIR

    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/static")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        SESSION_COOKIE_SAMESITE="Lax",
        API_TITLE="addin-api",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS=SPEC_OPTIONS,
    )
    engine = make_engine(settings.sqlalchemy_url)
    try:
        require_head(engine)  # the schema is migrated once, before any worker starts, never by a worker
    except Exception:
        engine.dispose()
        raise
    sessions = make_session_factory(engine)
    outbox = Outbox(sessions)
    try:  # serve workers and the drain alike: a switched ADDIN_CRM must not strand queued changes
        refuse_stranding(outbox, crm.name if crm else settings.crm)
    except Exception:
        engine.dispose()
        raise
    http = make_http(settings.crm_timeout_seconds)
    crm = crm or build_crm(settings, engine=engine, http=http)
    app.extensions["addin_api"] = AppState(
        settings,
        engine,
        sessions,
        http,
        crm,
        outbox,
        IdempotencyStore(sessions),
        Ledger(sessions),
        capture=CaptureStore(sessions),
        view_cache=build_view_cache(settings, engine),
    )
    _register(app, AddinApi(app), settings)
    return app


def _with_dev_idp(settings):
    """With ADDIN_DEV_IDP the app is its own authority (demo reps, loopback only)."""
    if not settings.dev_idp:
        return settings
    import dataclasses

    from addin_api.auth.devidp import dev_overrides

    return dataclasses.replace(settings, **dev_overrides(settings))


def _register(app, api, settings) -> None:
    from addin_api import web
    from addin_api.api import signals  # noqa: F401  (adds its routes to the api blueprint)
    from addin_api.api.routes import bp as api_bp
    from addin_api.crm_connect import bp as connect_bp
    from addin_api.errors_http import register_error_handlers
    from addin_api.gmail.routes import bp as gmail_bp
    from addin_api.json_door import register_json_door
    from addin_api.security import register_security_headers
    from addin_api.taskpane import bp as taskpane_bp

    register_json_door(app)  # first before_request hook: runs ahead of every sign-in check
    api.register_blueprint(api_bp)
    for blueprint in (web.bp, gmail_bp, taskpane_bp, connect_bp):
        app.register_blueprint(blueprint)
    if settings.dev_idp:
        from addin_api.auth.devidp import bp as devidp_bp

        app.register_blueprint(devidp_bp)
        logging.getLogger(__name__).warning(
            "demo sign-in is ON: tokens are minted for demo reps by this server"
        )
    register_error_handlers(app)
    register_security_headers(app)
