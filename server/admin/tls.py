"""The API server's certificate: the one given (KNITGRAPH_TLS_CERT/KEY), or one made here, signed by
a CA of this installation that ``knitgraph up`` hands to ``knit`` in its knitprofile (as Knitfab
carries its CA in ``cert.ca``)."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from knitgraph.graph_schema.errors import InvalidInputError

from ..settings import Settings

CA_DAYS = 3650
SERVER_DAYS = 397


@dataclass(frozen=True, slots=True)
class TlsFiles:
    cert: Path
    key: Path
    ca: Path | None  # what clients must trust; None: a publicly trusted certificate

    def ca_base64(self) -> str | None:
        """The CA as a knitprofile carries it: base64 of the PEM."""
        return base64.b64encode(self.ca.read_bytes()).decode() if self.ca else None


def tls_files(settings: Settings) -> TlsFiles | None:
    """The certificate to serve with, made first if it is to be generated; None for plain HTTP."""
    if settings.tls_cert is not None or settings.tls_key is not None:
        if settings.tls_cert is None or settings.tls_key is None or not settings.tls_cert.is_file() \
                or not settings.tls_key.is_file():
            raise InvalidInputError("KNITGRAPH_TLS_CERT and KNITGRAPH_TLS_KEY must both name readable PEM files",
                                    "give both, or neither (KNITGRAPH_TLS=generate makes a certificate)")
        return TlsFiles(settings.tls_cert, settings.tls_key, settings.tls_ca)
    if settings.tls != "generate":
        return None
    folder = settings.home / "tls"
    files = TlsFiles(folder / "server.pem", folder / "server.key", folder / "ca.pem")
    if not (files.cert.exists() and files.key.exists() and files.ca and files.ca.exists()):
        _generate(folder, files, settings.host_names)
    return files


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _names(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(h.strip("[]") for h in hosts if h and h != "*"):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _generate(folder: Path, files: TlsFiles, hosts: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, server_key = _key(), _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "knitgraph local CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now)
          .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "knitgraph")]))
              .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
              .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    _write_private(files.key, server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    _write_private(folder / "ca.key", ca_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    files.cert.write_bytes(server.public_bytes(pem) + ca.public_bytes(pem))
    assert files.ca is not None
    files.ca.write_bytes(ca.public_bytes(pem))
