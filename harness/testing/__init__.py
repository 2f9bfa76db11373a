"""Test factories shipped with the package (like mitmproxy's tflow): build events and findings."""

from harness.testing.factories import make_event

__all__ = ["make_event"]
