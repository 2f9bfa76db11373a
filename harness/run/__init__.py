"""A run: where the device, instrument and record stages meet (``harness trace``, the scenario runner).

    recording.py   Recording: the run slot and store, tracers feeding its writer, the stop (drain,
                   abort on a second signal) and the close with the run's stop reason
    trace.py       ``harness trace``'s options and runner: one Recording, one tracer, until the
                   duration, the targets' end or a signal
    cli.py         the ``harness trace`` command
"""
