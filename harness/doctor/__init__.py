"""``harness doctor`` and ``harness setup-device``: is this phone ready for runs, and make it so.

    model.py         Check (name, status pass|warn|fail|skip, detail, fix, fast), CheckSpec,
                     PhoneNotReadyError (DeviceError: what ``harness run`` stops with, exit 2)
    context.py       Context: what the checks share about one phone, read once, on demand
    phone_checks.py  adb, authorised, root, clock, storage, proxy
    frida_checks.py  frida-server (answers, version), hook-agent (loads in an app, sees a read)
    ui_checks.py     uiautomator2 (server starts, input injection; MIUI/HyperOS, One UI settings)
    seed_check.py    canary-seeding (a throwaway contact written, read back, removed)
    registry.py      CHECKS in order; run_checks; require_ready(device, scenario): the fast subset
    frida_server.py  ELF ABI of a file, versions against the pinned frida, root access, the server
    provision.py     setup_device: push, start as root, verify; the phone's report
    cli.py           the two commands

``harness.run.api.run_scenario`` calls ``require_ready`` right after the phone is chosen.
"""
