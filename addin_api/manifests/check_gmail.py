"""Checks of the Gmail add-on deployment.json against the gsuiteaddons v1 Deployment fields and HTTP rules."""

from __future__ import annotations

from .common import GMAIL_SCOPE_PREFIX as SCOPE_PREFIX
from .common import load_json_object, origin

# Field names of google.cloud.gsuiteaddons.v1.Deployment and google.apps.script.type messages (JSON names).
TOP_FIELDS = {"oauthScopes", "addOns"}  # name/etag are set by the API and the CLI, not by the file
ADDONS_FIELDS = {"common", "gmail", "drive", "calendar", "docs", "sheets", "slides", "httpOptions"}
COMMON_FIELDS = {
    "name",
    "logoUrl",
    "layoutProperties",
    "addOnWidgetSet",
    "useLocaleFromApp",
    "homepageTrigger",
    "universalActions",
    "openLinkUrlPrefixes",
}
GMAIL_FIELDS = {
    "homepageTrigger",
    "contextualTriggers",
    "universalActions",
    "composeTrigger",
    "authorizationCheckFunction",
}
# granularOauthPermissionSupport is accepted by the live API although the published protos lack it.
HTTP_OPTIONS_FIELDS = {"authorizationHeader", "granularOauthPermissionSupport"}
AUTH_HEADERS = {"SYSTEM_ID_TOKEN", "USER_ID_TOKEN", "NONE"}
TRIGGER_FIELDS = {"unconditional", "onTriggerFunction"}
HOMEPAGE_FIELDS = {"runFunction", "enabled"}
LAYOUT_FIELDS = {"primaryColor", "secondaryColor"}
UNIVERSAL_FIELDS = {"label", "text", "openLink", "runFunction"}
COMPOSE_FIELDS = {"actions", "draftAccess"}
MENU_ITEM_FIELDS = {"runFunction", "label", "logoUrl"}


def _unknown(obj: dict, allowed: set[str], where: str, out: list[str]) -> None:
    """Report keys the Deployment message does not define (the API rejects unknown fields)."""
    for key in sorted(set(obj) - allowed):
        out.append(f"unknown field {where}.{key} (allowed: {', '.join(sorted(allowed))})")


