"""A stand-in for a quantum computer that breaks X25519, and nothing else (notebook 13).

Shor's algorithm, on a large enough quantum computer, would compute the private key of any X25519 public key: the
discrete logarithm that classical computers cannot find. No such computer exists yet, which is why "record now,
decrypt later" is the worry: someone who records today's handshakes can open them on the day one does.

The kit cannot compute discrete logarithms either, so the oracle cheats honestly: while it is installed, it
records every X25519 key this Python process makes through `chatkit.crypto.hybrid.new_x25519_key` (the seam every
exchange takes its ephemeral keys from), and it answers "what is the private key of this public key?" from that
record. It knows nothing about ML-KEM-768: a lattice problem that no known quantum algorithm solves fast. So it
opens exactly what a quantum attacker could open, and no more.

>>> from chatkit.crypto import hybrid
>>> with QuantumOracle() as oracle:
...     key = hybrid.new_x25519_key()
>>> public = key.public_key().public_bytes_raw()
>>> oracle.private_key(public).private_bytes_raw() == key.private_bytes_raw()
True
>>> oracle.private_key(bytes(32))
Traceback (most recent call last):
    ...
LookupError: the oracle never saw this X25519 public key (it only knows keys made while it was installed)
"""

from chatkit.crypto import hybrid
from chatkit.crypto.hybrid import EphemeralKey  # X25519PrivateKey by the kit's name: the lab imports no cryptography


class QuantumOracle:
    """Give the private half of any X25519 key made while installed (a `with` block), as Shor's algorithm would."""

    def __init__(self) -> None:
        self._private: dict[bytes, EphemeralKey] = {}
        self._installed = False
        self._make = hybrid.new_x25519_key

    def __enter__(self) -> "QuantumOracle":
        if self._installed:
            raise RuntimeError("this oracle is already installed")
        self._make, self._installed = hybrid.new_x25519_key, True
        hybrid.new_x25519_key = self._recording
        return self

    def __exit__(self, *exc_info: object) -> None:
        hybrid.new_x25519_key, self._installed = self._make, False

    def _recording(self) -> EphemeralKey:
        """Make an X25519 key the usual way, and remember it."""
        key = self._make()
        self._private[key.public_key().public_bytes_raw()] = key
        return key

    def private_key(self, public: bytes) -> EphemeralKey:
        """Return the private key behind an X25519 public key (raise LookupError if it was never seen)."""
        try:
            return self._private[public]
        except KeyError:
            raise LookupError(
                "the oracle never saw this X25519 public key (it only knows keys made while it was installed)"
            ) from None

    def __len__(self) -> int:
        return len(self._private)
