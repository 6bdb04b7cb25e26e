"""Write every manifest for one public base URL and package version into an output folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .common import (
    DEFAULT_STATIC_DIR,
    GMAIL_FILE,
    PACKAGE_FILE,
    UNIFIED_FILE,
    XML_FILE,
    normalize_base_url,
    semver3,
)
from .gmail import render_gmail_deployment
from .outlook_xml import app_domains_for, render_outlook_xml
from .unified import dumps, render_unified, valid_domains_for, write_package

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


def render_all(
    base_url: str,
    out_dir: Path,
    version: str,
    settings: Any = None,
    *,
    static_dir: Path | None = None,
    allow_http: bool = False,
) -> list[Path]:
    """Write outlook-manifest.xml, manifest.json, outlook-app-package.zip and deployment.json; return their paths.

    `settings` supplies ms_client_id and ms_authority (a Settings or anything with those attributes, or None).
    """
    base = normalize_base_url(base_url, allow_http=allow_http)
    semver3(version)  # fail before writing anything
    client_id = (getattr(settings, "ms_client_id", "") or "").strip()
    authority = getattr(settings, "ms_authority", "") or DEFAULT_AUTHORITY
    static_dir = Path(static_dir) if static_dir else DEFAULT_STATIC_DIR
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    unified_text = dumps(render_unified(base, version, client_id, valid_domains_for(base, authority)))
    outputs = {
        XML_FILE: render_outlook_xml(base, version, app_domains_for(authority, base)),
        UNIFIED_FILE: unified_text,
        GMAIL_FILE: json.dumps(render_gmail_deployment(base), indent=2) + "\n",
    }
    written = []
    for name, text in outputs.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written.append(write_package(unified_text, out_dir / PACKAGE_FILE, static_dir))
    return written
