"""The phone's shell: the bubblewrap sandbox and the service tools behind it.

``sandbox`` builds the confined command line of an ``adb shell``; ``tools`` are Android's service
commands (``pm``, ``settings``, ``am``, ...), run in the daemon by ``toolserver`` for the clients
``install`` writes into ``/system/bin``; ``onphone`` holds the programs that run inside the
sandbox itself (standard library only).
"""
