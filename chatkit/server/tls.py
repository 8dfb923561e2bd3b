"""TLS on the server's side: the context it presents its certificate with, and the handshake in a member's thread.

    context = server_context(files.server_cert, files.server_key)    # files: chatkit.crypto.classroom_ca
    server = ChatServer("sealed", tls=context)

The accept loop only gives each member a TlsChannel (chatkit/channel.py: TLS in memory over the plain socket, no
network traffic yet); the handshake runs in the member's own thread with a time limit, so a client that starts
TLS and never finishes it holds up nobody but itself. A client that speaks plain JSON to a TLS server gets one
plain error line saying so, not silence.
"""

import contextlib
import socket
import ssl
import time
from pathlib import Path

from chatkit import protocol
from chatkit.channel import TlsChannel

HANDSHAKE_SECONDS = 10.0  # as long as a plain connection has to say hello
PLAIN_START = b"{"  # every plain chat line is a JSON object; every TLS connection starts with a record type byte
NEEDS_TLS = "this server speaks TLS only: connect with --tls (ChatClient(..., tls=...))"


def server_context(cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """Return a TLS 1.3-only server context that presents the certificate `cert` with its key `key`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    # A peer that vanishes without TLS's goodbye ends like a plain connection: lines are whole or not acted on.
    context.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    context.load_cert_chain(cert, key)
    return context


def shake_hands(channel: TlsChannel, seconds: float = HANDSHAKE_SECONDS) -> bool:
    """Finish the TLS handshake within `seconds` in all; return False (after telling a plain client why) if it fails."""
    channel.sock.settimeout(seconds)
    started = time.monotonic()
    try:
        if channel.sock.recv(1, socket.MSG_PEEK) == PLAIN_START:  # a peek: the byte stays for whoever reads next
            tell_plain_client(channel.sock)
            return False
        channel.handshake(seconds - (time.monotonic() - started))  # one limit for the peek and the handshake
    except OSError:  # a time-out, a failed handshake, a peer that left: only this member is lost
        return False
    channel.sock.settimeout(None)
    return True


def tell_plain_client(sock: socket.socket) -> None:
    """Take the plain line that came, answer with one plain error line (outside TLS), and say nothing more."""
    with contextlib.suppress(OSError):
        # taken first: closing a socket with unread bytes resets the connection, and the answer would be lost
        sock.recv(protocol.MAX_LINE_BYTES)
        sock.sendall(protocol.encode(protocol.error("wrong_mode", NEEDS_TLS)))
        sock.shutdown(socket.SHUT_WR)
