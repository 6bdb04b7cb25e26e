"""Structural checks of an add-in only (XML) Outlook manifest: elements, XSD order, URLs, icons, values.

Not a full XSD validation (no package ships Microsoft's XSDs); docs/manifests.md lists what is covered.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .common import (
    GUID_RE,
    NS_APP,
    NS_BT,
    NS_VO10,
    NS_VO11,
    NS_XSI,
    OFFICE_VERSION_RE,
    local_static_file,
    origin,
    png_info,
)

XSI_TYPE = f"{{{NS_XSI}}}type"

# Child order of OfficeApp for xsi:type MailApp: the OfficeApp base sequence, then the MailApp extension.
TOP_ORDER = [
    "Id",
    "AlternateId",
    "Version",
    "ProviderName",
    "DefaultLocale",
    "DisplayName",
    "Description",
    "IconUrl",
    "HighResolutionIconUrl",
    "SupportUrl",
    "AppDomains",
    "Hosts",
    "Requirements",
    "FormSettings",
    "Permissions",
    "Rule",
    "DisableEntityHighlighting",
    "VersionOverrides",
]
TOP_REQUIRED = [
    "Id",
    "Version",
    "ProviderName",
    "DefaultLocale",
    "DisplayName",
    "Description",
    "Requirements",
    "FormSettings",
    "Permissions",
    "Rule",
]
VO10_ORDER = ["Description", "Requirements", "Hosts", "Resources", "VersionOverrides", "WebApplicationInfo"]
VO11_ORDER = [
    "Description",
    "Requirements",
    "Hosts",
    "Resources",
    "WebApplicationInfo",
    "EquivalentAddins",
    "VersionOverrides",
]
# Order inside elements whose local name is unambiguous in a mail manifest.
INNER_ORDER = {
    "Resources": ["Images", "Urls", "ShortStrings", "LongStrings"],
    "Control": ["Label", "Supertip", "Icon", "Action", "Items"],
    "Supertip": ["Title", "Description"],
    "Action": ["SourceLocation", "SupportsPinning", "FunctionName"],
    "DesktopSettings": ["SourceLocation", "RequestedHeight"],
    "Group": ["Label", "Control"],
    "Form": ["DesktopSettings", "TabletSettings", "PhoneSettings"],
}
REPEATABLE = {
    "Control",
    "Group",
    "Image",
    "Url",
    "String",
    "Set",
    "AppDomain",
    "Host",
    "ExtensionPoint",
    "Override",
}
PERMISSIONS = {"Restricted", "ReadItem", "ReadWriteItem", "ReadWriteMailbox"}
RULE_TYPES = {
    "RuleCollection",
    "ItemIs",
    "ItemHasKnownEntity",
    "ItemHasRegularExpressionMatch",
    "ItemHasAttachment",
}
CULTURE_RE = re.compile(r"^([a-zA-Z]{2,3}-[a-zA-Z0-9]{3,8}(-[a-zA-Z]{2,3})?|[a-zA-Z]{2,3}(-[a-zA-Z]{2,3})?)$")
TOP_ICON_SIZES = {"IconUrl": 64, "HighResolutionIconUrl": 128}
RIBBON_SIZES = {16, 32, 80}
MOBILE_SIZES = (25, 32, 48)


def _local(tag: str) -> str:
    """Tag without its {namespace}."""
    return tag.rsplit("}", 1)[-1]


def _ns(tag: str) -> str:
    """The {namespace} part of a tag, or ''."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _check_order(parent: ET.Element, order: list[str], where: str, out: list[str]) -> None:
    """Report children not in `order`, out of order, or repeated when the XSD allows one."""
    last, last_name = -1, ""
    for child in parent:
        name = _local(child.tag)
        if name not in order:
            out.append(f"unexpected element <{name}> in {where} (allowed, in order: {', '.join(order)})")
            continue
        idx = order.index(name)
        if idx < last:
            out.append(
                f"<{name}> is out of order in {where}: it must come before <{last_name}> "
                f"(XSD order: {', '.join(order)})"
            )
        elif idx == last and name not in REPEATABLE:
            out.append(f"<{name}> appears more than once in {where}")
        if idx >= last:
            last, last_name = idx, name


