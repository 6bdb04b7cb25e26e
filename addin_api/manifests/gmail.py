"""Render deployment.json for the Gmail add-on's HTTP deployment (`gcloud workspace-add-ons deployments create`)."""

from __future__ import annotations

from .common import ACCENT_COLOR, DISPLAY_NAME, icon_url

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
OAUTH_SCOPES = [
    SCOPE_PREFIX + "gmail.addons.execute",  # required for every Gmail add-on
    SCOPE_PREFIX + "gmail.addons.current.message.metadata",
    SCOPE_PREFIX + "gmail.addons.current.message.readonly",
    SCOPE_PREFIX + "userinfo.email",
]

# Fixed endpoint paths: the Gmail blueprint serves exactly these (callbacks post to /gmail/action).
HOMEPAGE_PATH = "/gmail/homepage"
MESSAGE_PATH = "/gmail/message"
ACTION_PATH = "/gmail/action"


def render_gmail_deployment(base: str) -> dict:
    """The HTTP deployment: homepage and unconditional contextual trigger, Google-signed ID token on every call."""
    return {
        "oauthScopes": list(OAUTH_SCOPES),
        "addOns": {
            "common": {
                "name": DISPLAY_NAME,
                "logoUrl": icon_url(base, "icon-128.png"),
                "layoutProperties": {"primaryColor": ACCENT_COLOR},
                "homepageTrigger": {"runFunction": base + HOMEPAGE_PATH},
            },
            "gmail": {
                # Contextual triggers take onTriggerFunction; runFunction here is rejected by the API.
                "contextualTriggers": [{"unconditional": {}, "onTriggerFunction": base + MESSAGE_PATH}],
            },
            # The backend verifies this token (audience = the endpoint URL called).
            "httpOptions": {"authorizationHeader": "SYSTEM_ID_TOKEN"},
        },
    }
