"""The phone's screen and the uiautomator2 server.

``nodes`` is the view model (``UiNode``, ``Screen``); ``screen`` the home screen, what is in front,
key presses, window dumps and screenshots; ``app_ui`` the screens the phone's own apps post
through the binder; ``u2server``, ``u2service`` and ``u2selector`` the uiautomator2 server.
"""
