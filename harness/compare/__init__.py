"""The compare stage: flows, consent diff, build diff, expectations, verdicts.

    addresses.py  host -> IP from the run's DNS answers and connects
    geo.py        IP -> country and network owner (bundled data or the user's .mmdb)
    flows.py      findings filed into flows with their destinations
    consent.py    the consent diff: violations, consented, after refusal
    expect.py     the scenario's ``expect:`` rules, checked and evaluated
    diff.py       the build diff of two runs of one scenario
"""
