"""One multi-pattern pass over a layer for every form of every canary.

All forms go into a single ``ahocorasick_rs.BytesAhoCorasick``, searched with overlapping matches so a
pattern that is a prefix of another (truncated and full SHA-256 hex) is still seen.  It is built as
a DFA (about twice as fast as the contiguous NFA on large haystacks) while the patterns total at
most ``DFA_PATTERN_BYTES``; but a DFA costs about 420 bytes per pattern byte (a row of transitions
per state), so 10,000 e-mail canaries (about 20 MB of forms with their hashes) took 8.6 GB.  Beyond
that size the contiguous NFA is built instead, some twenty times smaller: with this module's tables,
4,000 e-mail canaries (the most a canary file may hold) take about 160 MB, 400 MB while being built.
Matches are then checked for digit boundaries (so a seeded IMEI inside a longer number is not a
hit) and reduced so one occurrence is reported once, as its longest form.

The installed packages (``CanarySet.installed_apps``) join the same automaton, one plain pattern
each; a match counts only standing alone (``applist.package_bounded``), and a layer's result lists
the distinct names it holds (``LayerScan.apps``) for the detector to judge (``applist.is_app_list``).
Without an ``installed_apps`` section nothing is added to the pass or to its matches' handling.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import ahocorasick_rs

from harness.detect.applist import package_bounded
from harness.detect.canaries import Canary, CanarySet, Location
from harness.detect.forms import CoordinateForm, Form, all_forms

_DIGITS = frozenset(b"0123456789")
#: Patterns totalling more than this are searched with an NFA (a DFA of this many bytes is about 55 MB;
#: the twenty-odd canaries of a scenario make about 60 KB).
DFA_PATTERN_BYTES = 128 * 1024


@dataclass(frozen=True, slots=True)
class CanaryHit:
    """A canary form found at ``start:end`` of one layer."""

    canary: Canary
    transform: str
    start: int
    end: int


class LayerScan(NamedTuple):
    """What one layer holds: canary hits, whether both location axes appear, and the installed
    packages it names (name -> offset of its first standalone occurrence)."""

    hits: list[CanaryHit]
    located: bool
    apps: dict[str, int]


_NOTHING = LayerScan([], False, {})  # what most layers hold; shared, so never changed in place


@dataclass(frozen=True, slots=True)
class _Target:
    """What one pattern stands for: canary forms, one axis of the location, or an installed package
    (a package name may also be a canary form: then both)."""

    forms: tuple[tuple[Canary, str], ...]
    axis: str | None
    bounded: bool  # reject matches glued to further digits
    app: str | None = None


class CanaryMatcher:
    """Finds all canary forms in a byte string with one automaton pass."""

    def __init__(self, canaries: CanarySet) -> None:
        forms, coords = all_forms(canaries)
        self.location: Location | None = canaries.location
        by_pattern: dict[bytes, list[tuple[Canary, str]]] = {}
        for form in forms:
            entries = by_pattern.setdefault(form.pattern, [])
            if all(existing != form.canary for existing, _ in entries):
                entries.append((form.canary, form.transform))
        self._targets: list[_Target] = [
            _Target(tuple(entries), None, _is_bounded(pattern, entries))
            for pattern, entries in by_pattern.items()
        ]
        patterns = list(by_pattern)
        for coord in _unique_coords(coords):
            if coord.pattern not in by_pattern:
                patterns.append(coord.pattern)
                self._targets.append(_Target((), coord.axis, True))
        #: the installed packages, searched as one list (see ``applist``)
        self.installed_apps: frozenset[str] = frozenset(canaries.installed_apps)
        index = {pattern: i for i, pattern in enumerate(patterns)}
        for name in canaries.installed_apps:
            pattern = name.encode("ascii")
            if pattern in index:  # also a canary form (a clipboard text that is a package name)
                self._targets[index[pattern]] = replace(self._targets[index[pattern]], app=name)
            else:
                index[pattern] = len(patterns)
                patterns.append(pattern)
                self._targets.append(_Target((), None, False, name))
        self.patterns: tuple[bytes, ...] = tuple(patterns)
        small = sum(map(len, patterns)) <= DFA_PATTERN_BYTES
        self._automaton = (
            ahocorasick_rs.BytesAhoCorasick(
                patterns,
                matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
                implementation=ahocorasick_rs.Implementation.DFA if small
                else ahocorasick_rs.Implementation.ContiguousNFA,
            )
            if patterns
            else None
        )

    def raw_matches(self, data: bytes) -> list[tuple[int, int, int]]:
        """The automaton's (pattern index, start, end) matches, unfiltered (used by the benchmark)."""
        if self._automaton is None:
            return []
        matches: list[tuple[int, int, int]] = self._automaton.find_matches_as_indexes(data, overlapping=True)
        return matches

    def scan(self, data: bytes) -> tuple[list[CanaryHit], bool]:
        """Canary hits in ``data`` and whether the location canary (both axes) appears in it."""
        hits, located, _ = self.scan_layer(data)
        return hits, located

    def scan_layer(self, data: bytes) -> LayerScan:
        """``scan``, and the installed packages ``data`` names."""
        return self.scan_joined(data, [0], [len(data)]).get(0, _NOTHING)

    def scan_joined(self, joined: bytes, starts: Sequence[int],
                    lengths: Sequence[int]) -> dict[int, LayerScan]:
        """``scan`` of each piece ``joined[start:start + length]`` with one automaton pass over all,
        by piece index, for the pieces where something matched (almost none: the others are left out).

        The pieces must be separated by bytes that end every pattern and every digit run (see
        ``prescan``); hit offsets are relative to their piece.
        """
        matches = self.raw_matches(joined)
        if not matches:
            return {}
        hits: dict[int, list[CanaryHit]] = {}
        axes: dict[int, set[str]] = {}
        apps: dict[int, dict[str, int]] = {}
        single = len(starts) == 1
        for index, start, end in matches:
            piece = 0 if single else bisect_right(starts, start) - 1
            offset = starts[piece]
            if end > offset + lengths[piece]:
                continue  # across a separator
            target = self._targets[index]
            if target.app is not None:
                if package_bounded(joined, start, end):
                    apps.setdefault(piece, {}).setdefault(target.app, start - offset)
                if not target.forms:
                    continue
            if target.bounded and not _standalone(joined, start, end, target.axis is not None):
                continue
            if target.axis is not None:
                axes.setdefault(piece, set()).add(target.axis)
                continue
            hits.setdefault(piece, []).extend(CanaryHit(canary, transform, start - offset, end - offset)
                                              for canary, transform in target.forms)
        return {piece: LayerScan(_longest_only(hits.get(piece, [])), axes.get(piece) == {"lat", "lon"},
                                 apps.get(piece, {}))
                for piece in hits.keys() | axes.keys() | apps.keys()}


