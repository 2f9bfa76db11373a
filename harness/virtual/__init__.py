"""The virtual phone: a real ADB device (and frida target) the harness ships for machines without one.

Where each part lives, by the role it plays on a phone::

    cli, manager      ``harness virtual start|stop|status|prepare``; the registry of running phones
    daemon            one process per phone: builds every part below and serves until SIGTERM
    preflight         checks of a state folder and a port, before anything starts
    unix_server       the unix-socket server under the daemon's tool socket and binder
    adb/              adbd: the ADB transport, streams, and the shell:, sync:, tcp:, reverse: services
    net/              the phone's ports and loopback, its internet (collectors), its CA stores
                      (trust) and its frida-server (portal)
    profile/          profiles ("ROM builds"): the model, the YAML loader, build properties
    system/           what system_server holds: the state folder, packages, permissions, app-ops,
                      content providers, location, logcat; who may write where (fs_access)
    runtime/          how apps run: the process table, the launcher, javac, the binder, the
                      work scheduled on app processes and the broadcast queue (manifest receivers);
                      the Android API stubs (java/) and the apps (apps/)
    ui/               the screen (view model, home screen, dumps, screenshots), the apps' screens,
                      the uiautomator2 server
    shell/            the sandboxed shell: bubblewrap, the tool server and tools (pm, settings, ...),
                      su's root commands, and onphone/, the programs that run inside the sandbox
                      (standard library only)

The harness learns about a virtual phone only through ADB and Frida, as with a real one.
"""
