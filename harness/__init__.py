"""Android privacy harness: find what personal data leaves an Android phone, per consent state and build."""

from harness.errors import HarnessError

__version__ = "0.1.0"
__all__ = ["HarnessError", "__version__"]
