"""The CA's Android file name: ``subject_hash_old`` computed in Python equals what the ``openssl``
command prints (the name Android's CA stores use), for mitmproxy's own CA and other subjects."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.capture.ca import CaCert, pem_blocks
from harness.capture.proxy import MitmProxy
from harness.errors import ConfigError
from tests.capture.mitm_support import make_ca

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def openssl_hash(pem: Path) -> str:
    result = subprocess.run(["openssl", "x509", "-inform", "PEM", "-subject_hash_old", "-noout", "-in", str(pem)],
                            capture_output=True, text=True, check=True, timeout=30)
    return result.stdout.strip()


@pytest.mark.parametrize("common", ["Harness Test Root CA", "ÄÖÜ Zertifikat — ünïcödé", "x"])
def test_subject_hash_old_matches_openssl(tmp_path: Path, common: str) -> None:
    path, _key, _cert = make_ca(tmp_path, common)
    assert CaCert.from_pem(path.read_bytes()).hash_name == openssl_hash(path)


def test_mitmproxys_ca_gets_the_name_openssl_gives_it(tmp_path: Path) -> None:
    proxy = MitmProxy(tmp_path / "confdir")
    proxy.start()
    proxy.stop()
    ca = CaCert.from_pem(proxy.ca_pem.read_bytes())
    assert ca.hash_name == openssl_hash(proxy.ca_pem)
    assert len(ca.hash_name) == 8 and ca.file_name([]) == f"{ca.hash_name}.0"
    assert ca.file_name([f"{ca.hash_name}.0", f"{ca.hash_name}.1", "other.0"]) == f"{ca.hash_name}.2"


def test_system_store_files_carry_text_around_their_pem(tmp_path: Path) -> None:
    path, _key, _cert = make_ca(tmp_path)
    text = subprocess.run(["openssl", "x509", "-in", str(path), "-text"], capture_output=True, check=True,
                          timeout=30).stdout  # the form of /system/etc/security/cacerts files
    assert b"Certificate:" in text
    (block,) = pem_blocks(text)
    assert CaCert.from_pem(text).pem == block
    assert len(pem_blocks(text + path.read_bytes())) == 2
    with pytest.raises(ConfigError, match="no PEM certificate"):
        CaCert.from_pem(b"Certificate:\n    nothing here\n")
