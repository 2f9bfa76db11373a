"""Capture paths besides the hooks: what the network saw, to check the hooks against.

    pcap_import.py  a PCAP's connections as net.connect events (source: pcap)
    pcapdroid.py    PCAPdroid driven over adb; its capture imported into a run;  pcap_cli.py  `harness pcap`
"""
