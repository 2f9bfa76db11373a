"""The phone's shell: the bubblewrap sandbox and the service tools behind it.

``sandbox`` builds the confined command line of an ``adb shell``; ``tools`` are Android's service
commands (``pm``, ``settings``, ``am``, ...), run in the daemon by ``toolserver`` for the clients
``install`` writes into ``/system/bin``; ``su`` starts the root commands of a rooted phone's
``su``; ``onphone`` holds the programs that run inside the sandbox itself (standard library
only: the tool client, toybox, ``nc``, ``su``).
"""
