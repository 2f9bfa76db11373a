"""The phone's ADB side (adbd): what a host's adb server talks to.

The transport over TCP and its packets (``adbd``, ``protocol``), one ``stream`` per OPEN with its
flow control, and the services an OPEN names (``services``): ``shell:``/``exec:``
(``shell_service``), ``sync:`` (``sync_service``), ``reverse:`` (``reverse``: ``adb reverse``,
whose connections adbd OPENs to the host), ``tcp:N`` and adbd's fixed replies.
"""