def _obj(value, where: str, out: list[str]) -> dict:
    """value if it is a JSON object, else report and return {}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        out.append(f"{where} must be an object")
        return {}
    return value


def _functions(addons: dict):
    """Yield (path, url) for every endpoint or image URL in the add-on configuration."""
    common, gmail = addons.get("common") or {}, addons.get("gmail") or {}
    if isinstance(common, dict):
        if "logoUrl" in common:
            yield "addOns.common.logoUrl", common["logoUrl"]
        if isinstance(common.get("homepageTrigger"), dict) and "runFunction" in common["homepageTrigger"]:
            yield "addOns.common.homepageTrigger.runFunction", common["homepageTrigger"]["runFunction"]
        for i, ua in enumerate(common.get("universalActions") or []):
            for key in ("runFunction", "openLink"):
                if isinstance(ua, dict) and key in ua:
                    yield f"addOns.common.universalActions[{i}].{key}", ua[key]
    if isinstance(gmail, dict):
        if isinstance(gmail.get("homepageTrigger"), dict) and "runFunction" in gmail["homepageTrigger"]:
            yield "addOns.gmail.homepageTrigger.runFunction", gmail["homepageTrigger"]["runFunction"]
        for i, trig in enumerate(gmail.get("contextualTriggers") or []):
            if isinstance(trig, dict) and "onTriggerFunction" in trig:
                yield f"addOns.gmail.contextualTriggers[{i}].onTriggerFunction", trig["onTriggerFunction"]
        for i, ua in enumerate(gmail.get("universalActions") or []):
            for key in ("runFunction", "openLink"):
                if isinstance(ua, dict) and key in ua:
                    yield f"addOns.gmail.universalActions[{i}].{key}", ua[key]
        compose = gmail.get("composeTrigger") or {}
        for i, action in enumerate(compose.get("actions") or [] if isinstance(compose, dict) else []):
            if isinstance(action, dict) and "runFunction" in action:
                yield f"addOns.gmail.composeTrigger.actions[{i}].runFunction", action["runFunction"]
        if "authorizationCheckFunction" in gmail:
            yield "addOns.gmail.authorizationCheckFunction", gmail["authorizationCheckFunction"]


def _check_gmail_section(gmail: dict, out: list[str]) -> None:
    """Known fields of addOns.gmail; contextual triggers need unconditional + onTriggerFunction."""
    _unknown(gmail, GMAIL_FIELDS, "addOns.gmail", out)
    triggers = gmail.get("contextualTriggers")
    if not triggers:
        out.append("addOns.gmail.contextualTriggers is missing: the add-on would never see the open message")
    elif not isinstance(triggers, list):
        out.append("addOns.gmail.contextualTriggers must be a list")
        triggers = []
    for i, trig in enumerate(triggers or []):
        where = f"addOns.gmail.contextualTriggers[{i}]"
        trig = _obj(trig, where, out)
        if "runFunction" in trig:
            out.append(f"{where} uses runFunction; contextual triggers take onTriggerFunction")
        _unknown({k: v for k, v in trig.items() if k != "runFunction"}, TRIGGER_FIELDS, where, out)
        if "onTriggerFunction" not in trig:
            out.append(f"{where}.onTriggerFunction is missing")
        if trig.get("unconditional") != {}:
            out.append(f"{where}.unconditional must be present and an empty object {{}}")
    if "homepageTrigger" in gmail:
        _unknown(
            _obj(gmail["homepageTrigger"], "addOns.gmail.homepageTrigger", out),
            HOMEPAGE_FIELDS,
            "addOns.gmail.homepageTrigger",
            out,
        )
    for i, ua in enumerate(gmail.get("universalActions") or []):
        _unknown(
            _obj(ua, f"addOns.gmail.universalActions[{i}]", out),
            UNIVERSAL_FIELDS,
            f"addOns.gmail.universalActions[{i}]",
            out,
        )
    if "composeTrigger" in gmail:
        compose = _obj(gmail["composeTrigger"], "addOns.gmail.composeTrigger", out)
        _unknown(compose, COMPOSE_FIELDS, "addOns.gmail.composeTrigger", out)
        for i, action in enumerate(compose.get("actions") or []):
            _unknown(
                _obj(action, f"addOns.gmail.composeTrigger.actions[{i}]", out),
                MENU_ITEM_FIELDS,
                f"addOns.gmail.composeTrigger.actions[{i}]",
                out,
            )


def check_gmail_deployment(text: str) -> list[str]:
    """Problems of one deployment.json text (empty list = passed)."""
    data, problems = load_json_object(text)
    if data is None:
        return problems
    out: list[str] = []
    _unknown(data, TOP_FIELDS, "$", out)
    scopes = data.get("oauthScopes")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        out.append("oauthScopes must be a list of scope URLs (HTTP add-ons must declare their scopes)")
        scopes = []
    if SCOPE_PREFIX + "gmail.addons.execute" not in scopes:
        out.append(f"oauthScopes must include {SCOPE_PREFIX}gmail.addons.execute")
    addons = _obj(data.get("addOns"), "addOns", out)
    if not addons:
        return out + ["addOns is missing"]
    _unknown(addons, ADDONS_FIELDS, "addOns", out)
    common = _obj(addons.get("common"), "addOns.common", out)
    _unknown(common, COMMON_FIELDS, "addOns.common", out)
    for field in ("name", "logoUrl"):
        if not (isinstance(common.get(field), str) and common[field].strip()):
            out.append(f"addOns.common.{field} is required")
    if "layoutProperties" in common:
        _unknown(
            _obj(common["layoutProperties"], "addOns.common.layoutProperties", out),
            LAYOUT_FIELDS,
            "addOns.common.layoutProperties",
            out,
        )
    if "homepageTrigger" in common:
        _unknown(
            _obj(common["homepageTrigger"], "addOns.common.homepageTrigger", out),
            HOMEPAGE_FIELDS,
            "addOns.common.homepageTrigger",
            out,
        )
    _check_gmail_section(_obj(addons.get("gmail"), "addOns.gmail", out), out)
    http = _obj(addons.get("httpOptions"), "addOns.httpOptions", out)
    _unknown(http, HTTP_OPTIONS_FIELDS, "addOns.httpOptions", out)
    if "authorizationHeader" in http and http["authorizationHeader"] not in AUTH_HEADERS:
        out.append(f"addOns.httpOptions.authorizationHeader must be one of {', '.join(sorted(AUTH_HEADERS))}")

    origins = set()
    for path, url in _functions(addons):
        if not (isinstance(url, str) and url.lower().startswith("https://")):
            out.append(f"{path} must be an HTTPS URL (got {url!r})")
        elif not path.endswith(("logoUrl", "openLink")):
            origins.add(origin(url))
    if len(origins) > 1:
        out.append(
            f"endpoint URLs span several origins ({', '.join(sorted(origins))}); all must be this service's"
        )
    return out
