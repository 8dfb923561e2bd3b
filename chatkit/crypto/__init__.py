"""Pure cryptography on bytes: key derivation, the classic and sealed ciphers, signatures.

Nothing here touches a socket, a thread or a database (architecture.md): every function can be tried in a cell.
"""

from chatkit.crypto.errors import CANNOT_DECRYPT, BadPadding, BadSignature, CannotDecrypt

__all__ = ["CANNOT_DECRYPT", "BadPadding", "BadSignature", "CannotDecrypt"]
