"""What system_server holds on a phone: the phone's persistent state and its system services.

``state`` (``PhoneState``) owns the state folder and composes the rest: installed packages and
what installing grants (``packages``, ``axml`` for real APKs), permission grants and app-op modes
(``appstate``, with Android's registry in ``permissions``), the content providers (``providers``,
``provider_sql``), location (``location``), the logcat buffers (``logbuffer``) and the durable JSON
files (``jsonfile``); ``fs_access`` says who may write where in the phone's filesystem.
"""
