"""Outlook (XML + unified) and Gmail add-on manifests: rendering, offline checks and the `manifest` CLI."""

from __future__ import annotations

from .check import check_dir
from .cli import main
from .common import (
    OUTLOOK_XML_ID,
    UNIFIED_APP_ID,
    UNIFIED_MANIFEST_VERSION,
    ManifestError,
    office_version,
)
from .render import instance_ids, render_all

__all__ = [
    "ManifestError",
    "OUTLOOK_XML_ID",
    "UNIFIED_APP_ID",
    "UNIFIED_MANIFEST_VERSION",
    "check_dir",
    "main",
    "office_version",
    "instance_ids",
    "render_all",
]
