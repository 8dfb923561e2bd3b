"""Small helpers for how things look: a colour per sender, the time of day, ciphertext in base64 or hex, badges."""

import base64
import binascii
import html
import time
import zlib

PALETTE = ("#1b5e20", "#0d47a1", "#6a1b9a", "#bf360c", "#00695c", "#ad1457", "#4e342e", "#283593")
MONO = "font-family:monospace;font-size:11px;word-break:break-all"
BADGES = {
    "classic": ("#b00020", "classic: the server can read everything (INSECURE on purpose)"),
    "sealed": ("#1b5e20", "sealed: the server stores ciphertext only"),
}


def colour_of(name: str) -> str:
    """Pick a colour for a sender, the same one every run (Python's own hash changes between runs)."""
    return PALETTE[zlib.crc32(name.encode()) % len(PALETTE)]


def clock(when: float) -> str:
    """Format a Unix time as the local time of day."""
    return time.strftime("%H:%M:%S", time.localtime(when))


def in_encoding(ciphertext: str, encoding: str) -> str:
    """Show base64 ciphertext as it crossed the wire, or the same bytes in hex."""
    if encoding != "hex":
        return ciphertext
    try:
        return base64.b64decode(ciphertext, validate=True).hex()
    except (binascii.Error, ValueError):
        return ciphertext  # not base64 (a tampered line): show it exactly as it came


def escape(text: str) -> str:
    """Escape text for HTML, so a message cannot inject markup into the page."""
    return html.escape(text, quote=True)


def badge_text(mode: str) -> str:
    """Say in words what a mode lets the server see."""
    return BADGES.get(mode, ("#555", mode))[1]


def badge_html(mode: str) -> str:
    """Render a mode as a coloured badge."""
    colour, words = BADGES.get(mode, ("#555", mode))
    style = f"background:{colour};color:white;border-radius:4px;padding:1px 6px;font-size:12px"
    return f'<span class="chatkit-badge chatkit-{escape(mode)}" style="{style}">{escape(words)}</span>'


def scrolling(inner: str, height: str = "320px") -> str:
    """Wrap rows in a box that scrolls and starts at the bottom (a reversed column keeps the newest in view)."""
    outer = f"max-height:{height};overflow-y:auto;display:flex;flex-direction:column-reverse;line-height:1.35"
    return f'<div style="{outer}"><div>{inner}</div></div>'
