"""Readable colours under every theme: a text colour too close to its background (a muted
identifier on a light theme, a yellow star on cream) is moved toward black or white until the
WCAG contrast ratio reaches MINIMUM. The theme's own colour stays wherever it is readable."""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color
from rich.color_triplet import ColorTriplet
from rich.style import Style

MINIMUM = 4.0
"""The ratio aimed at (WCAG asks 4.5 for body text, 3 for large text; a list row is in between)."""
DIM = 0.5
"""How Textual draws `dim` text: this much of the text colour over the background (DimFilter)."""


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """`t` of `a` over `b`."""
    return (round(a[0] * t + b[0] * (1 - t)), round(a[1] * t + b[1] * (1 - t)), round(a[2] * t + b[2] * (1 - t)))


def shown_colours(style: Style) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """(text, background) as drawn, or None when the terminal picks them (ANSI default colours)."""
    fg, bg = style.color, style.bgcolor
    if fg is None or bg is None or fg.triplet is None or bg.triplet is None:
        return None
    fore: tuple[int, int, int] = (fg.triplet.red, fg.triplet.green, fg.triplet.blue)
    back: tuple[int, int, int] = (bg.triplet.red, bg.triplet.green, bg.triplet.blue)
    if style.reverse:
        fore, back = back, fore
    if style.dim:
        fore = blend(fore, back, DIM)
    return fore, back


@lru_cache(maxsize=512)
def readable(style: Style) -> Style:
    """`style`, with its text colour moved toward black or white if it is too faint on its background."""
    colours = shown_colours(style)
    if colours is None or style.reverse or ratio(*colours) >= MINIMUM:
        return style
    fore, back = colours
    target = (0, 0, 0) if luminance(back) > 0.18 else (255, 255, 255)
    for step in range(1, 11):
        fixed = blend(target, fore, step / 10)
        if ratio(fixed, back) >= MINIMUM:
            break
    return style + Style(color=Color.from_triplet(ColorTriplet(*fixed)), dim=False)
