"""`addin-api lexicon export|import`: move an organisation's learned terms between installations."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str]) -> int:
    """Export an org's counts as JSON to stdout, or import a file (or stdin) into an org (replacing)."""
    parser = argparse.ArgumentParser(prog="addin-api lexicon", description=__doc__)
    parser.add_argument("action", choices=["export", "import"])
    parser.add_argument("--org", required=True, help="organisation key (Entra tenant id, or google:<domain>)")
    parser.add_argument("file", nargs="?", help="import: the exported JSON file (default: stdin)")
    args = parser.parse_intermixed_args(argv)
    from addin_api.config import load_settings
    from addin_api.migrations import require_head
    from addin_api.signals import service
    from addin_api.store.db import make_engine, make_session_factory
    from addin_api.store.lexicon import SqlLexicon

    engine = make_engine(load_settings().sqlalchemy_url)
    try:
        require_head(engine)
        lexicon = SqlLexicon(make_session_factory(engine))
        if args.action == "export":
            json.dump(service.export_document(lexicon, args.org), sys.stdout, indent=1)
            sys.stdout.write("\n")
            return 0
        return _import(lexicon, args.org, args.file)
    finally:
        engine.dispose()


def _import(lexicon, org: str, path: str | None) -> int:
    from addin_api.signals import service

    try:
        with open(path, encoding="utf-8") if path else sys.stdin as f:
            count = service.import_document(lexicon, org, json.load(f))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot import: {exc}", file=sys.stderr)
        return 2
    print(f"imported {count} terms into {org}", file=sys.stderr)
    return 0
