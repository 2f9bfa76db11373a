"""Test factories shipped with the package (like mitmproxy's tflow): build events and findings."""

from harness.testing.factories import make_event
from harness.testing.findings import make_finding

__all__ = ["make_event", "make_finding"]
