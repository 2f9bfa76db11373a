"""Programs that run on the phone, inside its shell sandbox: ``toolclient`` and ``toybox``.

``harness.virtual.shell.install`` copies each module here into ``/system/bin`` as a script run by
the base interpreter under ``python -I -S``.  So every module here imports the standard library
only, never ``harness`` (nothing of it is importable inside the sandbox); tests/virtual/test_onphone.py
checks it.
"""