def _check_namespace(
    parent: ET.Element, expected: str, nested: dict[str, str], where: str, out: list[str]
) -> None:
    """Children must be in the block's namespace (bt: for resources), nested VersionOverrides in its own."""
    for child in parent:
        name, ns = _local(child.tag), _ns(child.tag)
        want = nested.get(name, expected)
        if ns != want:
            out.append(f"<{name}> in {where} has namespace {ns or '(none)'!r}, expected {want!r}")


def _walk(el: ET.Element, ancestors: tuple = ()):
    """Yield (element, ancestors) depth-first."""
    yield el, ancestors
    for child in el:
        yield from _walk(child, ancestors + (el,))


def _urls(root: ET.Element):
    """Yield (label, url) per URL-valued attribute: DefaultValue/Value of URL elements, bt:Image, bt:Url."""
    url_tags = {"IconUrl", "HighResolutionIconUrl", "SupportUrl", "SourceLocation"}
    for el, ancestors in _walk(root):
        name = _local(el.tag)
        owner = _local(ancestors[-1].tag) if ancestors else ""
        if name in url_tags and "DefaultValue" in el.attrib:
            yield f"<{name}>", el.attrib["DefaultValue"]
        elif name in {"Image", "Url"} and _ns(el.tag) == NS_BT and "DefaultValue" in el.attrib:
            yield f"<bt:{name} id={el.attrib.get('id')!r}>", el.attrib["DefaultValue"]
        elif name == "Override" and "Value" in el.attrib and (owner in url_tags or owner in {"Image", "Url"}):
            yield f"<{owner}> override", el.attrib["Value"]


def _icon_size_problem(label: str, url: str, size: int, static_dir: Path) -> str | None:
    """A message when the icon file behind url (if it is one of ours) is missing or not size×size."""
    path = local_static_file(url, static_dir)
    if path is None:
        return None  # not under /static/: the origin check already covers foreign URLs
    if not path.is_file():
        return f"{label} points to {url} but {path} does not exist"
    info = png_info(path.read_bytes())
    if info is None:
        return f"{label}: {path} is not a PNG file"
    if (info.width, info.height) != (size, size):
        return f"{label}: {path.name} is {info.width}x{info.height} px, expected {size}x{size}"
    return None


def _check_values(root: ET.Element, out: list[str]) -> None:
    """Id, Version, DefaultLocale, Permissions and the length of the display strings."""

    def text(name):
        el = root.find(f"{{{NS_APP}}}{name}")
        return (el.text or "").strip() if el is not None else None

    if (v := text("Id")) is not None and not GUID_RE.match(v):
        out.append(f"<Id> must be a GUID like 0f6cbd00-0000-4000-8000-000000000000 (got {v!r})")
    if (v := text("Version")) is not None and not OFFICE_VERSION_RE.match(v):
        out.append(f"<Version> must be n.n.n.n with up to 5 digits per part (got {v!r})")
    if (v := text("DefaultLocale")) is not None and not CULTURE_RE.match(v):
        out.append(f"<DefaultLocale> is not a culture name like en-US (got {v!r})")
    if (v := text("Permissions")) is not None and v not in PERMISSIONS:
        out.append(f"<Permissions> must be one of {', '.join(sorted(PERMISSIONS))} (got {v!r})")
    for name, limit in (("DisplayName", 125), ("Description", 250), ("ProviderName", 125)):
        el = root.find(f"{{{NS_APP}}}{name}")
        value = (
            (el.text if name == "ProviderName" else el.attrib.get("DefaultValue")) if el is not None else None
        )
        if el is not None and not (value or "").strip():
            out.append(f"<{name}> is empty" + ("" if name == "ProviderName" else " (DefaultValue missing)"))
        elif el is not None and len(value) > limit:
            out.append(f"<{name}> is {len(value)} characters, at most {limit} allowed")


