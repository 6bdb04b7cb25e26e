"""check_dir: run every manifest check on a folder written by `addin-api manifest` and list the problems."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .check_gmail import check_gmail_deployment
from .check_unified import check_package, check_unified, find_node_modules
from .check_xml import check_outlook_xml
from .common import GMAIL_FILE, NS_APP, PACKAGE_FILE, TEMPLATE_DIR, UNIFIED_FILE, XML_FILE

KNOWN_FILES = (XML_FILE, UNIFIED_FILE, PACKAGE_FILE, GMAIL_FILE)


def _xml_id_and_version(text: str) -> tuple[str | None, str | None]:
    """<Id> and <Version> of an XML manifest, or None where unreadable."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None, None
    ident, version = root.find(f"{{{NS_APP}}}Id"), root.find(f"{{{NS_APP}}}Version")
    return (
        ident.text.strip() if ident is not None and ident.text else None,
        version.text.strip() if version is not None and version.text else None,
    )


def _cross_checks(xml_text: str, unified_text: str) -> list[str]:
    """The two Outlook manifests must be distinct apps, linked, and at the same version."""
    xml_id, xml_version = _xml_id_and_version(xml_text)
    try:
        unified = json.loads(unified_text)
    except ValueError:
        return []
    if not isinstance(unified, dict) or xml_id is None:
        return []
    out = []
    if str(unified.get("id", "")).lower() == xml_id.lower():
        out.append(
            "manifest.json id equals the XML <Id>; Microsoft requires a different GUID for the unified app"
        )
    hidden = [
        ((alt.get("hide") or {}).get("customOfficeAddin") or {}).get("officeAddinId")
        for ext in unified.get("extensions") or []
        if isinstance(ext, dict)
        for alt in ext.get("alternates") or []
        if isinstance(alt, dict)
    ]
    if xml_id not in hidden:
        out.append(
            "manifest.json does not hide the XML add-in (extensions[0].alternates[].hide.customOfficeAddin"
            ".officeAddinId); users with both would see two buttons"
        )
    if xml_version and re.sub(r"\.0$", "", xml_version) != unified.get("version"):
        out.append(f"versions differ: XML {xml_version} vs manifest.json {unified.get('version')}")
    return out


CLIENT_FILES = {"outlook": (XML_FILE, UNIFIED_FILE, PACKAGE_FILE), "gmail": (GMAIL_FILE,)}


def enabled_clients(directory: Path) -> tuple[str, ...]:
    """The clients whose manifests are in directory (what `manifest check` checks without --clients)."""
    return tuple(
        c for c, names in CLIENT_FILES.items() if any((Path(directory) / n).is_file() for n in names)
    )


def _missing(directory: Path, clients: tuple[str, ...]) -> list[str]:
    """A problem per enabled client none of whose files is in directory."""
    return [
        f"{directory} holds no {client} manifest ({' or '.join(CLIENT_FILES[client])}); "
        f"render it with `addin-api manifest --clients {client}` or leave {client} out of --clients"
        for client in clients
        if not any((directory / n).is_file() for n in CLIENT_FILES[client])
    ]


def check_dir(
    directory: Path,
    *,
    clients: tuple[str, ...] | None = None,
    icons_root: Path | None = None,
    node_modules: Path | None = None,
) -> list[str]:
    """Human-readable problems of the enabled clients' manifests in directory (empty = all valid).

    clients: ("outlook", "gmail") or a subset; None = those with a file in directory. Files of other clients
    are ignored, so a Gmail-only organisation never needs an Outlook client id. icons_root holds icons/
    (default: the repo's manifest/), where /static/icons/ URLs are looked up.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return [f"{directory} is not a folder"]
    if clients is None:
        clients = enabled_clients(directory)
        if not clients:
            return [f"{directory} holds none of {', '.join(KNOWN_FILES)}"]
    static_dir = Path(icons_root) if icons_root else TEMPLATE_DIR
    wanted = [name for client in clients for name in CLIENT_FILES[client]]
    present = {name: directory / name for name in wanted if (directory / name).is_file()}
    node_modules = (
        find_node_modules(node_modules) if (UNIFIED_FILE in present or PACKAGE_FILE in present) else None
    )
    problems: list[str] = _missing(directory, clients)
    texts = {
        n: p.read_text(encoding="utf-8-sig", errors="replace")
        for n, p in present.items()
        if n != PACKAGE_FILE
    }

    if XML_FILE in texts:
        problems += [f"{XML_FILE}: {p}" for p in check_outlook_xml(texts[XML_FILE], static_dir)]
    if UNIFIED_FILE in texts:
        problems += [
            f"{UNIFIED_FILE}: {p}" for p in check_unified(texts[UNIFIED_FILE], static_dir, node_modules)
        ]
    packaged = None
    if PACKAGE_FILE in present:
        package_problems, packaged = check_package(
            present[PACKAGE_FILE].read_bytes(), static_dir, node_modules, checked_text=texts.get(UNIFIED_FILE)
        )
        problems += [f"{PACKAGE_FILE}: {p}" for p in package_problems]
        if packaged is not None and UNIFIED_FILE in texts and packaged != texts[UNIFIED_FILE]:
            problems.append(f"{PACKAGE_FILE}: its {UNIFIED_FILE} differs from {UNIFIED_FILE} in the folder")
    unified_text = texts.get(UNIFIED_FILE, packaged)
    if XML_FILE in texts and unified_text is not None:
        problems += [
            f"{XML_FILE} + {UNIFIED_FILE}: {p}" for p in _cross_checks(texts[XML_FILE], unified_text)
        ]
    if GMAIL_FILE in texts:
        problems += [f"{GMAIL_FILE}: {p}" for p in check_gmail_deployment(texts[GMAIL_FILE])]
    return problems


def checked_files(directory: Path, clients: tuple[str, ...] | None = None) -> list[str]:
    """Names of the enabled clients' manifest files present in directory, for the CLI's OK line."""
    clients = enabled_clients(directory) if clients is None else clients
    names = [name for client in clients for name in CLIENT_FILES[client]]
    return [name for name in names if (Path(directory) / name).is_file()]
