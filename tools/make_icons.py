"""Draw the add-in's own icon set (a rising bar chart on a blue tile) into manifest/icons/ as PNGs.

Pure Python (zlib + struct), so anyone can regenerate the committed files:
    python tools/make_icons.py [OUT_DIR]
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

ACCENT = (15, 108, 189)  # #0F6CBD, also the manifests' accentColor
WHITE = (255, 255, 255)
SUPERSAMPLE = 4  # 4×4 samples per pixel keeps the 16 px edges smooth without a drawing library

# Bars as (left, width, height) in tile units; the baseline is shared.
COLOR_BARS = ((0.25, 0.14, 0.22), (0.43, 0.14, 0.36), (0.61, 0.14, 0.50))
COLOR_BASELINE = 0.76
OUTLINE_BARS = ((0.30, 0.11, 0.16), (0.445, 0.11, 0.28), (0.59, 0.11, 0.40))
OUTLINE_BASELINE = 0.72

COLOR_SIZES = (16, 25, 32, 48, 64, 80, 128, 192)  # 25 and 48: Outlook mobile


def _in_rounded_rect(x: float, y: float, lo: float, hi: float, radius: float) -> bool:
    """True when (x, y) lies inside the square [lo, hi]² with corners rounded by radius."""
    if not (lo <= x <= hi and lo <= y <= hi):
        return False
    cx = min(max(x, lo + radius), hi - radius)
    cy = min(max(y, lo + radius), hi - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _in_bars(x: float, y: float, bars, baseline: float) -> bool:
    """True when (x, y) lies inside one of the bars standing on baseline."""
    return any(
        left <= x <= left + width and baseline - height <= y <= baseline for left, width, height in bars
    )


def _color_sample(x: float, y: float):
    """RGBA of one sample of the colour tile: white bars on an accent rounded square."""
    if not _in_rounded_rect(x, y, 0.03, 0.97, 0.18):
        return None
    return WHITE if _in_bars(x, y, COLOR_BARS, COLOR_BASELINE) else ACCENT


def _outline_sample(x: float, y: float, size: int):
    """RGBA of one sample of the outline icon: a white 2 px frame and bars on transparency."""
    stroke = 2.0 / size
    outer = _in_rounded_rect(x, y, 0.06, 0.94, 0.2)
    inner = _in_rounded_rect(x, y, 0.06 + stroke, 0.94 - stroke, 0.2 - stroke)
    if (outer and not inner) or _in_bars(x, y, OUTLINE_BARS, OUTLINE_BASELINE):
        return WHITE
    return None


def render(size: int, sample) -> bytes:
    """Rasterise a sample function to size×size RGBA rows by averaging SUPERSAMPLE² samples per pixel."""
    rows = []
    n = SUPERSAMPLE
    for py in range(size):
        row = bytearray()
        for px in range(size):
            r = g = b = covered = 0
            for sy in range(n):
                for sx in range(n):
                    colour = sample((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)
                    if colour is not None:
                        covered += 1
                        r += colour[0]
                        g += colour[1]
                        b += colour[2]
            if covered:
                # Colour is averaged over covered samples only, so edges fade in alpha, not towards black.
                row += bytes((r // covered, g // covered, b // covered, round(255 * covered / (n * n))))
            else:
                row += bytes((0, 0, 0, 0))
        rows.append(bytes(row))
    return b"".join(b"\x00" + row for row in rows)  # filter type 0 (None) on every scanline


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC over type+data."""
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bytes(size: int, raw_rows: bytes) -> bytes:
    """A complete 8-bit RGBA PNG file from filtered scanlines."""
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit depth, colour type 6 = RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + _chunk(b"IEND", b"")
    )


def make_all(out_dir: Path) -> list[Path]:
    """Write icon-<size>.png for every colour size and outline-32.png; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for size in COLOR_SIZES:
        path = out_dir / f"icon-{size}.png"
        path.write_bytes(png_bytes(size, render(size, _color_sample)))
        written.append(path)
    path = out_dir / "outline-32.png"
    path.write_bytes(png_bytes(32, render(32, lambda x, y: _outline_sample(x, y, 32))))
    written.append(path)
    return written


def main(argv: list[str]) -> int:
    """Entry point: write the icons to argv[0] or to the repo's manifest/icons/."""
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "manifest" / "icons"
    for path in make_all(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
