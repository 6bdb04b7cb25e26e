"""Card JSON builders for Google Workspace add-ons: the only module that knows widget keys (camelCase)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

# Google's limit is 100 widgets per section; a long pipeline is cut well before that.
MAX_WIDGETS = 60


def card(title: str, sections: Iterable[dict | None], subtitle: str = "") -> dict:
    """A card with a header and its non-empty sections."""
    header = {"title": title}
    if subtitle:
        header["subtitle"] = subtitle
    return {"header": header, "sections": [s for s in sections if s]}


def section(
    widgets: Iterable[dict | None], header: str = "", collapsed_after: int | None = None
) -> dict | None:
    """A section of the non-empty widgets (None if there are none); `collapsed_after` folds the rest."""
    kept = [w for w in widgets if w][:MAX_WIDGETS]
    if not kept:
        return None
    out: dict = {"widgets": kept}
    if header:
        out["header"] = header
    if collapsed_after is not None and len(kept) > collapsed_after:
        out["collapsible"] = True
        out["uncollapsibleWidgetsCount"] = collapsed_after
    return out


def paragraph(text: str) -> dict:
    """Plain text; escaped because Google reads this field as basic HTML."""
    return {"textParagraph": {"text": escape(text, quote=False)}}


def info(
    text: str,
    top: str = "",
    bottom: str = "",
    icon: str = "",
    button: dict | None = None,
    action: dict | None = None,
) -> dict:
    """A labelled value (decoratedText); `action` makes the whole row clickable."""
    body: dict = {"text": escape(text or "—", quote=False), "wrapText": True}
    if top:
        body["topLabel"] = top
    if bottom:
        body["bottomLabel"] = bottom
    if icon:
        body["startIcon"] = {"knownIcon": icon}
    if button:
        body["button"] = button
    if action:
        body["onClick"] = {"action": action}
    return {"decoratedText": body}


def dropdown(
    name: str, label: str, options: Iterable[tuple[str, str, bool]], on_change: dict | None = None
) -> dict:
    """A DROPDOWN selection input of (text, value, selected) options; `on_change` submits on selection."""
    body: dict = {
        "name": name,
        "label": label,
        "type": "DROPDOWN",
        "items": [{"text": text, "value": value, "selected": selected} for text, value, selected in options],
    }
    if on_change:
        body["onChangeAction"] = on_change
    return {"selectionInput": body}


def text_input(
    name: str, label: str, value: str = "", hint: str = "", max_chars: int | None = None, lines: int = 1
) -> dict:
    """A text input (several lines if `lines` > 1), with a character limit Google enforces while typing."""
    kind = "MULTIPLE_LINE" if lines > 1 else "SINGLE_LINE"
    body: dict = {"name": name, "label": label, "type": kind, "value": value}
    if hint:
        body["hintText"] = hint
    if max_chars:
        body["validation"] = {"characterLimit": max_chars, "inputType": "TEXT"}
    return {"textInput": body}


def buttons(*items: dict | None) -> dict | None:
    """A row of the non-empty buttons."""
    kept = [b for b in items if b]
    return {"buttonList": {"buttons": kept}} if kept else None


def button(text: str, action: dict | None = None, url: str = "") -> dict:
    """A button that calls back (`action`) or opens `url`.

    No `type` (OUTLINED/FILLED): Google's card reference lists it for Chat apps, not Workspace add-ons.
    """
    on_click = {"action": action} if action else {"openLink": {"url": url}}
    return {"text": text, "onClick": on_click}


def action(function_url: str, parameters: dict[str, str]) -> dict:
    """A callback to our endpoint; Google sends `parameters` back as strings."""
    return {
        "function": function_url,
        "loadIndicator": "SPINNER",
        "parameters": [{"key": k, "value": str(v)} for k, v in parameters.items()],
    }
