"""Constants, URL/version helpers and the PNG header reader shared by the manifest renderers and checks."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from urllib.parse import urlsplit

# Stable identities of the production instance: never change them, or tenants see a new add-in instead of an
# update. Other instances derive theirs from these (see instance_ids). The unified app needs an id different
# from the XML add-in's, and hides it via alternates.
OUTLOOK_XML_ID = "66617504-5807-43f0-947f-1263bfb1e85f"
UNIFIED_APP_ID = "6d13ae8a-441b-4642-a488-31b801f791c8"
PLACEHOLDER_CLIENT_ID = "00000000-0000-0000-0000-000000000000"
PRODUCTION = "production"
DISPLAY_NAME = "Deal Desk for CRM"

# Newest schema shipped by @microsoft/app-manifest 1.1.2 (build/json-schemas/teams/v1.30);
# manifest/manifest.json names it in $schema.
UNIFIED_MANIFEST_VERSION = "1.30"

# XML namespaces of the add-in only manifest.
NS_APP = "http://schemas.microsoft.com/office/appforoffice/1.1"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_BT = "http://schemas.microsoft.com/office/officeappbasictypes/1.0"
NS_VO10 = "http://schemas.microsoft.com/office/mailappversionoverrides"
NS_VO11 = "http://schemas.microsoft.com/office/mailappversionoverrides/1.1"

# Paths the Gmail blueprint serves; manifest/deployment.json points Google at them.
GMAIL_HOMEPAGE_PATH = "/gmail/homepage"
GMAIL_MESSAGE_PATH = "/gmail/message"
GMAIL_ACTION_PATH = "/gmail/action"
GMAIL_SCOPE_PREFIX = "https://www.googleapis.com/auth/"

# File names, both as written by render_all and as looked for by check_dir.
XML_FILE = "outlook-manifest.xml"
UNIFIED_FILE = "manifest.json"
PACKAGE_FILE = "outlook-app-package.zip"
GMAIL_FILE = "deployment.json"
PACKAGE_COLOR = "color.png"
PACKAGE_OUTLINE = "outline.png"

ICON_SOURCES = {PACKAGE_COLOR: "icon-192.png", PACKAGE_OUTLINE: "outline-32.png"}

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SEMVER3_RE = re.compile(r"^(\d{1,5})\.(\d{1,5})\.(\d{1,5})$")
OFFICE_VERSION_RE = re.compile(r"^\d{1,5}\.\d{1,5}\.\d{1,5}\.\d{1,5}$")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

REPO_ROOT = Path(__file__).resolve().parents[2]
# The templates and icons are read from the checkout, like static/ (README: "Running from a checkout").
TEMPLATE_DIR = REPO_ROOT / "manifest"


class ManifestError(ValueError):
    """An input (base URL, version, client id) cannot produce a valid manifest; the message says which."""


def office_version(version: str) -> str:
    """Map the package version X.Y.Z to the XML manifest's X.Y.Z.0 (each part at most 5 digits)."""
    return f"{semver3(version)}.0"


def semver3(version: str) -> str:
    """Return X.Y.Z or raise: suffixes like rc1/dev0 have no place in Office's numeric versions."""
    if not SEMVER3_RE.match(version or ""):
        raise ManifestError(
            f"version must be X.Y.Z with up to 5 digits per part (got {version!r}); "
            "Office manifests cannot express pre-release or local suffixes"
        )
    return version


def normalize_base_url(base_url: str, allow_http: bool = False) -> str:
    """Validate the public base URL (HTTPS, no query/fragment) and return it without a trailing slash."""
    parts = urlsplit(base_url or "")
    if not parts.scheme or not parts.hostname:
        raise ManifestError(f"base URL must be absolute, like https://addin.example.com (got {base_url!r})")
    if parts.query or parts.fragment:
        raise ManifestError("base URL must not carry a query string or fragment")
    if parts.scheme != "https" and not (
        allow_http and parts.scheme == "http" and is_loopback(parts.hostname)
    ):
        raise ManifestError(
            f"base URL must use HTTPS (got {base_url!r}); Office and Google load add-ins only over HTTPS. "
            "--allow-http is accepted for loopback development hosts only"
        )
    return base_url.rstrip("/")


def is_loopback(host: str | None) -> bool:
    """True for localhost, ::1 and the 127.0.0.0/8 range."""
    host = (host or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased, for same-origin comparisons."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def local_static_file(url: str, static_dir: Path) -> Path | None:
    """Map a .../static/<path> URL to the file under static_dir (manifest/ for icons), else None."""
    path = urlsplit(url).path
    marker = "/static/"
    if marker not in path:
        return None
    rest = path.split(marker, 1)[1]
    if not rest or ".." in rest.split("/"):
        return None
    return static_dir / rest


class PngInfo(tuple):
    """(width, height, has_alpha) read from a PNG's header chunks."""

    __slots__ = ()

    @property
    def width(self) -> int:
        """Pixel width."""
        return self[0]

    @property
    def height(self) -> int:
        """Pixel height."""
        return self[1]

    @property
    def has_alpha(self) -> bool:
        """True for colour types with alpha (4, 6) or a tRNS chunk."""
        return self[2]


def png_info(data: bytes) -> PngInfo | None:
    """Read width, height and transparency from PNG bytes without decoding pixels; None if not a PNG."""
    if len(data) < 33 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height, _depth, colour_type = struct.unpack(">IIBB", data[16:26])
    has_alpha = colour_type in (4, 6)
    pos = 33  # signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC)
    while not has_alpha and pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind in (b"IDAT", b"IEND"):
            break  # tRNS must come before the image data
        has_alpha = kind == b"tRNS"
        pos += 12 + length
    return PngInfo((width, height, has_alpha))


def load_json_object(text: str) -> tuple[dict | None, list[str]]:
    """Parse a manifest's JSON text: the object, or None with the problem that stopped parsing."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, [f"not valid JSON: {exc}"]
    if not isinstance(data, dict):
        return None, ["top level must be a JSON object"]
    return data, []
