"""TLS for the branch LAN: the branch's own certificate authority, the server's certificate, and
the SSL contexts of both ends (the ``cryptography`` package; no internet, no public CA).

* ``lapak ca init`` makes the branch CA (:func:`init_ca`): a key that never leaves the server
  PC (owner-only) and a certificate every booth and console pins (``[server] ca``).
* ``lapak ca issue --host ADDRESS ...`` makes the server's key and certificate signed by it
  (:func:`issue_server_cert`), naming every address and host name the devices use to reach it.
* :func:`server_context` / :func:`client_context`: TLS 1.2 at least; the client checks the
  certificate against the pinned branch CA *and* the host name in the URL.

Plain ``ws://`` exists for a development machine only: the server needs ``[listen] allow_plain``
and the clients ``[server] allow_plain``, and both say so loudly, because every hello then
carries a device token across the LAN in clear.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from pathlib import Path

from signaling.errors import SignalingError

CA_KEY, CA_CERT = "branch-ca.key", "branch-ca.pem"
SERVER_KEY, SERVER_CERT = "server.key", "server.pem"


class TlsError(SignalingError):
    """A CA, certificate or key is missing, unreadable or does not fit (the message names the file)."""


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def init_ca(folder: Path, branch: str, *, days: int = 3650) -> tuple[Path, Path]:
    """Create the branch CA in ``folder``: its key (owner-only) and certificate.

    Raises:
        TlsError: a CA is there already (a new one would cut every device off).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    folder = Path(folder)
    key_path, cert_path = folder / CA_KEY, folder / CA_CERT
    if key_path.exists() or cert_path.exists():
        raise TlsError(f"{folder} already holds a branch CA ({CA_KEY}/{CA_CERT}); a new one would make every device's "
                       f"pinned CA useless. Remove them first if that is what you want")
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"lapak branch CA {branch}"[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lapak")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def issue_server_cert(ca_folder: Path, hosts: list[str], out: Path, *, days: int = 825) -> tuple[Path, Path]:
    """Sign a server certificate for ``hosts`` (IP addresses and host names) with the branch CA.

    Returns:
        (key path, certificate path) in ``out``; existing ones are replaced.

    Raises:
        TlsError: no CA in ``ca_folder``, no host given, or a host that is neither an address
            nor a host name.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_folder, out = Path(ca_folder), Path(out)
    if not hosts:
        raise TlsError("name at least one --host: the address or host name booths and consoles use for the server")
    try:
        ca_key = serialization.load_pem_private_key((ca_folder / CA_KEY).read_bytes(), None)
        ca_cert = x509.load_pem_x509_certificate((ca_folder / CA_CERT).read_bytes())
    except FileNotFoundError as exc:
        raise TlsError(f"no branch CA in {ca_folder} ({exc.filename} missing): run `lapak ca init` first") from None
    except ValueError as exc:
        raise TlsError(f"the branch CA in {ca_folder} cannot be read: {exc}") from None
    names: list = []
    for h in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            if not h or any(c in h for c in " /:@") or len(h) > 253:
                raise TlsError(f"--host {h!r} is neither an IP address nor a host name") from None
            names.append(x509.DNSName(h))
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0][:64])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    key_path, cert_path = out / SERVER_KEY, out / SERVER_CERT
    for p in (key_path, cert_path):
        if p.exists():
            p.unlink()
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """The server's TLS context.

    Raises:
        TlsError: the files are missing or do not belong together.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(cert, key)
    except FileNotFoundError as exc:
        raise TlsError(f"TLS: {exc.filename} is missing (lapak ca issue makes it)") from None
    except (ssl.SSLError, OSError) as exc:
        raise TlsError(f"TLS: the certificate {cert} and key {key} cannot be used together: {exc}") from None
    return ctx


def client_context(ca: Path) -> ssl.SSLContext:
    """A client's TLS context that trusts only the branch CA (and checks the host name).

    Raises:
        TlsError: the CA file is missing or not a certificate.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_verify_locations(cafile=str(ca))
    except FileNotFoundError:
        raise TlsError(f"TLS: the branch CA {ca} is missing (copy {CA_CERT} from the server)") from None
    except (ssl.SSLError, OSError) as exc:
        raise TlsError(f"TLS: {ca} is not a CA certificate: {exc}") from None
    return ctx
