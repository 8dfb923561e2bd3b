"""TLS on the client's side: a context that believes the classroom CA and nothing else, and errors in words.

    context = client_context(files.ca_cert)       # the classroom CA's certificate (chatkit.crypto.classroom_ca)
    client = ChatClient("127.0.0.1", port, "alice", password, tls=context)

The context pins the classroom CA: it loads that one certificate and none of the system's, so a server is believed
only with a certificate the classroom CA signed, for the name or address the client dialled (check_hostname).
"""

import ssl
from pathlib import Path

from chatkit.protocol import ChatError

HANDSHAKE_SECONDS = 5.0  # a server that does not answer TLS this fast is most likely not speaking TLS
FAKE_SERVER = "the server's certificate is not signed by the classroom CA: this may be a fake server"
CERT_HAS_EXPIRED = 10  # OpenSSL's X509_V_ERR_CERT_HAS_EXPIRED
NOT_TLS = "the server did not answer in TLS: is it running without --tls? (then connect without --tls too)"


class TlsFailed(ChatError):
    """The TLS handshake with the server failed; the text says why in words."""


def client_context(ca_cert: str | Path) -> ssl.SSLContext:
    """Return a TLS 1.3 client context that trusts only the CA certificate in `ca_cert` and checks the host name."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED and check_hostname are its default
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.options |= ssl.OP_IGNORE_UNEXPECTED_EOF  # a server that hangs up without TLS's goodbye: the end
    try:
        context.load_verify_locations(cafile=ca_cert)
    except (OSError, ssl.SSLError) as error:
        raise TlsFailed(f"cannot read the classroom CA's certificate {ca_cert}: {error}") from None
    return context


def explain(error: OSError, host: str, port: int) -> TlsFailed:
    """Turn a failed handshake into a sentence a person can act on."""
    if isinstance(error, ssl.SSLCertVerificationError):
        detail = error.verify_message or "the certificate check failed"
        if error.verify_code == CERT_HAS_EXPIRED:
            return TlsFailed(f"{host}:{port}: the server's certificate has expired ({detail})")
        if "hostname" in detail or "IP address mismatch" in detail:
            return TlsFailed(f"{host}:{port}: the server's certificate is for another name or address ({detail})")
        return TlsFailed(f"{host}:{port}: {FAKE_SERVER} ({detail})")
    if isinstance(error, TimeoutError | ssl.SSLError | ConnectionError):
        return TlsFailed(f"{host}:{port}: {NOT_TLS}")
    return TlsFailed(f"{host}:{port}: the TLS handshake failed: {error.strerror or error}")
