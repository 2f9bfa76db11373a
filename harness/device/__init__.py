"""The device layer: one Android device over adb (``harness.device.device.Device``).

Importing this package imports adbutils first, through ``adb_env.import_adbutils``: adbutils reads
``ANDROID_ADB_SERVER_PORT`` at import and a malformed value would otherwise be a traceback before
the harness could name it.  Every module of the harness that uses adbutils lives in or imports
this package, so this runs before any of them.
"""

from harness.device.adb_env import import_adbutils

import_adbutils()
