"""Fuzzing the detector's inputs: only located HarnessErrors come out of the readers, never a traceback
out of ``harness detect`` (hypothesis documents with random mutations, and a corpus of known cases)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from detect_support import CANARY_YAML
from fuzz_support import CORPUS, assert_located, canary_documents, har_documents, jsonl_documents, read_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main
from harness.detect import destinations

_FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_STRATEGIES = {"har": har_documents(), "jsonl": jsonl_documents(), "canary": canary_documents()}
_SUFFIX = {"har": "har", "jsonl": "jsonl", "canary": "yaml"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with the good canary file and an empty HAR; the Public Suffix List and the bundled
    tracker list parsed once (they take most of each ``harness detect`` call, and are no input)."""
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "good.yaml").write_text(CANARY_YAML, encoding="utf-8")
    (folder / "empty.har").write_text(json.dumps({"log": {"entries": []}}), encoding="utf-8")
    suffixes, trackers = destinations.PublicSuffixList(), destinations.TrackerDb.bundled()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(destinations, "PublicSuffixList", lambda: suffixes)
        patch.setattr(destinations.TrackerDb, "bundled", staticmethod(lambda: trackers))
        yield folder


def _check_reader(kind: str, path: Path, document: bytes) -> None:
    path.write_bytes(document)
    assert_located(read_errors(kind, path), path)


def _check_cli(kind: str, folder: Path, document: bytes) -> None:
    path = folder / f"input.{_SUFFIX[kind]}"
    path.write_bytes(document)
    canaries = path if kind == "canary" else folder / "good.yaml"
    capture = ["--har", str(folder / "empty.har")] if kind == "canary" else [f"--{kind}", str(path)]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["detect", "--canaries", str(canaries), *capture, "--json"])
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue() and "bug of the detector" not in err.getvalue(), err.getvalue()
    assert all(line.startswith("harness: ") for line in err.getvalue().splitlines()), err.getvalue()
    if code != 2:
        json.loads(out.getvalue())  # the findings of everything readable, whatever else happened
    assert (code == 0) == (err.getvalue() == ""), err.getvalue()


@_FAST
@given(document=har_documents())
def test_har_reader_only_raises_located_errors(workdir: Path, document: bytes) -> None:
    _check_reader("har", workdir / "fuzz.har", document)


@_FAST
@given(document=jsonl_documents())
def test_jsonl_reader_only_raises_located_errors(workdir: Path, document: bytes) -> None:
    _check_reader("jsonl", workdir / "fuzz.jsonl", document)


@_FAST
@given(document=canary_documents())
def test_canary_loader_only_raises_located_errors(workdir: Path, document: bytes) -> None:
    _check_reader("canary", workdir / "fuzz.yaml", document)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kind=st.sampled_from(sorted(_STRATEGIES)))
def test_the_cli_never_shows_a_traceback(workdir: Path, data: st.DataObject, kind: str) -> None:
    _check_cli(kind, workdir, data.draw(_STRATEGIES[kind]))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus(workdir: Path, name: str) -> None:
    kind, build = CORPUS[name]
    document = build()
    _check_reader(kind, workdir / f"corpus.{_SUFFIX[kind]}", document)
    _check_cli(kind, workdir, document)
