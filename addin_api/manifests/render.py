"""Render the manifest templates in manifest/ for one base URL, instance and version into an output folder."""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from .common import (
    DISPLAY_NAME,
    GMAIL_FILE,
    GUID_RE,
    ICON_SOURCES,
    OUTLOOK_XML_ID,
    PACKAGE_FILE,
    PLACEHOLDER_CLIENT_ID,
    PRODUCTION,
    TEMPLATE_DIR,
    UNIFIED_APP_ID,
    UNIFIED_FILE,
    XML_FILE,
    ManifestError,
    normalize_base_url,
    origin,
    semver3,
)

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
CLIENTS = {"outlook": (XML_FILE, UNIFIED_FILE), "gmail": (GMAIL_FILE,)}
PLACEHOLDER_RE = re.compile(r"\{\{([A-Z_]+)\}\}")
# The unified manifest caps name.short at 30 characters: "Deal Desk for CRM (" + name + ")".
INSTANCE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,9}$")
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamp so the same inputs give a byte-identical package


def parse_clients(raw: str | None) -> tuple[str, ...]:
    """`outlook,gmail` → ('gmail', 'outlook'); unknown names raise."""
    names = tuple(sorted({part.strip() for part in (raw or "").split(",") if part.strip()}))
    unknown = [n for n in names if n not in CLIENTS]
    if unknown or not names:
        raise ManifestError(f"--clients takes a comma-separated list of {', '.join(CLIENTS)} (got {raw!r})")
    return names


def instance_ids(instance: str) -> tuple[str, str]:
    """(XML add-in id, unified app id): production keeps the shipped ids, others derive stable ones."""
    if not INSTANCE_RE.match(instance or ""):
        raise ManifestError(
            f"--instance must be 1-10 lower-case letters, digits or dashes, like staging (got {instance!r})"
        )
    if instance == PRODUCTION:
        return OUTLOOK_XML_ID, UNIFIED_APP_ID
    return str(uuid.uuid5(uuid.UUID(OUTLOOK_XML_ID), instance)), str(
        uuid.uuid5(uuid.UUID(UNIFIED_APP_ID), instance)
    )


def display_name(instance: str) -> str:
    """The add-in's name; non-production instances carry theirs so admins and reps can tell them apart."""
    return DISPLAY_NAME if instance == PRODUCTION else f"{DISPLAY_NAME} ({instance})"


def template_values(base: str, version: str, instance: str, settings: Any) -> dict[str, str]:
    """Every placeholder's value, unescaped."""
    client_id = (getattr(settings, "ms_client_id", "") or "").strip() or PLACEHOLDER_CLIENT_ID
    if not GUID_RE.match(client_id):
        raise ManifestError(
            f"ADDIN_MS_CLIENT_ID must be the Entra application (client) ID GUID (got {client_id!r})"
        )
    authority = origin(getattr(settings, "ms_authority", "") or DEFAULT_AUTHORITY)
    addin_id, app_id = instance_ids(instance)
    return {
        "BASE_URL": base,
        "BASE_ORIGIN": origin(base),
        "BASE_HOST": urlsplit(base).netloc,
        "VERSION": semver3(version),
        "ADDIN_ID": addin_id,
        "APP_ID": app_id,
        "DISPLAY_NAME": display_name(instance),
        "MS_CLIENT_ID": client_id,
        # A non-HTTPS authority (the demo IdP) cannot be an app domain; Entra's public one stands in.
        "SIGN_IN_ORIGIN": authority if authority.startswith("https://") else DEFAULT_AUTHORITY,
    }


def fill(text: str, values: dict[str, str], escape_value) -> str:
    """Replace every {{NAME}} in text by escape_value(values[NAME]); an unknown name is an error."""
    unknown = sorted(set(PLACEHOLDER_RE.findall(text)) - set(values))
    if unknown:
        raise ManifestError(f"template uses unknown placeholders: {', '.join(unknown)}")
    return PLACEHOLDER_RE.sub(lambda m: escape_value(values[m.group(1)]), text)


def _xml_value(value: str) -> str:
    """Safe in XML text and in double- or single-quoted attributes."""
    return escape(value, {'"': "&quot;", "'": "&apos;"})


def _json_value(value: str) -> str:
    """Safe inside a JSON string literal."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def render_text(name: str, values: dict[str, str], templates_dir: Path) -> str:
    """One filled template; XML templates get XML escaping, JSON ones JSON escaping."""
    path = templates_dir / name
    if not path.is_file():
        raise ManifestError(f"template {path} is missing")
    return fill(
        path.read_text(encoding="utf-8"), values, _xml_value if name.endswith(".xml") else _json_value
    )


def write_package(manifest_text: str, zip_path: Path, templates_dir: Path) -> Path:
    """Write the app package: manifest.json plus color.png and outline.png at the zip root."""
    icons = {}
    for name, source in ICON_SOURCES.items():
        path = templates_dir / "icons" / source
        if not path.is_file():
            raise ManifestError(f"icon {path} is missing; run `python tools/make_icons.py`")
        icons[name] = path.read_bytes()
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [(UNIFIED_FILE, manifest_text.encode("utf-8")), *icons.items()]:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return zip_path


def render_all(
    base_url: str,
    out_dir: Path,
    version: str,
    settings: Any = None,
    *,
    instance: str = PRODUCTION,
    clients: tuple[str, ...] = tuple(CLIENTS),
    templates_dir: Path | None = None,
    allow_http: bool = False,
) -> list[Path]:
    """Write the enabled clients' manifests (Outlook: XML, manifest.json and its zip; Gmail: deployment.json).

    `settings` supplies ms_client_id and ms_authority (a Settings or anything with those attributes, or None).
    """
    templates_dir = Path(templates_dir) if templates_dir else TEMPLATE_DIR
    values = template_values(normalize_base_url(base_url, allow_http=allow_http), version, instance, settings)
    texts = {name: render_text(name, values, templates_dir) for c in clients for name in CLIENTS[c]}
    out_dir = Path(out_dir)  # everything is rendered before the first file is written
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        (out_dir / name).write_text(text, encoding="utf-8")
        written.append(out_dir / name)
    if UNIFIED_FILE in texts:
        written.append(write_package(texts[UNIFIED_FILE], out_dir / PACKAGE_FILE, templates_dir))
    return written
