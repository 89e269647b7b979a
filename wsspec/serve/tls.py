"""The TLS side of `wsspec serve`: a certificate authority made at start-up, trusted only inside
the function workers, and a certificate for the host names AWS code uses to reach the
``@connections`` API (``{apiId}.execute-api.{region}.amazonaws.com``, the spec's custom domain).

Nothing here touches the developer's machine: the files live in a private temporary directory
removed at shutdown; workers are told about them through ``AWS_CA_BUNDLE`` (boto3) and
``NODE_EXTRA_CA_CERTS`` (Node.js), and resolve those host names to this server by themselves
(``worker.py`` patches ``socket.getaddrinfo``, ``worker.js`` ``dns.lookup`` and the connect calls).
The authority's key never leaves memory: only its certificate is written.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class LocalTls:
    """The files and server context of one run."""

    directory: Path
    ca_file: Path  # the authority's certificate (NODE_EXTRA_CA_CERTS)
    bundle_file: Path  # the authority + the usual public roots (AWS_CA_BUNDLE)
    context: ssl.SSLContext  # the server side, with the certificate for ``names``
    names: tuple[str, ...]

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def available() -> bool:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


def make_local_tls(names: list[str]) -> LocalTls:
    """A fresh authority and a server certificate for ``names`` (plus localhost, 127.0.0.1)."""
    from cryptography.hazmat.primitives import serialization

    all_names = list(dict.fromkeys([*names, "localhost"]))
    ca_cert, ca_key = _authority()
    cert, key = _server_certificate(all_names, ca_cert, ca_key)
    directory = Path(tempfile.mkdtemp(prefix="wsspec-serve-tls-"))
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_pem)
    bundle_file = directory / "bundle.pem"
    bundle_file.write_bytes(ca_pem + _public_roots())
    # The server's key is written for ssl.load_cert_chain only (owner-only, removed at stop).
    chain = directory / "server.pem"
    fd = os.open(chain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(chain)
    return LocalTls(directory, ca_file, bundle_file, context, tuple(all_names))


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)


def _authority() -> tuple[Any, Any]:
    """A self-signed CA certificate and its key (P-256), valid for two days."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    start, end = _validity()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wsspec serve local CA")])
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _server_certificate(names: list[str], ca_cert: Any, ca_key: Any) -> tuple[Any, Any]:
    """A server certificate for ``names`` and 127.0.0.1, signed by the authority."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    start, end = _validity()
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _public_roots() -> bytes:
    """The roots botocore trusts by default (certifi's bundle), so that ``AWS_CA_BUNDLE`` adds
    the local authority instead of replacing them."""
    try:
        import certifi

        return b"\n" + Path(certifi.where()).read_bytes()
    except (ImportError, OSError):
        return b""
