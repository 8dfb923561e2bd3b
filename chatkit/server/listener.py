"""The server's sockets: the listening socket, and the options every accepted connection gets."""

import socket

ACCEPT_POLL_SECONDS = 0.2  # how often the accept loop checks whether stop() was called
# TCP keepalive: after a minute of silence the kernel probes the peer every 10 s and gives up after 5 failed
# probes, so a laptop that vanished (lid closed, Wi-Fi gone) is cleared in about two minutes, not hours.
KEEPALIVE = {"TCP_KEEPIDLE": 60, "TCP_KEEPINTVL": 10, "TCP_KEEPCNT": 5}


def create_listener(host: str, port: int) -> socket.socket:
    """Open a listening TCP socket (IPv4 or IPv6, by the host given)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once on the same port
    try:
        sock.bind((host, port))
        sock.listen(512)
    except OSError:  # e.g. "address already in use": close the socket before saying so
        sock.close()
        raise
    sock.settimeout(ACCEPT_POLL_SECONDS)
    return sock


def tune_connection(sock: socket.socket) -> None:
    """Send small messages at once and let the kernel find dead peers (with our timings where it allows)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in KEEPALIVE.items():
        if hasattr(socket, option):  # Linux has all three; other systems some or none (then system defaults)
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
