"""CRM adapters behind one port, chosen by the `ADDIN_CRM` setting."""

from __future__ import annotations

import importlib

# name -> "module:Class"; imported lazily so an unused adapter costs nothing at start-up.
BACKENDS = {
    "local": "addin_api.crm.local.adapter:LocalCrm",
    "salesforce": "addin_api.crm.salesforce.adapter:SalesforceCrm",
    "hubspot": "addin_api.crm.hubspot.adapter:HubSpotCrm",
}


def build_crm(settings, **deps):
    """Instantiate the configured adapter through its `from_settings` constructor."""
    module_name, class_name = BACKENDS[settings.crm].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_settings(settings, **deps)