def _check_form_and_rules(root: ET.Element, out: list[str]) -> None:
    """Requirements/Sets, FormSettings (SourceLocation, RequestedHeight) and the activation Rule."""
    if (
        root.find(f"{{{NS_APP}}}Requirements/{{{NS_APP}}}Sets/{{{NS_APP}}}Set") is None
        and root.find(f"{{{NS_APP}}}Requirements") is not None
    ):
        out.append('<Requirements> needs <Sets><Set Name="Mailbox" .../></Sets>')
    settings = root.find(f"{{{NS_APP}}}FormSettings/{{{NS_APP}}}Form/{{{NS_APP}}}DesktopSettings")
    if root.find(f"{{{NS_APP}}}FormSettings") is not None:
        if settings is None or settings.find(f"{{{NS_APP}}}SourceLocation") is None:
            out.append("<FormSettings> needs <Form><DesktopSettings><SourceLocation DefaultValue=...>")
        height = settings.find(f"{{{NS_APP}}}RequestedHeight") if settings is not None else None
        if height is not None and not (
            (height.text or "").strip().isdigit() and 32 <= int(height.text) <= 450
        ):
            out.append(f"<RequestedHeight> must be an integer from 32 to 450 (got {height.text!r})")
    rule = root.find(f"{{{NS_APP}}}Rule")
    if rule is not None:
        rules = [el for el, _ in _walk(rule) if _local(el.tag) == "Rule"]
        for r in rules:
            if r.attrib.get(XSI_TYPE) not in RULE_TYPES:
                out.append(f"<Rule> has unknown xsi:type {r.attrib.get(XSI_TYPE)!r}")
        if not any(
            r.attrib.get(XSI_TYPE) == "ItemIs"
            and r.attrib.get("ItemType") == "Message"
            and r.attrib.get("FormType") in {"Read", "ReadOrEdit"}
            for r in rules
        ):
            out.append(
                '<Rule> never activates on read messages (need ItemIs ItemType="Message" FormType="Read")'
            )


def _check_mobile_icon(icon: ET.Element, where: str, out: list[str]) -> None:
    """A mobile <Icon> is a bt:MobileIconList with sizes 25, 32 and 48, each at scales 1, 2 and 3."""
    if icon.attrib.get(XSI_TYPE) != "bt:MobileIconList":
        out.append(f'mobile <Icon> in {where} needs xsi:type="bt:MobileIconList"')
    pairs = {(i.attrib.get("size"), i.attrib.get("scale")) for i in icon}
    missing = [f"{s}@{k}x" for s in MOBILE_SIZES for k in ("1", "2", "3") if (str(s), k) not in pairs]
    if missing:
        out.append(f"mobile <Icon> in {where} lacks images {', '.join(missing)} (size@scale)")


def _check_icon(
    icon: ET.Element, ancestors: tuple, resources: dict, where: str, static_dir: Path, out: list[str]
) -> None:
    """Required sizes (desktop ribbon or mobile list) and that each image file has its declared size."""
    if any(_local(a.tag) == "MobileFormFactor" for a in ancestors):
        _check_mobile_icon(icon, where, out)
    else:
        sizes = {int(i.attrib["size"]) for i in icon if i.attrib.get("size", "").isdigit()}
        if not sizes >= RIBBON_SIZES:
            out.append(f"ribbon <Icon> in {where} needs images of sizes 16, 32 and 80 (has {sorted(sizes)})")
    for image in icon:
        url = resources.get(image.attrib.get("resid", ""))
        if url and image.attrib.get("size", "").isdigit():
            size = int(image.attrib["size"])
            if msg := _icon_size_problem(f"{where} ribbon icon {size}", url, size, static_dir):
                out.append(msg)


def _check_mobile(vo11: ET.Element, out: list[str]) -> None:
    """Outlook on iOS and Android show the add-in only through MobileFormFactor's message-read surface."""
    mobile = list(vo11.iter(f"{{{NS_VO11}}}MobileFormFactor"))
    points = {el.attrib.get(XSI_TYPE) for f in mobile for el in f.iter(f"{{{NS_VO11}}}ExtensionPoint")}
    if "MobileMessageReadCommandSurface" not in points:
        out.append(
            "VersionOverrides 1.1 has no <MobileFormFactor> with a MobileMessageReadCommandSurface: "
            "Outlook on iOS and Android would not offer the add-in"
        )
    for control in (c for f in mobile for c in f.iter(f"{{{NS_VO11}}}Control")):
        if control.attrib.get(XSI_TYPE) != "MobileButton":
            out.append(f"control {control.attrib.get('id')!r} in <MobileFormFactor> must be a MobileButton")


