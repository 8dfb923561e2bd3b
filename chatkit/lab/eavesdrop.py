"""What an eavesdropper does with a password guess: try it on every captured classic ciphertext.

    WireView(relay, unlock=classic_guess)    # the wire view gets a box: type a guess, see what it opens

In the classic design one password, with a static salt, gives the one key for every room and every deployment,
so a single right guess opens every line ever captured (notebook 04).
"""

from collections.abc import Callable

from chatkit.crypto import CannotDecrypt, classic, kdf


def classic_guess(password: str) -> Callable[[str], str | None]:
    """Derive the classic key from a guess (once) and return a function that tries it on one ciphertext."""
    key = kdf.classic_key(password)

    def open_with_guess(token: str) -> str | None:
        try:
            return classic.decrypt(key, token)
        except CannotDecrypt:
            return None

    return open_with_guess
