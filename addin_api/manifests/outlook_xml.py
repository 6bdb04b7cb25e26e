"""Render the add-in only (XML) Outlook manifest: a read-mode task pane with a pinnable ribbon button."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .common import (
    DISPLAY_NAME,
    LONG_DESCRIPTION,
    OUTLOOK_XML_ID,
    PROVIDER_NAME,
    icon_url,
    office_version,
    origin,
)

NS_APP = "http://schemas.microsoft.com/office/appforoffice/1.1"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_BT = "http://schemas.microsoft.com/office/officeappbasictypes/1.0"
NS_MAILAPPOR = "http://schemas.microsoft.com/office/mailappversionoverrides/1.0"
NS_VO10 = "http://schemas.microsoft.com/office/mailappversionoverrides"
NS_VO11 = "http://schemas.microsoft.com/office/mailappversionoverrides/1.1"

REQUESTED_HEIGHT = 250  # XSD allows 32–450 for ItemRead desktop forms
GROUP_LABEL = "Deal Desk"
BUTTON_LABEL = "Open Deal Desk"
BUTTON_TOOLTIP = "Show the CRM deal for this email and update it."


class El:
    """A minimal XML element: tag, ordered attributes, children or text (we write XML by hand for exact namespaces)."""

    def __init__(self, tag: str, attrs: dict | None = None, *children: El, text: str | None = None):
        self.tag, self.attrs, self.children, self.text = tag, attrs or {}, children, text

    def lines(self, depth: int = 0) -> list[str]:
        """Indented serialisation, one element per line."""
        pad = "  " * depth
        attrs = "".join(f" {k}={quoteattr(str(v))}" for k, v in self.attrs.items())
        if self.text is not None:
            return [f"{pad}<{self.tag}{attrs}>{escape(self.text)}</{self.tag}>"]
        if not self.children:
            return [f"{pad}<{self.tag}{attrs}/>"]
        out = [f"{pad}<{self.tag}{attrs}>"]
        for child in self.children:
            out += child.lines(depth + 1)
        out.append(f"{pad}</{self.tag}>")
        return out


def _value(tag: str, value: str) -> El:
    """An element carrying DefaultValue, as the locale-aware settings do."""
    return El(tag, {"DefaultValue": value})


def _hosts(pinning: bool) -> El:
    """VersionOverrides Hosts: one button on the message-read ribbon opening the task pane."""
    action = [El("SourceLocation", {"resid": "Taskpane.Url"})]
    if pinning:
        # SupportsPinning exists only in the 1.1 schema and must follow SourceLocation.
        action.append(El("SupportsPinning", text="true"))
    button = El(
        "Control",
        {"xsi:type": "Button", "id": "DealDesk.OpenPane"},
        El("Label", {"resid": "Button.Label"}),
        El(
            "Supertip",
            None,
            El("Title", {"resid": "Button.Label"}),
            El("Description", {"resid": "Button.Tooltip"}),
        ),
        El("Icon", None, *(El("bt:Image", {"size": str(s), "resid": f"Icon.{s}"}) for s in (16, 32, 80))),
        El("Action", {"xsi:type": "ShowTaskpane"}, *action),
    )
    group = El("Group", {"id": "DealDesk.Group"}, El("Label", {"resid": "Group.Label"}), button)
    point = El(
        "ExtensionPoint",
        {"xsi:type": "MessageReadCommandSurface"},
        El("OfficeTab", {"id": "TabDefault"}, group),
    )
    return El("Hosts", None, El("Host", {"xsi:type": "MailHost"}, El("DesktopFormFactor", None, point)))


def _resources(base: str) -> El:
    """Images, URLs and strings referenced by resid; order Images, Urls, ShortStrings, LongStrings is fixed."""
    return El(
        "Resources",
        None,
        El(
            "bt:Images",
            None,
            *(
                El("bt:Image", {"id": f"Icon.{s}", "DefaultValue": icon_url(base, f"icon-{s}.png")})
                for s in (16, 32, 80)
            ),
        ),
        El("bt:Urls", None, El("bt:Url", {"id": "Taskpane.Url", "DefaultValue": f"{base}/taskpane.html"})),
        El(
            "bt:ShortStrings",
            None,
            El("bt:String", {"id": "Group.Label", "DefaultValue": GROUP_LABEL}),
            El("bt:String", {"id": "Button.Label", "DefaultValue": BUTTON_LABEL}),
        ),
        El("bt:LongStrings", None, El("bt:String", {"id": "Button.Tooltip", "DefaultValue": BUTTON_TOOLTIP})),
    )


def _requirements(min_version: str) -> El:
    """VersionOverrides requirement: the Mailbox set at min_version."""
    return El(
        "Requirements",
        None,
        El("bt:Sets", {"DefaultMinVersion": min_version}, El("bt:Set", {"Name": "Mailbox"})),
    )


def render_outlook_xml(base: str, version: str, app_domains: list[str]) -> str:
    """The full XML manifest text for base URL `base` and package version X.Y.Z."""
    vo11 = El(
        "VersionOverrides",
        {"xmlns": NS_VO11, "xsi:type": "VersionOverridesV1_1"},
        _requirements("1.5"),  # pinning needs Mailbox 1.5
        _hosts(pinning=True),
        _resources(base),
    )
    vo10 = El(
        "VersionOverrides",
        {"xmlns": NS_VO10, "xsi:type": "VersionOverridesV1_0"},
        _requirements("1.3"),
        _hosts(pinning=False),
        _resources(base),
        vo11,  # clients that understand 1.1 use it instead of the 1.0 block
    )
    children = [
        El("Id", text=OUTLOOK_XML_ID),
        El("Version", text=office_version(version)),
        El("ProviderName", text=PROVIDER_NAME),
        El("DefaultLocale", text="en-US"),
        _value("DisplayName", DISPLAY_NAME),
        _value("Description", LONG_DESCRIPTION),  # LongString: at most 250 characters
        _value("IconUrl", icon_url(base, "icon-64.png")),
        _value("HighResolutionIconUrl", icon_url(base, "icon-128.png")),
        _value("SupportUrl", f"{base}/support"),
    ]
    if app_domains:
        children.append(El("AppDomains", None, *(El("AppDomain", text=d) for d in app_domains)))
    children += [
        El("Hosts", None, El("Host", {"Name": "Mailbox"})),
        El("Requirements", None, El("Sets", None, El("Set", {"Name": "Mailbox", "MinVersion": "1.1"}))),
        El(
            "FormSettings",
            None,
            El(
                "Form",
                {"xsi:type": "ItemRead"},
                El(
                    "DesktopSettings",
                    None,
                    _value("SourceLocation", f"{base}/taskpane.html"),
                    El("RequestedHeight", text=str(REQUESTED_HEIGHT)),
                ),
            ),
        ),
        El("Permissions", text="ReadItem"),  # enough to read the open message; nothing broader
        El(
            "Rule",
            {"xsi:type": "RuleCollection", "Mode": "Or"},
            El("Rule", {"xsi:type": "ItemIs", "ItemType": "Message", "FormType": "Read"}),
        ),
        vo10,
    ]
    root = El(
        "OfficeApp",
        {
            "xmlns": NS_APP,
            "xmlns:xsi": NS_XSI,
            "xmlns:bt": NS_BT,
            "xmlns:mailappor": NS_MAILAPPOR,
            "xsi:type": "MailApp",
        },
        *children,
    )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(root.lines()) + "\n"


def app_domains_for(authority: str, base: str) -> list[str]:
    """AppDomains: the sign-in authority origin if HTTPS and not the add-in's own origin (listing that is a no-op)."""
    auth = origin(authority) if authority else ""
    return [auth] if auth.startswith("https://") and auth != origin(base) else []
