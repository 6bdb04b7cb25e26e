"""Activity capture: mailbox sources behind one port, chosen by `ADDIN_CAPTURE_SOURCE`."""

from __future__ import annotations

import importlib

# name -> "module:Class"; imported lazily so the unused vendor's libraries are never loaded.
SOURCES = {
    "microsoft": "addin_api.capture.microsoft:GraphSource",
    "google": "addin_api.capture.google:GoogleSource",
}


def build_source(settings, http):
    """Instantiate the configured mailbox source through its `from_settings` constructor."""
    module_name, class_name = SOURCES[settings.capture_source].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_settings(settings, http)
