"""Capture paths besides the hooks: what the network saw, to check the hooks against.

    pcap_import.py  a PCAP's connections as net.connect events (source: pcap)
    pcapdroid.py    PCAPdroid driven over adb; its capture imported into a run;  pcap_cli.py  `harness pcap`

The proxy path (``harness run --capture``): mitmproxy inside the harness, the phone routed to it over USB.

    session.py      --capture auto|hooks|both: setting the path up around a run, and taking it down
    proxy.py        mitmproxy in-process (own thread and asyncio loop), a fresh CA per run
    addon.py        its addons: requests and refused handshakes as events (source: mitm); names
                    resolved as the phone's hosts file says
    upstream.py     what the proxy takes from the phone: its hosts file, its system CAs
    ca.py           the CA's Android file name (subject_hash_old)
    phone.py        the phone's changes (CA file, QUIC rule, adb reverse, http_proxy), journaled first
    cleanup.py      undoing them: at the end of the run, after Ctrl-C, or in the next run's repair
    crosscheck.py   the report's cross-check: hook coverage gaps, proxy bypasses, one flow per request

The proxy's events are ``http.request`` events like the hooks' (``source: "mitm"``, ``api:
"mitmproxy"``, ``process: "(proxy)"``, ``pid: 0``), stamped with variant and step by the run's
writer; the detector and the reports take them like any other.
"""
