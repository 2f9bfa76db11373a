"""The fleet database's named questions (``harness db query NAME``), each one SQL statement, kept here.

Every query takes two parameters, NULL meaning "all": ``%(data_type)s`` (``--data-type``: a type
such as ``imei``, or a family such as ``contact`` covering ``contact.*``) and ``%(since)s``
(``--since``: runs started then or later; for ``new-destinations``, builds first run then or later,
still compared with every earlier build).  They count personal data only: flows whose confidence is
``canary`` (a seeded value or the phone's own identifiers); flows that merely look like identifiers
(``structural``, status ``suspected``) stay in the ``flows`` table for questions of one's own.
A destination is the flow's host, else its domain (an SMS number), else its IP.
``harness db query --list`` prints them all with their SQL; ``--sql NAME`` one.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import ConfigError

_PERSONAL = """f.confidence = 'canary'
  AND (%(data_type)s::text IS NULL OR f.data_type = %(data_type)s
       OR starts_with(f.data_type, %(data_type)s::text || '.'))"""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    summary: str
    sql: str


FLOWS_BY_BUILD = NamedQuery("flows-by-build", "flows of personal data (of a type) across builds: per build, "
                            "variant and destination, in how many runs", f"""\
SELECT b.manufacturer, b.model, b.fingerprint, b.security_patch,
       f.data_type, f.variant, f.consent,
       coalesce(f.host, f.domain, f.ip) AS destination, f.country,
       count(DISTINCT f.run_id) AS runs,
       sum(f.events)::bigint AS events,
       bool_or(f.status = 'violation') AS violation
FROM flows f
JOIN runs r ON r.run_id = f.run_id
JOIN builds b ON b.id = r.build_id
WHERE {_PERSONAL}
  AND (%(since)s::timestamptz IS NULL OR r.started >= %(since)s::timestamptz)
GROUP BY b.id, b.manufacturer, b.model, b.fingerprint, b.security_patch,
         f.data_type, f.variant, f.consent, coalesce(f.host, f.domain, f.ip), f.country
ORDER BY (SELECT min(started) FROM runs WHERE build_id = b.id), b.fingerprint,
         f.data_type, f.variant, destination, f.country""")

NEW_DESTINATIONS = NamedQuery("new-destinations", "per build, destinations of personal data not seen in any "
                              "earlier build of the same model (builds ordered by their first run)", f"""\
WITH personal AS (
    SELECT r.build_id, f.run_id, f.variant, f.data_type, f.country,
           coalesce(f.host, f.domain, f.ip) AS destination
    FROM flows f
    JOIN runs r ON r.run_id = f.run_id
    WHERE {_PERSONAL}
), build_order AS (
    SELECT b.id, b.manufacturer, b.model, b.fingerprint, b.security_patch, min(r.started) AS first_run
    FROM builds b
    JOIN runs r ON r.build_id = b.id
    GROUP BY b.id
), seen AS (
    SELECT bo.*, p.destination, p.country, p.data_type, p.variant, p.run_id,
           min(bo.first_run) OVER (PARTITION BY bo.manufacturer, bo.model, p.destination) AS first_seen
    FROM build_order bo
    JOIN personal p ON p.build_id = bo.id
)
SELECT s.manufacturer, s.model, s.fingerprint, s.security_patch, s.first_run,
       (SELECT count(*) FROM build_order e
        WHERE e.manufacturer IS NOT DISTINCT FROM s.manufacturer AND e.model IS NOT DISTINCT FROM s.model
          AND e.first_run < s.first_run) AS earlier_builds,
       s.destination,
       array_agg(DISTINCT s.country ORDER BY s.country) AS countries,
       array_agg(DISTINCT s.data_type ORDER BY s.data_type) AS data_types,
       array_agg(DISTINCT s.variant ORDER BY s.variant) AS variants,
       count(DISTINCT s.run_id) AS runs
FROM seen s
WHERE s.first_run <= s.first_seen
  AND (%(since)s::timestamptz IS NULL OR s.first_run >= %(since)s::timestamptz)
GROUP BY s.id, s.manufacturer, s.model, s.fingerprint, s.security_patch, s.first_run, s.destination
ORDER BY s.manufacturer, s.model, s.first_run, s.fingerprint, s.destination""")

COUNTRIES_BY_VENDOR = NamedQuery("countries-by-vendor", "per manufacturer, the countries personal data went to, "
                                 "with the data types and destinations", f"""\
SELECT b.manufacturer, f.country,
       array_agg(DISTINCT f.data_type ORDER BY f.data_type) AS data_types,
       array_agg(DISTINCT coalesce(f.host, f.domain, f.ip) ORDER BY coalesce(f.host, f.domain, f.ip))
           AS destinations,
       count(DISTINCT b.id) AS builds,
       count(DISTINCT f.run_id) AS runs,
       count(*) AS flows,
       count(*) FILTER (WHERE f.status = 'violation') AS violations
FROM flows f
JOIN runs r ON r.run_id = f.run_id
JOIN builds b ON b.id = r.build_id
WHERE {_PERSONAL}
  AND (%(since)s::timestamptz IS NULL OR r.started >= %(since)s::timestamptz)
GROUP BY b.manufacturer, f.country
ORDER BY b.manufacturer, f.country""")

QUERIES: dict[str, NamedQuery] = {q.name: q for q in (FLOWS_BY_BUILD, NEW_DESTINATIONS, COUNTRIES_BY_VENDOR)}


def named(name: str) -> NamedQuery:
    """The query called ``name``, or a ``ConfigError`` listing the names there are."""
    try:
        return QUERIES[name]
    except KeyError:
        raise ConfigError(f"no query named {name!r}: the queries are {', '.join(QUERIES)} "
                          "(harness db query --list shows their SQL)") from None
