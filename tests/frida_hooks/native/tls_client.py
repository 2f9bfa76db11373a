"""Test target: a Python https client.  Usage: tls_client.py PORT
Prints "ready", waits for a line, then imports ssl (so libssl loads after the agent is in place),
POSTs a JSON body with a canary over https, prints "done" and waits for a line."""
import sys

print("ready", flush=True)
sys.stdin.readline()
import ssl  # noqa: E402  (late on purpose: libssl loads after attach)
import urllib.request  # noqa: E402

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
req = urllib.request.Request(f"https://127.0.0.1:{sys.argv[1]}/api/otp", data=b'{"otp":"secret-otp-123456"}',
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, context=ctx).read().decode(), flush=True)
print("done", flush=True)
sys.stdin.readline()
