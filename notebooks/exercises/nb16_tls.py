"""Notebook 16, exercises: what a TLS record still tells the network, and a client that believes one CA only.

A TLS 1.3 record is a 5-byte header (type, version, length) and an encrypted body: the chat line, one byte that
holds the record's real type, and a 16-byte authentication tag (every TLS 1.3 cipher suite has a 16-byte tag).
Nobody on the path can read the body; everybody can count it.
"""

import ssl  # noqa: F401 (the stub keeps the imports a solution needs)
from pathlib import Path

from cryptography import x509  # noqa: F401
from cryptography.exceptions import InvalidSignature  # noqa: F401

RECORD_HEADER = 5  # content type, legacy version, length
INNER_TYPE = 1  # TLS 1.3 hides the real content type inside the encrypted body
TAG = 16


def line_length(record: bytes) -> int:
    """Return how many bytes of chat line an application-data record carries (the whole record given)."""
    raise NotImplementedError("your code here: replace this line")


def which_was_sent(record: bytes, known: dict[str, int]) -> str | None:
    """Return the text whose line has as many bytes as the record carries, or None if no text in `known` has.

    `known` maps texts the eavesdropper expects ("yes", "no", ...) to the length of the line each makes on the
    wire, learned by watching earlier messages.
    """
    raise NotImplementedError("your code here: replace this line")


def pinned_context(ca_cert: Path) -> ssl.SSLContext:
    """Return a client context that speaks TLS 1.3 at least and believes only the CA certificate in `ca_cert`.

    It must check the server's certificate (ssl.CERT_REQUIRED) and the name in it (check_hostname), and load no
    certificate but the one file: not the system's, which would let any public CA vouch for a fake server.
    """
    raise NotImplementedError("your code here: replace this line")


def signed_by(certificate_pem: bytes, ca_pem: bytes) -> bool:
    """Return True if the CA in `ca_pem` signed the certificate in `certificate_pem` (both PEM), else False.

    cryptography's x509.load_pem_x509_certificate reads each; Certificate.verify_directly_issued_by raises
    (ValueError, TypeError or InvalidSignature) when the issuer's name or the signature does not match.
    """
    raise NotImplementedError("your code here: replace this line")
