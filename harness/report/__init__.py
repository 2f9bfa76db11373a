"""The report stage: a run's verdict in every form.

    shape.py      the report and diff documents (TypedDicts): the one contract every form reads
    build.py      run -> report document (flows, consent diff, expectations, evidence, timeline)
    evidence.py   a finding's payload, its decoded layer and the canary marked in it
    verdict.py    pass / fail / broken and the exit status
    countries.py  destinations per country
    terminal.py   rich tables, verdict first;  html*.py  one self-contained page
    junit.py      JUnit XML;  schema.py  JSON Schema from shape.py;  cli.py  `harness report`, `harness diff`
"""
