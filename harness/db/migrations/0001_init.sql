-- Fleet results, schema version 1: runs of the harness pushed by `harness db push`.
--
-- One row in runs per pushed run, keyed by the run's own id (a run store's meta run_id); every
-- other table of a run hangs off runs.run_id and goes with it (ON DELETE CASCADE), which is how
-- `harness db push --replace` re-imports a run.  devices and builds are shared by the runs made on
-- them.  Times are timestamptz (UTC epoch seconds in the run store).
--
-- Text captured from phones (hosts, processes, payload excerpts) is hostile: it is stored as
-- captured, through parameters only, except for what PostgreSQL text cannot hold: a NUL character is
-- stored as the four characters \x00 and a lone surrogate as \udXXX (see harness/db/rows.py).

CREATE TABLE devices (
    id             bigserial PRIMARY KEY,
    identity       text NOT NULL UNIQUE,     -- serial, model and manufacturer as one key (made by the harness)
    serial         text,                     -- adb serial
    model          text,                     -- ro.product.model
    manufacturer   text                      -- ro.product.manufacturer
);

CREATE TABLE builds (
    id             bigserial PRIMARY KEY,
    identity       text NOT NULL UNIQUE,     -- every column below as one key (made by the harness)
    fingerprint    text,                     -- ro.build.fingerprint
    manufacturer   text,
    model          text,
    android        text,                     -- release, e.g. "14"
    sdk            integer,
    security_patch text,                     -- YYYY-MM-DD
    build_id       text                      -- ro.build.id
);
CREATE INDEX builds_model ON builds (manufacturer, model);
CREATE INDEX builds_fingerprint ON builds (fingerprint);

