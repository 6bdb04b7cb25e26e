"""Envelopes around cards that Google accepts from add-on endpoints: push, update, notify."""

from __future__ import annotations


def push_card(card: dict, *, from_action: bool = False) -> dict:
    """Show a card: a trigger's first card, or a callback's card pushed on the stack with a back arrow."""
    action = {"navigations": [{"pushCard": card}]}
    # Triggers answer with a bare action; callbacks wrap it in renderActions (Google's HTTP samples).
    return {"renderActions": {"action": action}} if from_action else {"action": action}


def update_card(card: dict, notice: str = "") -> dict:
    """Replace the card on screen, with an optional short notification."""
    action: dict = {"navigations": [{"updateCard": card}]}
    if notice:
        action["notification"] = {"text": notice}
    return {"renderActions": {"action": action}}


def notify(text: str) -> dict:
    """A short notification; the card on screen stays as it is."""
    return {"renderActions": {"action": {"notification": {"text": text}}}}
