"""`addin-api hubspot setup`: create, once, every custom HubSpot property the add-in writes.

Docs: https://developers.hubspot.com/docs/api-reference/latest/crm/properties (`GET/POST
/crm/properties/2026-03/{objectType}[/{name}]`, groups under `.../groups`). Existing ones are left alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import requests

from addin_api.crm.hubspot.client import VERSION, HubSpotClient
from addin_api.crm.port import CrmError, CrmNotFound

PROPERTIES = f"/crm/properties/{VERSION}"
GROUP = {"name": "addin", "label": "Inbox add-in", "displayOrder": -1}


def wanted(settings) -> list[tuple[str, dict]]:
    """(object type, property definition) for every custom property the add-in writes, named by settings."""

    def text(name: str, label: str, description: str) -> dict:
        return {
            "name": name,
            "label": label,
            "description": description,
            "type": "string",
            "fieldType": "text",
            "groupName": GROUP["name"],
        }

    return [
        ("emails", text(settings.hubspot_rating_property, "Add-in rating", "The rep's rating of the email.")),
        (
            "emails",
            text(settings.hubspot_message_id_property, "Message-ID", "Finds a logged email again."),
        ),
        (
            "deals",
            text(
                settings.hubspot_changed_by_property, "Changed by (add-in)", "The rep behind the last change."
            ),
        ),
    ]


def setup(client: HubSpotClient, token: str, settings, say: Callable[[str], None]) -> int:
    """Create what is missing (our group first), one line per property; returns how many were created."""
    created, groups = 0, set()
    for kind, definition in wanted(settings):
        where = f"{kind}.{definition['name']}"
        if _exists(client, token, f"{PROPERTIES}/{kind}/{definition['name']}"):
            say(f"{where}: already exists, left alone")
            continue
        if kind not in groups and not _exists(client, token, f"{PROPERTIES}/{kind}/groups/{GROUP['name']}"):
            client.send(token, "POST", f"{PROPERTIES}/{kind}/groups", GROUP)
        groups.add(kind)
        client.send(token, "POST", f"{PROPERTIES}/{kind}", definition)
        say(f"{where}: created")
        created += 1
    return created


def _exists(client: HubSpotClient, token: str, path: str) -> bool:
    try:
        client.send(token, "GET", path)
    except CrmNotFound:
        return False
    return True


def main(argv: list[str]) -> int:
    """Run the setup with ADDIN_HUBSPOT_* settings; the account token needs the crm.schemas.*.write scopes."""
    parser = argparse.ArgumentParser(prog="addin-api hubspot", description=__doc__)
    parser.add_argument("action", choices=["setup"])
    parser.parse_args(argv)
    from addin_api.config import load_settings
    from addin_api.crm.hubspot.auth import AppToken

    settings = load_settings()
    if not settings.hubspot_access_token:
        print(
            "ADDIN_HUBSPOT_ACCESS_TOKEN is required: the setup runs with the account's app token",
            file=sys.stderr,
        )
        return 2
    with requests.Session() as http:
        token = settings.hubspot_access_token
        client = HubSpotClient(
            http,
            settings.hubspot_api_url,
            AppToken(token),
            settings.crm_timeout_seconds,
            settings.hubspot_rate_limit_wait_seconds,
        )
        try:
            setup(client, token, settings, print)
        except CrmError as exc:
            print(f"HubSpot refused: {exc.message}", file=sys.stderr)
            return 1
    return 0