def _check_version_overrides(
    vo: ET.Element, parent_resources: dict, out: list[str], static_dir: Path
) -> None:
    """Order, namespaces, resid references, ribbon icon sizes and SupportsPinning placement in one block."""
    is11 = _ns(vo.tag) == NS_VO11
    where = f"VersionOverrides {'1.1' if is11 else '1.0'}"
    ns = NS_VO11 if is11 else NS_VO10
    _check_order(vo, VO11_ORDER if is11 else VO10_ORDER, where, out)
    _check_namespace(vo, ns, {} if is11 else {"VersionOverrides": NS_VO11}, where, out)
    resources = dict(parent_resources)  # a 1.1 Resources block merges with the 1.0 one
    res = vo.find(f"{{{ns}}}Resources")
    if res is not None:
        _check_namespace(res, NS_BT, {}, f"{where} <Resources>", out)
        for group in res:
            for item in group:
                rid = item.attrib.get("id", "")
                if len(rid) > 32:
                    out.append(f"resource id {rid!r} in {where} is longer than 32 characters")
                resources[rid] = item.attrib.get("DefaultValue", "")
    hosts = vo.find(f"{{{ns}}}Hosts")
    for el, ancestors in _walk(hosts) if hosts is not None else ():
        name = _local(el.tag)
        if name in INNER_ORDER:
            _check_order(el, INNER_ORDER[name], f"{where} <{name}>", out)
        rid = el.attrib.get("resid")
        if rid is not None and rid not in resources:
            out.append(f"resid {rid!r} in {where} has no matching resource")
        if name == "Icon":
            _check_icon(el, ancestors, resources, where, static_dir, out)
    if is11:
        _check_mobile(vo, out)
    nested = vo.find(f"{{{NS_VO11}}}VersionOverrides")
    if nested is not None and not is11:
        _check_version_overrides(nested, resources, out, static_dir)


def check_outlook_xml(text: str, static_dir: Path) -> list[str]:
    """Problems of one XML manifest (empty list = passed every structural check)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    out: list[str] = []
    if root.tag != f"{{{NS_APP}}}OfficeApp":
        return [f'root element must be <OfficeApp xmlns="{NS_APP}"> (got {root.tag})']
    if root.attrib.get(XSI_TYPE) != "MailApp":
        out.append(f'<OfficeApp> must have xsi:type="MailApp" (got {root.attrib.get(XSI_TYPE)!r})')
    present = {_local(c.tag) for c in root}
    out += [f"required element <{name}> is missing" for name in TOP_REQUIRED if name not in present]
    _check_order(root, TOP_ORDER, "<OfficeApp>", out)
    _check_namespace(root, NS_APP, {"VersionOverrides": NS_VO10}, "<OfficeApp>", out)
    _check_values(root, out)
    _check_form_and_rules(root, out)
    form_settings = root.find(f"{{{NS_APP}}}FormSettings")
    for el, _ in _walk(form_settings) if form_settings is not None else ():
        if _local(el.tag) in {"Form", "DesktopSettings"}:
            _check_order(el, INNER_ORDER[_local(el.tag)], f"<{_local(el.tag)}>", out)

    urls = list(_urls(root))
    source = root.find(
        f"{{{NS_APP}}}FormSettings/{{{NS_APP}}}Form/{{{NS_APP}}}DesktopSettings/{{{NS_APP}}}SourceLocation"
    )
    home = (
        origin(source.attrib.get("DefaultValue", ""))
        if source is not None
        else (origin(urls[0][1]) if urls else "")
    )
    for label, url in urls:
        if not url.lower().startswith("https://"):
            out.append(f"{label} URL must be HTTPS: {url}")
        elif home.startswith("https://") and origin(url) != home:
            out.append(f"{label} URL {url} is not under the task pane's origin {home}")
    for el in root.iter(f"{{{NS_APP}}}AppDomain"):
        value = (el.text or "").strip()
        if not re.match(r"^https://[^/*?#]+$", value):
            out.append(
                "<AppDomain> must be an HTTPS origin without path, wildcard or trailing slash "
                f"(got {value!r})"
            )
    for name, size in TOP_ICON_SIZES.items():
        el = root.find(f"{{{NS_APP}}}{name}")
        if el is None:
            out.append(f"<{name}> is missing (Outlook shows a {size}x{size} icon)")
        elif msg := _icon_size_problem(f"<{name}>", el.attrib.get("DefaultValue", ""), size, static_dir):
            out.append(msg)

    vo = root.find(f"{{{NS_VO10}}}VersionOverrides")
    if vo is not None:
        _check_version_overrides(vo, {}, out, static_dir)
    for el, ancestors in _walk(root):
        if _local(el.tag) == "SupportsPinning":
            in11 = any(_ns(a.tag) == NS_VO11 and _local(a.tag) == "VersionOverrides" for a in ancestors)
            if _ns(el.tag) != NS_VO11 or not in11:
                out.append("<SupportsPinning> is only valid inside VersionOverrides 1.1")
    return out
