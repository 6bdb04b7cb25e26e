"""Render the unified Microsoft 365 app manifest (manifest.json) and its upload package (zip with two icons)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from .common import (
    ACCENT_COLOR,
    DISPLAY_NAME,
    GUID_RE,
    ICON_SOURCES,
    LONG_DESCRIPTION,
    OUTLOOK_XML_ID,
    PACKAGE_COLOR,
    PACKAGE_OUTLINE,
    PLACEHOLDER_CLIENT_ID,
    PROVIDER_NAME,
    SHORT_DESCRIPTION,
    UNIFIED_APP_ID,
    UNIFIED_FILE,
    UNIFIED_MANIFEST_VERSION,
    UNIFIED_SCHEMA_URL,
    ManifestError,
    icon_url,
    origin,
    semver3,
)
from .outlook_xml import BUTTON_LABEL, BUTTON_TOOLTIP, GROUP_LABEL

ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamp so the same inputs give a byte-identical package


def web_application_info(base: str, client_id: str) -> dict:
    """webApplicationInfo for admin consent at deployment: the API's Entra client id and api://<host>/<id>."""
    client_id = client_id or PLACEHOLDER_CLIENT_ID
    if not GUID_RE.match(client_id):
        raise ManifestError(
            f"ADDIN_MS_CLIENT_ID must be the Entra application (client) ID GUID (got {client_id!r})"
        )
    return {"id": client_id, "resource": f"api://{urlsplit(base).netloc}/{client_id}"}


def _icon(base: str, size: int, file_size: int | None = None) -> dict:
    """One extensionCommonIcon: declared size and absolute URL of icon-<file_size>.png."""
    return {"size": size, "url": icon_url(base, f"icon-{file_size or size}.png")}


def render_unified(base: str, version: str, client_id: str, valid_domains: list[str]) -> dict:
    """The unified manifest as a dict, for base URL `base` and package version X.Y.Z."""
    return {
        "$schema": UNIFIED_SCHEMA_URL,
        "manifestVersion": UNIFIED_MANIFEST_VERSION,
        "version": semver3(version),
        "id": UNIFIED_APP_ID,
        "localizationInfo": {"defaultLanguageTag": "en-us"},
        "developer": {
            "name": PROVIDER_NAME,
            "websiteUrl": f"{base}/support",
            "privacyUrl": f"{base}/privacy",
            "termsOfUseUrl": f"{base}/terms",
        },
        # A distinct full name keeps this app tellable apart from the XML add-in in the admin center.
        "name": {"short": DISPLAY_NAME, "full": f"{DISPLAY_NAME} (Microsoft 365 app)"},
        "description": {"short": SHORT_DESCRIPTION, "full": LONG_DESCRIPTION},
        "icons": {"outline": PACKAGE_OUTLINE, "color": PACKAGE_COLOR},
        "accentColor": ACCENT_COLOR,
        "validDomains": valid_domains,
        "webApplicationInfo": web_application_info(base, client_id),
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": "MailboxItem.Read.User", "type": "Delegated"},  # = ReadItem in the XML manifest
                ]
            }
        },
        "extensions": [
            {
                "requirements": {
                    "scopes": ["mail"],
                    "capabilities": [{"name": "Mailbox", "minVersion": "1.5"}],
                },
                "runtimes": [
                    {
                        "id": "TaskPaneRuntime",
                        "type": "general",
                        "code": {"page": f"{base}/taskpane.html"},
                        "lifetime": "short",
                        "actions": [
                            {"id": "OpenDealDesk", "type": "openPage", "view": "dealDesk", "pinnable": True}
                        ],
                    }
                ],
                "ribbons": [
                    {
                        "contexts": ["mailRead"],
                        "tabs": [
                            {
                                "builtInTabId": "TabDefault",
                                "groups": [
                                    {
                                        "id": "DealDeskGroup",
                                        "label": GROUP_LABEL,
                                        "controls": [
                                            {
                                                "id": "DealDeskOpenPane",
                                                "type": "button",
                                                "label": BUTTON_LABEL,
                                                "icons": [_icon(base, 16), _icon(base, 32), _icon(base, 80)],
                                                "supertip": {
                                                    "title": BUTTON_LABEL,
                                                    "description": BUTTON_TOOLTIP,
                                                },
                                                "actionId": "OpenDealDesk",
                                            }
                                        ],
                                    }
                                ],
                            }
                        ],
                    }
                ],
                "alternates": [
                    {
                        # Where both manifests reach a user, Outlook shows only this app's button, not the XML one too.
                        "hide": {"customOfficeAddin": {"officeAddinId": OUTLOOK_XML_ID}},
                        # The schema's icon sizes stop at 80, so the 128 px file is declared as size 64 (as Microsoft's samples do).
                        "alternateIcons": {
                            "icon": _icon(base, 64),
                            "highResolutionIcon": _icon(base, 64, file_size=128),
                        },
                    }
                ],
            }
        ],
    }


def valid_domains_for(base: str, authority: str) -> list[str]:
    """validDomains: the add-in's own origin plus the HTTPS sign-in authority origin."""
    domains = [origin(base)]
    auth = origin(authority) if authority else ""
    if auth.startswith("https://") and auth not in domains:
        domains.append(auth)
    return domains


def write_package(manifest_text: str, zip_path: Path, static_dir: Path) -> Path:
    """Write the app package: manifest.json plus color.png and outline.png at the zip root."""
    icons = {}
    for name, source in ICON_SOURCES.items():
        path = static_dir / "icons" / source
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


def dumps(manifest: dict) -> str:
    """Stable, readable JSON text for a manifest."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
