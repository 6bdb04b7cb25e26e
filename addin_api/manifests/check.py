"""check_dir: run every manifest check on a folder written by `addin-api manifest` and list the problems."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .check_gmail import check_gmail_deployment
from .check_unified import check_package, check_unified, find_node_modules
from .check_xml import check_outlook_xml
from .common import DEFAULT_STATIC_DIR, GMAIL_FILE, PACKAGE_FILE, UNIFIED_FILE, XML_FILE
from .outlook_xml import NS_APP

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


def check_dir(
    directory: Path, *, static_dir: Path | None = None, node_modules: Path | None = None
) -> list[str]:
    """Human-readable problems of the manifests in directory (empty = all valid); each names file and place."""
    directory = Path(directory)
    if not directory.is_dir():
        return [f"{directory} is not a folder"]
    static_dir = Path(static_dir) if static_dir else DEFAULT_STATIC_DIR
    present = {name: directory / name for name in KNOWN_FILES if (directory / name).is_file()}
    if not present:
        return [f"{directory} holds none of {', '.join(KNOWN_FILES)}"]
    node_modules = (
        find_node_modules(node_modules) if (UNIFIED_FILE in present or PACKAGE_FILE in present) else None
    )
    problems: list[str] = []
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


def checked_files(directory: Path) -> list[str]:
    """Names of the known manifest files present in directory, for the CLI's OK line."""
    return [name for name in KNOWN_FILES if (Path(directory) / name).is_file()]