CREATE TABLE runs (
    run_id              text PRIMARY KEY,    -- the run's own id
    scenario            text,
    scenario_file       text,
    app                 text,
    path                text NOT NULL,       -- the run folder (or run file) as pushed
    status              text NOT NULL,       -- complete | interrupted | aborted | incomplete | recording
    stop_reason         text,
    started             timestamptz,
    ended               timestamptz,
    events              integer NOT NULL,    -- events in the run store
    events_lost         integer NOT NULL,
    harness_version     text NOT NULL,       -- the harness that recorded the run
    device_id           bigint NOT NULL REFERENCES devices (id),
    build_id            bigint NOT NULL REFERENCES builds (id),
    rooted              boolean,
    frida_server        text,
    geoip               text NOT NULL,       -- the IP -> country data that placed the addresses, with its date
    verdict             text NOT NULL,       -- pass | fail | broken
    exit_code           integer NOT NULL,    -- 0 pass, 1 fail, 3 broken
    headline            text NOT NULL,       -- one sentence, verdict first
    privacy             text NOT NULL,       -- pass | fail: the privacy answer alone
    violations          integer NOT NULL,
    failed_expectations integer NOT NULL,
    broken_variants     text[] NOT NULL,
    with_events         boolean NOT NULL,    -- pushed with --events
    with_payloads       boolean NOT NULL,    -- pushed with --payloads
    pushed_by           text NOT NULL,       -- the harness version that pushed it
    pushed_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_build ON runs (build_id, started);
CREATE INDEX runs_device ON runs (device_id);
CREATE INDEX runs_started ON runs (started);
CREATE INDEX runs_scenario ON runs (scenario, started);

-- per consent variant: how it ran
CREATE TABLE variants (
    run_id         text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    position       integer NOT NULL,         -- the variant's place in the run
    name           text NOT NULL,
    consent        text NOT NULL,            -- given | withheld | unknown
    builtin        boolean NOT NULL,         -- pre_consent
    status         text NOT NULL,            -- ok | failed | incomplete | interrupted | skipped | not run
    reason         text,
    failed_step    bigint,
    events         integer NOT NULL,
    flows          integer NOT NULL,
    violations     integer NOT NULL,
    screenshots    text[] NOT NULL,          -- paths in the run folder (the images stay there)
    PRIMARY KEY (run_id, position)
);

-- personal data of one type to one destination from one process/SDK in one variant (the report's flows)
CREATE TABLE flows (
    run_id           text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    flow_id          text NOT NULL,          -- "F1", "F2" ... as in the run's report
    variant          text NOT NULL,
    consent          text NOT NULL,
    data_type        text NOT NULL,          -- imei, contact.phone, installed_apps ...
    confidence       text NOT NULL,          -- canary (a seeded or the phone's own value) | structural
    domain           text,                   -- registrable domain; the number for SMS
    host             text,
    ip               text,
    country          text NOT NULL,          -- ISO 3166-1 alpha-2, local or unknown
    network          text,                   -- network owner (AS organisation)
    organisation     text,                   -- from the tracker lists
    party            text,                   -- first | third | NULL (unknown)
    channel          text NOT NULL,          -- net | sms
    process          text,
    sdk              text,
    events           integer NOT NULL,
    bytes            bigint NOT NULL,
    encodings        text[] NOT NULL,        -- decoding chains, e.g. base64>gzip>sha256
    places           text[] NOT NULL,        -- url | header:NAME | body | sms ...
    canary_values    text[] NOT NULL,        -- the report's "values": the canary values matched (at most 10)
    first_step       bigint,
    first_step_label text,
    first_ts         timestamptz,
    evidence         bigint[] NOT NULL,      -- event ids (at most 50)
    evidence_total   integer NOT NULL,
    status           text NOT NULL,          -- violation | allowed | consented | observed | suspected
    after_refusal    boolean NOT NULL,
    allowed_by       text[] NOT NULL,        -- expectation ids that allow it
    PRIMARY KEY (run_id, flow_id)
);
CREATE INDEX flows_data_type ON flows (data_type, country);
CREATE INDEX flows_host ON flows (host);
CREATE INDEX flows_domain ON flows (domain);
CREATE INDEX flows_country ON flows (country);

-- flows of personal data where consent was withheld, not allowed by an expectation
CREATE TABLE violations (
    run_id           text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    position         integer NOT NULL,
    flow_id          text NOT NULL,
    variant          text NOT NULL,
    data_type        text NOT NULL,
    domain           text,
    host             text,
    ip               text,
    country          text NOT NULL,
    network          text,
    organisation     text,
    party            text,
    channel          text NOT NULL,
    process          text,
    sdk              text,
    first_step       bigint,
    first_step_label text,
    evidence         bigint[] NOT NULL,
    after_refusal    boolean NOT NULL,
    message          text NOT NULL,
    PRIMARY KEY (run_id, position),
    FOREIGN KEY (run_id, flow_id) REFERENCES flows (run_id, flow_id) ON DELETE CASCADE
);
CREATE INDEX violations_data_type ON violations (data_type);

-- the scenario's expect: rules, each pass or fail
CREATE TABLE expectations (
    run_id          text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    position        integer NOT NULL,
    expectation_id  text NOT NULL,           -- "E1.no_leak"
    rule            text NOT NULL,
    variants        text[] NOT NULL,
    argument        jsonb NOT NULL,          -- a list of names, a number or true
    status          text NOT NULL,           -- pass | fail
    message         text NOT NULL,
    flows           text[] NOT NULL,         -- the flow ids that make it fail
    PRIMARY KEY (run_id, position)
);

-- the evidence: per finding, where the canary was; the payload texts only with --payloads
CREATE TABLE findings (
    run_id            text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    position          integer NOT NULL,
    event_id          bigint NOT NULL,
    flow_id           text,
    variant           text,
    step              bigint,
    data_type         text NOT NULL,
    canary            text NOT NULL,         -- the canary value found
    encoding          text NOT NULL,         -- the decoding chain, outside first
    place             text NOT NULL,         -- the report's "where": url | header:NAME | body | sms
    kind              text NOT NULL,
    api               text NOT NULL,
    host              text,
    data_len          bigint NOT NULL,       -- the true size of what left
    raw_truncated     boolean NOT NULL,
    decoded_truncated boolean NOT NULL,
    raw_excerpt       text,                  -- --payloads: the payload as sent, cut
    decoded           text,                  -- --payloads: the layer the canary was found in
    highlights        jsonb,                 -- --payloads: [{start, end, data_type}] in decoded
    payload           bytea,                 -- --payloads: the whole payload, when the report kept it
    PRIMARY KEY (run_id, position)
);
CREATE INDEX findings_flow ON findings (run_id, flow_id);

-- every event of the run, only with --events; value and data only with --payloads
CREATE TABLE events (
    run_id        text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    id            bigint NOT NULL,           -- unique in the run
    ts            timestamptz NOT NULL,
    variant       text,
    step          bigint,
    process       text NOT NULL,
    pid           bigint NOT NULL,
    kind          text NOT NULL,
    api           text NOT NULL,
    dest_host     text,
    dest_ip       text,
    dest_port     bigint,
    dest_url      text,
    dest_address  text,                      -- an SMS's number
    data_len      bigint,
    sdk           text,
    value         text,                      -- --payloads: what a read API returned
    data          bytea,                     -- --payloads: the bytes that left
    PRIMARY KEY (run_id, id)
);
CREATE INDEX events_kind ON events (kind);
CREATE INDEX events_dest_host ON events (dest_host);
