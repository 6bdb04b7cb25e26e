"""The `addin-api` command: serve, db, demo-data, outbox, capture, purge, lexicon, manifest, CRM setup."""

from __future__ import annotations

import argparse
import os
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(prog="addin-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API with gunicorn")
    serve.add_argument("--host", default=os.environ.get("ADDIN_BIND_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, help="default: addin_api/gunicorn_conf.py (ADDIN_WORKERS)")
    serve.add_argument("--threads", type=int, help="default: addin_api/gunicorn_conf.py (ADDIN_THREADS)")
    serve.add_argument(
        "--no-upgrade",
        action="store_true",
        help="leave the schema to a separate `addin-api db upgrade` (workers refuse an older schema)",
    )
    db = sub.add_parser("db", help="database schema: `upgrade` to this release, `current` revision")
    db.add_argument("action", choices=["upgrade", "current"])
    demo = sub.add_parser("demo-data", help="load the demo accounts, contacts, deals and emails")
    demo.add_argument("--reset", action="store_true", help="drop the embedded CRM's data first")
    outbox = sub.add_parser("outbox", help="deliver queued CRM changes")
    outbox.add_argument("action", choices=["drain"])
    outbox.add_argument("--loop", action="store_true", help="keep draining until interrupted")
    outbox.add_argument("--interval", type=float, default=5.0, help="seconds between passes with --loop")
    capture = sub.add_parser("capture", help="count buyer emails and meetings from the reps' mailboxes")
    capture.add_argument("--loop", action="store_true", help="keep capturing until interrupted")
    capture.add_argument("--interval", type=float, default=300.0, help="seconds between passes with --loop")
    sub.add_parser("purge", help="delete records past their retention (ADDIN_*_RETENTION_* settings)")
    sub.add_parser("manifest", help="write or check the Outlook and Gmail manifests", add_help=False)
    sub.add_parser("lexicon", help="export or import an organisation's learned terms", add_help=False)
    sub.add_parser(
        "hubspot", help="`hubspot setup`: create the custom properties (ADDIN_CRM=hubspot)", add_help=False
    )
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["manifest"]:
        from addin_api.manifests import main as manifest_main

        return manifest_main(argv[1:])
    if argv[:1] == ["lexicon"]:
        from addin_api.lexicon_cli import main as lexicon_main

        return lexicon_main(argv[1:])
    if argv[:1] == ["hubspot"]:
        from addin_api.crm.hubspot.setup import main as hubspot_main

        return hubspot_main(argv[1:])
    args = parser.parse_args(argv)
    from addin_api.config import SettingsError
    from addin_api.migrations import SchemaNotCurrent
    from addin_api.services.changes import StrandedChanges

    try:
        return {
            "serve": _serve,
            "db": _db,
            "demo-data": _demo_data,
            "outbox": _outbox,
            "purge": _purge,
            "capture": _capture,
        }[args.command](args)
    except (SchemaNotCurrent, StrandedChanges, SettingsError) as exc:  # one line saying what to do
        print(f"addin-api: {exc}", file=sys.stderr)
        return 2


def _engine():
    from addin_api.config import load_settings
    from addin_api.store.db import make_engine

    return make_engine(load_settings().sqlalchemy_url)


def _upgrade() -> str:
    """Migrate the configured database to head (under the schema lock); a line saying what happened."""
    from addin_api.migrations import upgrade

    engine = _engine()
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    return f"database schema at {after}" + (f" (was {before or 'unversioned'})" if before != after else "")


def _db(args) -> int:
    from addin_api.migrations import current, head

    if args.action == "upgrade":
        print(_upgrade())
        return 0
    engine = _engine()
    try:
        revision = current(engine)
    finally:
        engine.dispose()
    print(revision or "none")
    if revision != head():
        print(f"this release needs {head()}: run `addin-api db upgrade`", file=sys.stderr)
    return 0


def _serve(args) -> int:
    from gunicorn.app.base import BaseApplication

    from addin_api.config import load_settings
    from addin_api.migrations import require_head

    os.environ["ADDIN_BIND_HOST"] = args.host  # lets the app refuse demo sign-in off loopback
    # Demo sign-in fetches its own keys over HTTP, so by default the public URL is where we listen.
    os.environ.setdefault("ADDIN_PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    load_settings()  # a bad setting stops the master here, in one line, before gunicorn binds or forks
    if args.no_upgrade:  # refuse here, once, rather than in every worker
        engine = _engine()
        try:
            require_head(engine)
        finally:
            engine.dispose()
    else:
        print(_upgrade(), flush=True)  # once, in the master, before any worker is forked

    from addin_api import gunicorn_conf

    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    config = gunicorn_conf.settings(bind=bind, workers=args.workers, threads=args.threads)

    class _App(BaseApplication):
        def load_config(self):
            for name, value in config.items():
                self.cfg.set(name, value)

        def load(self):
            return load_worker_app()

    _App().run()
    return 0


def load_worker_app():
    """The app of one gunicorn worker; a schema not at head stops gunicorn with one line, no traceback."""
    from gunicorn.errors import AppImportError

    from addin_api import create_app
    from addin_api.migrations import SchemaNotCurrent
    from addin_api.services.changes import StrandedChanges

    try:
        return create_app()
    except (SchemaNotCurrent, StrandedChanges) as exc:  # gunicorn prints an AppImportError's text alone
        raise AppImportError(f"addin-api: {exc}") from None


def _demo_data(args) -> int:
    from addin_api.config import load_settings
    from addin_api.crm.local.demo_data import demo_dataset
    from addin_api.crm.local.seed import load_dataset, reset
    from addin_api.migrations import upgrade
    from addin_api.store.db import make_engine

    settings = load_settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        upgrade(engine)
        if args.reset:
            reset(engine)
        elif _has_deals(engine):
            print("demo data already loaded (use --reset to reload)")
            return 0
        ids = load_dataset(engine, demo_dataset())
    finally:
        engine.dispose()  # a PostgreSQL connection left open is a ResourceWarning at exit
    print(f"loaded {len(ids)} demo deals into {settings.sqlalchemy_url}")
    return 0


def _has_deals(engine) -> bool:
    from sqlalchemy import func, select

    from addin_api.crm.local.models import Deal

    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Deal)).scalar() > 0


def _outbox(args) -> int:
    from addin_api import create_app
    from addin_api.services.drain import drain_forever, drain_once

    state = create_app().extensions["addin_api"]
    deps = state.write_deps()
    try:
        if not args.loop:
            outcomes = drain_once(deps)
            print(", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())) or "nothing due")
            return 0
        stop = threading.Event()
        try:
            drain_forever(deps, args.interval, stop, housekeeping=lambda: _purge_state(state))
        except KeyboardInterrupt:
            stop.set()
        return 0
    finally:
        state.engine.dispose()


def _capture(args) -> int:
    from addin_api import create_app
    from addin_api.capture.runner import capture_forever, capture_once

    state = create_app().extensions["addin_api"]
    try:
        if not args.loop:
            print(capture_once(state))
            return 0
        stop = threading.Event()
        try:
            capture_forever(state, args.interval, stop)
        except KeyboardInterrupt:
            stop.set()
        return 0
    finally:
        state.engine.dispose()


def _purge(args) -> int:
    from addin_api import create_app

    state = create_app().extensions["addin_api"]
    try:
        counts = _purge_state(state)
    finally:
        state.engine.dispose()
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    return 0


def _purge_state(state) -> dict[str, int]:
    """Purge the app store of `state` by its retention settings."""
    import logging

    from addin_api.services.retention import purge

    counts = purge(state.outbox, state.idempotency, state.retention())
    logging.getLogger(__name__).info("purged old records", extra={"purged": counts})
    return counts


if __name__ == "__main__":
    sys.exit(main())
