"""The phone's network: its ports, its internet and its frida-server.

``ports`` maps the phone's device ports to the host ports its services really listen on;
``internet`` is the collectors on the phone's own loopback address that its apps' traffic reaches;
``frida_portal`` stands in for frida-server on ``tcp:27042`` (also run as
``python -m harness.virtual.net.frida_portal``).
"""
