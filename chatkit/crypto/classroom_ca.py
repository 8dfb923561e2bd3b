"""A classroom certificate authority: one CA key and certificate, and a short-lived server certificate it signs.

    files = classroom_ca("~/.chatkit/tls")     # made on first use, reused after; the server certificate renewed
    files.ca_cert                              # what every client pins: the only CA it believes
    files.server_cert, files.server_key        # what `chatkit server --tls` presents

The CA is the classroom's own, not the web's: a client that trusts only it believes only servers it signed. The
server certificate names 127.0.0.1, ::1 and localhost (the kit listens on loopback) and lives a few days, so a
copied server key is worth little for long. Keys are ECDSA P-256. Every file is readable only by its owner (0600)
in a folder only its owner can open (0700); the CA key never leaves that folder.
"""

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "chatkit classroom CA"
SERVER_NAME = "chatkit classroom server"
CA_DAYS = 90
SERVER_DAYS = 7  # short: a leaked server key is good for a week at most
RENEW_BEFORE = datetime.timedelta(days=1)  # a server certificate this close to its end is replaced
LOOPBACK_NAMES = ("localhost",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY = "classroom-ca.pem", "classroom-ca.key", "server.pem", "server.key"
FOLDER_VARIABLE = "CHATKIT_TLS"  # where the terminal commands keep the CA, else ~/.chatkit/tls


class ClassroomCAError(Exception):
    """The classroom CA's files could not be made or read."""


@dataclass(frozen=True)
class TlsFiles:
    """Where a classroom CA keeps its files, all PEM: `TlsFiles.at(folder)`."""

    folder: Path
    ca_cert: Path  # what every client pins
    ca_key: Path  # never leaves the folder: whoever holds it makes servers every client believes
    server_cert: Path
    server_key: Path

    @classmethod
    def at(cls, folder: str | Path) -> "TlsFiles":
        """Return the files of the CA in `folder` (whether they exist yet or not)."""
        where = Path(folder).expanduser()
        return cls(where, where / CA_CERT, where / CA_KEY, where / SERVER_CERT, where / SERVER_KEY)


def default_folder() -> Path:
    """Return the folder the terminal commands use: $CHATKIT_TLS, else ~/.chatkit/tls."""
    return Path(os.environ.get(FOLDER_VARIABLE) or Path.home() / ".chatkit" / "tls")


def classroom_ca(folder: str | Path) -> TlsFiles:
    """Return the classroom CA in `folder`, making the CA on first use and a fresh server certificate when due."""
    files = TlsFiles.at(folder)
    files.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(files.folder, 0o700)  # mkdir's mode is masked by the umask, and an existing folder keeps its own
    if not files.ca_cert.is_file() or not files.ca_key.is_file():
        key = ec.generate_private_key(ec.SECP256R1())
        write_private(files.ca_key, private_pem(key))
        write_private(files.ca_cert, self_signed_ca(key).public_bytes(serialization.Encoding.PEM))
    check_ca_in_date(files)
    if server_certificate_due(files):
        issue_server_certificate(files)
    return files


def check_ca_in_date(files: TlsFiles) -> None:
    """Raise ClassroomCAError if the CA ends within a day: a new CA means new pins, so a person decides."""
    ends = x509.load_pem_x509_certificate(files.ca_cert.read_bytes()).not_valid_after_utc
    if ends < datetime.datetime.now(datetime.UTC) + RENEW_BEFORE:
        raise ClassroomCAError(
            f"the classroom CA in {files.folder} ends {ends:%Y-%m-%d}: remove the folder to make a new one,"
            " and give every client the new classroom-ca.pem"
        )


def self_signed_ca(key: ec.EllipticCurvePrivateKey, days: int = CA_DAYS) -> x509.Certificate:
    """Return a CA certificate for `key`, signed by itself: it may sign server certificates, nothing below them."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)  # cert and CRL signing
    builder = certificate_builder(name, name, key.public_key(), days)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(usage, critical=True)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    return builder.sign(key, hashes.SHA256())


def server_certificate(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, server_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    """Return a certificate for the server's key, signed by the CA, valid for the loopback names only."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    where: list[x509.GeneralName] = [x509.DNSName(host) for host in LOOPBACK_NAMES]
    where += [x509.IPAddress(ipaddress.ip_address(address)) for address in LOOPBACK_ADDRESSES]
    builder = certificate_builder(name, ca_cert.subject, server_key.public_key(), SERVER_DAYS)
    builder = builder.add_extension(x509.SubjectAlternativeName(where), critical=False)
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return builder.add_extension(authority, critical=False).sign(ca_key, hashes.SHA256())


def certificate_builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int
) -> x509.CertificateBuilder:
    """Start a certificate: who it names, who signs it, its key, a random serial, valid from a minute ago."""
    now = datetime.datetime.now(datetime.UTC)
    builder = x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
    builder = builder.serial_number(x509.random_serial_number()).not_valid_after(now + datetime.timedelta(days=days))
    # a minute back: a client whose clock is a little behind still accepts a certificate made just now
    return builder.not_valid_before(now - datetime.timedelta(minutes=1))


def issue_server_certificate(files: TlsFiles) -> None:
    """Make a new server key and have the CA sign its certificate."""
    ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ClassroomCAError(f"{files.ca_key} holds a {type(ca_key).__name__}, not the CA's ECDSA key")
    ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server_key = ec.generate_private_key(ec.SECP256R1())
    write_private(files.server_key, private_pem(server_key))
    certificate = server_certificate(ca_key, ca_cert, server_key)
    write_private(files.server_cert, certificate.public_bytes(serialization.Encoding.PEM))


def server_certificate_due(files: TlsFiles) -> bool:
    """Return True if the server certificate is missing, ends within a day, or was not signed by this CA."""
    if not files.server_cert.is_file() or not files.server_key.is_file():
        return True
    certificate = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    ending = certificate.not_valid_after_utc - datetime.datetime.now(datetime.UTC) < RENEW_BEFORE
    return ending or certificate.issuer != ca_cert.subject


def private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """Return a private key as PEM (unencrypted: the file's 0600 is what guards it)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read or write (0600 from the start, never readable by others meanwhile)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
