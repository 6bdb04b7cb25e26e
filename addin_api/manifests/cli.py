"""`addin-api manifest` command: render the manifests for a base URL, or check a folder of them."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from .check import check_dir, checked_files
from .common import PRODUCTION, ManifestError, normalize_base_url
from .render import parse_clients, render_all

USAGE = """\
addin-api manifest [--base-url URL] [--instance NAME] [--clients outlook,gmail] --out DIR [--version X.Y.Z]
                   [--allow-http] [--templates DIR]
addin-api manifest check DIR [--clients outlook,gmail] [--node-modules DIR] [--templates DIR]"""


def _render_parser() -> argparse.ArgumentParser:
    """Options of the render form."""
    p = argparse.ArgumentParser(
        prog="addin-api manifest",
        usage=USAGE,
        description="Fill the templates in manifest/: the Outlook (XML + unified) and Gmail manifests.",
    )
    p.add_argument("--base-url", default=None, help="public HTTPS base URL (default: $ADDIN_PUBLIC_BASE_URL)")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument(
        "--instance",
        default=PRODUCTION,
        help="instance name, like staging: its own add-in ids and a name suffix, so instances can share a "
        f"tenant (default: {PRODUCTION}, which keeps the shipped ids and plain name)",
    )
    p.add_argument("--clients", default="outlook,gmail", help="which manifests to write (default: both)")
    p.add_argument(
        "--version",
        default=None,
        help="X.Y.Z; bump it for every change you ship (default: addin_api.__version__)",
    )
    p.add_argument(
        "--allow-http", action="store_true", help="accept http:// for a loopback host (development only)"
    )
    p.add_argument(
        "--templates", type=Path, default=None, help="template folder (default: the repo's manifest/)"
    )
    return p


def _check_parser() -> argparse.ArgumentParser:
    """Options of the check form."""
    p = argparse.ArgumentParser(
        prog="addin-api manifest check",
        usage=USAGE,
        description="Check manifests written by `addin-api manifest`.",
    )
    p.add_argument("dir", type=Path)
    p.add_argument(
        "--node-modules",
        type=Path,
        default=None,
        help="node_modules holding @microsoft/app-manifest (default: repo root, then cwd upwards)",
    )
    p.add_argument(
        "--clients",
        default=None,
        help="the clients this deployment enables, like gmail (default: those with a file in DIR)",
    )
    p.add_argument(
        "--templates", type=Path, default=None, help="folder holding icons/ (default: the repo's manifest/)"
    )
    return p


def _settings_from_env():
    """Only the settings the manifests use; building full Settings would demand unrelated secrets."""
    from addin_api.config import Settings

    values = {
        name: os.environ[f"ADDIN_{name.upper()}"]
        for name in ("ms_client_id", "ms_authority")
        if f"ADDIN_{name.upper()}" in os.environ
    }
    return Settings(**values)


def _package_version() -> str | None:
    """addin_api.__version__, if the package defines it."""
    return getattr(importlib.import_module("addin_api"), "__version__", None)


def _render(argv: list[str]) -> int:
    """Render form; returns the exit code."""
    args = _render_parser().parse_args(argv)
    base_url = args.base_url or os.environ.get("ADDIN_PUBLIC_BASE_URL")
    if not base_url:
        print("error: pass --base-url https://HOST or set ADDIN_PUBLIC_BASE_URL", file=sys.stderr)
        return 2
    version = args.version or _package_version()
    if not version:
        print("error: addin_api.__version__ is not defined; pass --version X.Y.Z", file=sys.stderr)
        return 2
    settings = _settings_from_env()
    try:
        base = normalize_base_url(base_url, allow_http=args.allow_http)
        clients = parse_clients(args.clients)
        paths = render_all(
            base,
            args.out,
            version,
            settings,
            instance=args.instance,
            clients=clients,
            templates_dir=args.templates,
            allow_http=args.allow_http,
        )
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if base.startswith("http://"):
        print(
            "warning: http:// base URL: for local development only; Outlook and Gmail will refuse it",
            file=sys.stderr,
        )
    if "outlook" in clients and not settings.ms_client_id:
        print(
            "warning: ADDIN_MS_CLIENT_ID is not set; manifest.json carries a placeholder "
            "webApplicationInfo.id and will fail `addin-api manifest check`",
            file=sys.stderr,
        )
    for path in paths:
        print(path)
    return 0


def _check(argv: list[str]) -> int:
    """Check form; prints problems and returns 1 if any, else prints one OK line and returns 0."""
    args = _check_parser().parse_args(argv)
    try:
        clients = parse_clients(args.clients) if args.clients is not None else None
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems = check_dir(args.dir, clients=clients, icons_root=args.templates, node_modules=args.node_modules)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"OK: {', '.join(checked_files(args.dir, clients))} passed all checks")
    return 0


def main(argv: list[str]) -> int:
    """Entry for `addin-api manifest ...`: argv follows `manifest` (a leading "manifest" is tolerated)."""
    argv = list(argv)
    if argv[:1] == ["manifest"]:
        argv = argv[1:]
    try:
        if argv[:1] == ["check"]:
            return _check(argv[1:])
        return _render(argv)
    except SystemExit as exc:  # argparse exits on bad usage/--help; report it as a code instead
        return exc.code if isinstance(exc.code, int) else 2
