"""Frida instrumentation: reach a device, put the hook agent into processes, receive its events.

    devices.py       FridaDevice seam: open_usb(serial) / open_remote(host:port) / open_local()
    versions.py      frida client/server versions; check_server() refuses another major
    frida_errors.py  frida exceptions -> InstrumentError with what to do
    session.py       AgentSession: one process, the agent loaded (init), batches -> EventSink
    tracer.py        Tracer: spawn / attach / attach-after-launch / reattach, TargetListener
    trace.py, cli.py ``harness trace``
    agent.py, messages.py, cli_hooks.py   the hook agent bundle, its batch decoder, ``harness hooks``
    agent_build.py   compiles frida_hooks/ into the bundle the package ships (setup.py) or a checkout caches
"""
