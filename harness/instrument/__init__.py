"""Frida instrumentation: reach a device, put the hook agent into processes, receive its events.

    devices.py       FridaDevice seam: open_usb(serial) / open_remote(host:port) / open_local()
    versions.py      frida client/server versions; check_server() refuses another major
    frida_errors.py  frida exceptions -> InstrumentError with what to do
    config.py        AgentConfig (modules from the catalogue, RecorderWindow), the sink/decoder seams
    session.py       AgentSession: one process, the agent loaded (init), batches -> EventSink
    flow.py          the harness's side of the agent's flow control (acks, drain after quiesce)
    reaper.py        kills spawned local targets if the harness dies
    tracer.py        Tracer: spawn / attach / attach-after-launch / reattach, TargetListener
    agent.py, messages.py, cli_hooks.py   the hook agent bundle, its batch decoder, ``harness hooks``
    agent_build.py   compiles frida_hooks/ into the bundle the package ships (setup.py) or a checkout caches
"""
