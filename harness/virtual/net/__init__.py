"""The phone's network: its ports, its internet, its CA stores and its frida-server.

``ports`` maps the phone's device ports to the host ports its services really listen on, and
names the phone's loopback address (where ``adb reverse`` listens); ``internet`` is the
collectors on the phone's own address that its apps' traffic reaches; ``trust`` its CA stores and
which of them each app trusts;
``frida_portal`` stands in for frida-server on ``tcp:27042`` (also run as
``python -m harness.virtual.net.frida_portal``).
"""
