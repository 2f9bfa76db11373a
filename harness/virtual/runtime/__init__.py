"""How apps run on the phone (zygote's, ActivityManager's and binder's part).

``processes`` (``ProcessTable``) is the running apps and the task stack; ``launcher`` starts an app
as a named host process that joins the frida portal; ``javac`` compiles the Android API stubs
(``java/``) and the apps (``apps/``) they run; ``binder`` serves the apps' calls into the system,
answering ``snapshot`` with ``app_snapshot``.
"""