def _is_bounded(pattern: bytes, entries: list[tuple[Canary, str]]) -> bool:
    hashed = any(transform.split(">")[-1].startswith(("md5", "sha")) for _, transform in entries)
    return not hashed and (pattern[0] in _DIGITS or pattern[-1] in _DIGITS)


def _standalone(data: bytes, start: int, end: int, coordinate: bool) -> bool:
    if start > 0:
        before = data[start - 1]
        if before in _DIGITS or (coordinate and before == 0x2D and data[start] != 0x2D):
            return False
        if coordinate and before == 0x2E:  # "1.53.343" is a version string, not a latitude
            return False
    # A coordinate may go on with more decimals; an identifier may not go on with more digits.
    return coordinate or end >= len(data) or data[end] not in _DIGITS


def _unique_coords(coords: list[CoordinateForm]) -> list[CoordinateForm]:
    seen: dict[bytes, CoordinateForm] = {}
    for coord in coords:
        seen.setdefault(coord.pattern, coord)
    return list(seen.values())


def _longest_only(hits: list[CanaryHit]) -> list[CanaryHit]:
    """Drop hits lying inside a longer hit of the same canary (digits inside E.164, hash prefixes)."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda hit: (hit.start, -hit.end))
    kept: list[CanaryHit] = []
    reach: dict[Canary, int] = {}
    for hit in hits:
        if reach.get(hit.canary, -1) >= hit.end:
            continue
        reach[hit.canary] = max(reach.get(hit.canary, -1), hit.end)
        kept.append(hit)
    return kept


__all__ = ["CanaryHit", "CanaryMatcher", "Form", "LayerScan"]
