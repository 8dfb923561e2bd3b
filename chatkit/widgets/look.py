"""Small helpers for how things look: theme colours, a colour per sender, the time of day, ciphertext, badges.

Every colour is one of JupyterLab's theme variables, or a mix of them, so the widgets follow whichever theme the
student picked (Light, Dark, High Contrast). Each variable carries the light theme's value as a fallback, for front
ends that do not define them. tests/browser/test_accessibility.py measures the result in a real browser: every text
at least 4.5:1 against what is behind it (WCAG 2.1 AA), in all three themes.
"""

import base64
import binascii
import html
import time
import zlib

from chatkit.client.visible import visible

TEXT = "var(--jp-content-font-color1, rgba(0, 0, 0, 0.87))"
PAGE = "var(--jp-layout-color1, #fff)"
BORDER = "1px solid var(--jp-border-color1, #bdbdbd)"
BRAND = "var(--jp-brand-color1, #1976d2)"
ERROR = "var(--jp-error-color1, #d32f2f)"
SUCCESS = "var(--jp-success-color1, #388e3c)"
WARN = "var(--jp-warn-color1, #f57c00)"
MUTED = f"color-mix(in srgb, {TEXT} 72%, transparent)"  # timestamps, ciphertext, notices: quieter, still 5.5:1 or more
MONO = "font-family:var(--jp-code-font-family, monospace);font-size:11px;word-break:break-all"
# Hues for senders; never used as they are, but mixed half and half with the theme's text colour (see readable).
HUES = ("#2e7d32", "#1565c0", "#8e24aa", "#e65100", "#00897b", "#d81b60", "#795548", "#3949ab")
BADGES = {
    "classic": (ERROR, "classic: the server can read everything (INSECURE on purpose)"),
    "sealed": (SUCCESS, "sealed: the server stores ciphertext only"),
    "ratchet": (SUCCESS, "ratchet: keys per member that move on; the members sign who is in the group"),
}


def readable(colour: str) -> str:
    """Mix a colour half and half with the theme's text colour: darker on light themes, lighter on dark ones.

    Half the text colour keeps every hue above 5:1 on the page and on the message bubbles in JupyterLab's Light,
    Dark and High Contrast themes, while the senders still look different from each other.
    """
    return f"color-mix(in srgb, {colour} 50%, {TEXT})"


def tint(colour: str, percent: int) -> str:
    """Wash a colour out into the page's background (a bubble or badge behind text in the theme's text colour)."""
    return f"color-mix(in srgb, {colour} {percent}%, {PAGE})"


OWN_BUBBLE = tint(BRAND, 15)
OTHER_BUBBLE = tint("var(--jp-layout-color2, #eee)", 50)
PROBLEM_BUBBLE = tint(ERROR, 18)
ERROR_TEXT = readable(ERROR)


def colour_of(name: str) -> str:
    """Pick a colour for a sender, the same one every run (Python's own hash changes between runs)."""
    return readable(HUES[zlib.crc32(name.encode()) % len(HUES)])


def clock(when: float) -> str:
    """Format a Unix time as the local time of day; a time no clock can show (1e18, NaN) as '--:--:--'."""
    try:
        return time.strftime("%H:%M:%S", time.localtime(when))
    except (OverflowError, OSError, ValueError):  # out of the platform's range, or not a number at all
        return "--:--:--"


def in_encoding(ciphertext: str, encoding: str) -> str:
    """Show base64 ciphertext as it crossed the wire, or the same bytes in hex."""
    if encoding != "hex":
        return ciphertext
    try:
        return base64.b64decode(ciphertext, validate=True).hex()
    except (binascii.Error, ValueError):
        return ciphertext  # not base64 (a tampered line): show it exactly as it came


def escape(text: str) -> str:
    """Escape text for HTML, so a message cannot inject markup, and show its control characters as escapes."""
    return html.escape(visible(text), quote=True)


def badge_text(mode: str) -> str:
    """Say in words what a mode lets the server see."""
    return BADGES.get(mode, (BRAND, mode))[1]


def badge_html(mode: str, over_tls: bool = False) -> str:
    """Render a mode as a badge: the mode's colour as a border and a wash behind text in the theme's colour."""
    colour, words = BADGES.get(mode, (BRAND, mode))
    words += ", over TLS to the server" if over_tls else ""
    style = (
        f"background:{tint(colour, 22)};color:{TEXT};border:1px solid {colour};"
        "border-radius:4px;padding:0 6px;font-size:12px"
    )
    return f'<span class="chatkit-badge chatkit-{escape(mode)}" style="{style}">{escape(words)}</span>'


def scrolling(inner: str, height: str = "320px") -> str:
    """Wrap rows in a box that scrolls and starts at the bottom (a reversed column keeps the newest in view).

    The box is a tab stop (tabindex 0), so a person without a mouse can focus it and scroll it with the arrow keys.
    """
    outer = f"max-height:{height};overflow-y:auto;display:flex;flex-direction:column-reverse;line-height:1.35"
    return f'<div tabindex="0" style="{outer}"><div>{inner}</div></div>'
