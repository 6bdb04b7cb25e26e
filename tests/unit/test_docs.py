"""Admin guides stand alone: links resolve, and the pane messages they quote are ones the pane shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [
    "README.md",
    *(f"docs/{n}" for n in ("hosting.md", "admin-outlook.md", "admin-gmail.md", "manifests.md")),
]
# What the pane can show: its own strings, and server messages it displays as they come.
SHOWN = "\n".join(
    p.read_text(encoding="utf-8") for p in [*ROOT.glob("static/js/*.js"), ROOT / "addin_api/graph.py"]
)


def _pane_quotes(text: str) -> list[str]:
    """Quoted texts in table rows that start with `Pane:`, bold titles and italic messages alike."""
    rows = [line for line in text.splitlines() if line.startswith("| Pane")]
    return [q for row in rows for q in re.findall(r'[*]"([^"]+)"[*]', row.split("|")[1])]


def test_the_outlook_troubleshooting_quotes_what_the_pane_really_says():
    quotes = _pane_quotes((ROOT / "docs/admin-outlook.md").read_text(encoding="utf-8"))
    assert len(quotes) >= 6
    for quote in quotes:
        # A message may be split over string literals; each sentence must appear as written.
        for sentence in filter(None, (s.strip() for s in re.split(r"(?<=\.) ", quote))):
            assert sentence in SHOWN, f"the pane never shows {sentence!r}"


@pytest.mark.parametrize("guide", GUIDES)
def test_relative_links_of_the_guides_resolve(guide):
    path = ROOT / guide
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (path.parent / target).exists(), f"{guide} links to missing {target}"
