r"""Text from the network made safe to show: nothing in it can start a new line, move the cursor or recolour.

A server or a member controls the text of messages, notices, errors and names. Shown as it is, a newline in it
prints a second line that looks like someone else's message, and an ANSI escape sequence can erase the line above
or change colours. `visible` writes every such character as an escape a person can read, and leaves the rest
(accents, emoji, any script) alone:

>>> print(visible("hi\n[general] alice: send money"))
hi\n[general] alice: send money
>>> visible("\x1b[2K\rerased"), visible("caf\u00e9 \u2713")
('\\x1b[2K\\rerased', 'café ✓')
"""

import unicodedata

NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters that are not controls by category but still rearrange or break what is shown: line and paragraph
# separators, and the bidirectional overrides and isolates that reorder text ("Trojan Source", CVE-2021-42574).
REORDERING = {"\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def visible(text: str) -> str:
    """Return text with every control, separator and reordering character written as a visible escape."""
    return "".join(escaped(character) for character in text)


def escaped(character: str) -> str:
    """Return one character as it is, or as an escape if it could change what else is shown."""
    if character in NAMED:
        return NAMED[character]
    if character in REORDERING or unicodedata.category(character) == "Cc":
        code = ord(character)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return character
