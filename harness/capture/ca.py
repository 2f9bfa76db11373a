"""The proxy's CA certificate as Android wants it: PEM, named by the *old* OpenSSL subject hash.

Android's CA stores (``/system/etc/security/cacerts``, the Conscrypt APEX store on 14+, and the
user store ``/data/misc/user/0/cacerts-added``) name each certificate ``<hash>.<n>`` where
``<hash>`` is ``openssl x509 -subject_hash_old``: the first four bytes of the MD5 of the DER
subject name, read little-endian, as 8 hex digits (OpenSSL's ``X509_NAME_hash_old``), and ``n``
counts up from 0 when two certificates share a hash.  ``subject_hash_old`` computes it with the
``cryptography`` package (tests compare it with the ``openssl`` command).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509

from harness.errors import ConfigError

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----")


def subject_hash_old(cert: x509.Certificate) -> str:
    """``openssl x509 -subject_hash_old`` of ``cert``: the name Android gives its file (without ``.0``)."""
    digest = hashlib.md5(cert.subject.public_bytes(), usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


def pem_blocks(data: bytes) -> list[bytes]:
    """Every PEM certificate in ``data`` (Android's system store files carry text around theirs)."""
    return [m.group(0) + b"\n" for m in _PEM_BLOCK.finditer(data)]


@dataclass(frozen=True)
class CaCert:
    """One CA certificate: its PEM text, and the name Android files it under."""

    pem: bytes
    hash_name: str

    @classmethod
    def from_pem(cls, pem: bytes, where: str = "CA certificate") -> CaCert:
        blocks = pem_blocks(pem)
        if not blocks:
            raise ConfigError(f"{where}: no PEM certificate in it")
        try:
            cert = x509.load_pem_x509_certificate(blocks[0])
        except ValueError as exc:
            raise ConfigError(f"{where}: not a certificate ({exc})") from exc
        return cls(pem=blocks[0], hash_name=subject_hash_old(cert))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pem).hexdigest()

    def file_name(self, taken: Iterable[str]) -> str:
        """``<hash>.<n>`` with the first ``n`` not in ``taken`` (the store's file names)."""
        names = set(taken)
        n = 0
        while f"{self.hash_name}.{n}" in names:
            n += 1
        return f"{self.hash_name}.{n}"
