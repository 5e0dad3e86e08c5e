-- fivechoice schema, version 1.
-- Times within a session are integer nanoseconds of session time (*_ns);
-- wall-clock instants are RFC 3339 UTC text (*_at).

CREATE TABLE subjects (
    id         TEXT PRIMARY KEY CHECK (id <> ''),
    sex        TEXT NOT NULL DEFAULT '' CHECK (sex IN ('', 'female', 'male')),
    strain     TEXT NOT NULL DEFAULT '',
    cohort     TEXT NOT NULL DEFAULT '',
    born       TEXT CHECK (born IS NULL OR date(born) IS born),
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- A dose condition: what was given before the session.
CREATE TABLE conditions (
    id               TEXT PRIMARY KEY CHECK (id <> ''),
    drug             TEXT NOT NULL,
    dose_mg_per_kg   REAL NOT NULL CHECK (dose_mg_per_kg >= 0),
    vehicle          TEXT NOT NULL DEFAULT '',
    route            TEXT NOT NULL DEFAULT '',
    volume_ml_per_kg REAL CHECK (volume_ml_per_kg IS NULL OR volume_ml_per_kg > 0),
    pretreatment_min INTEGER NOT NULL DEFAULT 0 CHECK (pretreatment_min >= 0),
    notes            TEXT NOT NULL DEFAULT ''
);

INSERT INTO conditions (id, drug, dose_mg_per_kg, vehicle, route, volume_ml_per_kg, pretreatment_min, notes) VALUES
    ('baseline', 'none', 0, '', 'none', NULL, 0, 'no injection'),
    ('vehicle', 'vehicle', 0, 'saline', 'i.p.', 1, 30, 'saline 1 ml/kg i.p.'),
    ('atx-0.1', 'atomoxetine', 0.1, 'saline', 'i.p.', 1, 30, ''),
    ('atx-0.3', 'atomoxetine', 0.3, 'saline', 'i.p.', 1, 30, ''),
    ('atx-1.0', 'atomoxetine', 1.0, 'saline', 'i.p.', 1, 30, ''),
    ('atx-3.0', 'atomoxetine', 3.0, 'saline', 'i.p.', 1, 30, '');

-- key is the database's own row number, used by attempts and events to
-- keep their rows small; id is the globally unique session id (UUIDv7)
-- that identifies a session across databases and hosts.
CREATE TABLE sessions (
    key              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    subject_id       TEXT NOT NULL REFERENCES subjects (id),
    condition_id     TEXT NOT NULL REFERENCES conditions (id),
    chamber          TEXT NOT NULL,
    backend          TEXT NOT NULL,
    protocol         TEXT NOT NULL,
    params           TEXT NOT NULL CHECK (json_valid(params)),
    seed             INTEGER NOT NULL,
    software_version TEXT NOT NULL,
    host             TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('running', 'ended', 'interrupted')),
    ended_at         TEXT,
    ended_ns         INTEGER,
    end_reason       TEXT CHECK (end_reason IN ('max_trials', 'time_limit', 'stopped', 'aborted', 'interrupted')),
    error            TEXT
);
CREATE INDEX sessions_by_subject ON sessions (subject_id, started_at);
CREATE INDEX sessions_by_start ON sessions (started_at);

-- One row per attempt, every field of a trial row of the scenario format.
CREATE TABLE attempts (
    session            INTEGER NOT NULL REFERENCES sessions (key) ON DELETE CASCADE,
    n                  INTEGER NOT NULL CHECK (n >= 1),
    outcome            TEXT NOT NULL CHECK (outcome IN ('pending', 'correct', 'incorrect', 'omission', 'premature', 'unfinished')),
    target             INTEGER NOT NULL,
    iti_ns             INTEGER NOT NULL,
    sd_ns              INTEGER NOT NULL,
    iti_start_ns       INTEGER NOT NULL,
    onset_ns           INTEGER,
    response_hole      INTEGER,
    response_ns        INTEGER,
    collection_ns      INTEGER,
    first_premature_ns INTEGER,
    premature          INTEGER NOT NULL DEFAULT 0,
    perseverative      INTEGER NOT NULL DEFAULT 0,
    timeout_responses  INTEGER NOT NULL DEFAULT 0,
    -- R25's latencies, derived so they can never disagree with the times.
    response_latency_ns  INTEGER GENERATED ALWAYS AS
        (CASE WHEN outcome IN ('correct', 'incorrect') THEN response_ns - onset_ns END) VIRTUAL,
    reward_latency_ns    INTEGER GENERATED ALWAYS AS
        (CASE WHEN outcome = 'correct' THEN collection_ns - response_ns END) VIRTUAL,
    premature_latency_ns INTEGER GENERATED ALWAYS AS (first_premature_ns - iti_start_ns) VIRTUAL,
    PRIMARY KEY (session, n)
) WITHOUT ROWID;

-- Every input and output event, in the order the runner processed it.
-- seq numbers a session's events from 1 without gaps.
CREATE TABLE events (
    session    INTEGER NOT NULL REFERENCES sessions (key) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    t_ns       INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('input', 'output')),
    channel    TEXT NOT NULL,   -- hole1..hole9, magazine; stimulus1..9, house_light, magazine_light, pellet
    value      INTEGER NOT NULL CHECK (value IN (0, 1)), -- entry/on = 1, release/off = 0
    hw_seq     INTEGER,         -- inputs: the backend's sequence number
    class      TEXT,            -- inputs: what the protocol counted it as
    attempt    INTEGER,         -- inputs: the attempt it belongs to
    due_ns     INTEGER,         -- outputs: when the protocol asked for it
    PRIMARY KEY (session, seq)
) WITHOUT ROWID;

-- The same rows with the session's id and times in milliseconds, for
-- reading with the sqlite3 shell or from R and Python.
CREATE VIEW event_log AS
SELECT s.id AS session_id, e.seq, e.t_ns / 1e6 AS t_ms, e.kind, e.channel, e.value, e.hw_seq, e.class, e.attempt,
       e.due_ns / 1e6 AS due_ms, (e.t_ns - e.due_ns) / 1e6 AS lateness_ms
FROM events e JOIN sessions s ON s.key = e.session;

CREATE VIEW attempt_log AS
SELECT s.id AS session_id, a.n, a.outcome, a.target, a.iti_ns / 1e6 AS iti_ms, a.sd_ns / 1e6 AS sd_ms,
       a.iti_start_ns / 1e6 AS iti_start_ms, a.onset_ns / 1e6 AS onset_ms, a.response_hole, a.response_ns / 1e6 AS response_ms,
       a.response_latency_ns / 1e6 AS response_latency_ms, a.reward_latency_ns / 1e6 AS reward_latency_ms,
       a.premature_latency_ns / 1e6 AS premature_latency_ms, a.premature AS premature_responses, a.perseverative, a.timeout_responses
FROM attempts a JOIN sessions s ON s.key = a.session;

-- R26's counts, from the attempts and (for magazine entries, R17) the raw
-- input events.
CREATE VIEW session_counters AS
SELECT s.key AS session, s.id AS session_id,
       COALESCE(a.correct, 0)           AS correct,
       COALESCE(a.incorrect, 0)         AS incorrect,
       COALESCE(a.omissions, 0)         AS omissions,
       COALESCE(a.premature, 0)         AS premature,
       COALESCE(a.perseverative, 0)     AS perseverative,
       COALESCE(a.timeout_responses, 0) AS timeout_responses,
       (SELECT COUNT(*) FROM events e
         WHERE e.session = s.key AND e.class IN ('initiation', 'magazine', 'collection')) AS magazine_entries,
       COALESCE(a.correct + a.incorrect + a.omissions, 0) AS trials_scored,
       COALESCE(a.attempts, 0)          AS attempts
FROM sessions s
LEFT JOIN (
    SELECT session,
           SUM(outcome = 'correct')   AS correct,
           SUM(outcome = 'incorrect') AS incorrect,
           SUM(outcome = 'omission')  AS omissions,
           SUM(premature)             AS premature,
           SUM(perseverative)         AS perseverative,
           SUM(timeout_responses)     AS timeout_responses,
           COUNT(*)                   AS attempts
    FROM attempts GROUP BY session
) a ON a.session = s.key;

CREATE VIEW attempt_latencies AS
SELECT session, 'correct' AS kind, response_latency_ns AS ns FROM attempts
 WHERE outcome = 'correct' AND response_latency_ns IS NOT NULL
UNION ALL
SELECT session, 'incorrect', response_latency_ns FROM attempts
 WHERE outcome = 'incorrect' AND response_latency_ns IS NOT NULL
UNION ALL
SELECT session, 'reward', reward_latency_ns FROM attempts WHERE reward_latency_ns IS NOT NULL
UNION ALL
SELECT session, 'premature', premature_latency_ns FROM attempts WHERE premature_latency_ns IS NOT NULL;

-- Mean and median of each latency (R25), in milliseconds; the median of an
-- even count is the mean of the middle two.
CREATE VIEW session_latencies AS
SELECT session, kind,
       AVG(ns) / 1e6 AS mean_ms,
       AVG(CASE WHEN rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN ns END) / 1e6 AS median_ms
FROM (SELECT session, kind, ns,
             ROW_NUMBER() OVER (PARTITION BY session, kind ORDER BY ns) AS rn,
             COUNT(*) OVER (PARTITION BY session, kind) AS cnt
      FROM attempt_latencies)
GROUP BY session, kind;

-- R24's ratios and R25's latencies per session; NULL where undefined.
CREATE VIEW session_measures AS
SELECT c.*,
       100.0 * c.correct / NULLIF(c.correct + c.incorrect, 0)      AS accuracy_pct,
       100.0 * c.omissions / NULLIF(c.trials_scored, 0)            AS omissions_pct,
       100.0 * c.correct / NULLIF(c.trials_scored, 0)              AS correct_pct,
       100.0 * c.premature / NULLIF(c.trials_scored + c.premature, 0) AS premature_pct,
       lc.mean_ms AS correct_latency_mean_ms,   lc.median_ms AS correct_latency_median_ms,
       li.mean_ms AS incorrect_latency_mean_ms, li.median_ms AS incorrect_latency_median_ms,
       lr.mean_ms AS reward_latency_mean_ms,    lr.median_ms AS reward_latency_median_ms,
       lp.mean_ms AS premature_latency_mean_ms, lp.median_ms AS premature_latency_median_ms
FROM session_counters c
LEFT JOIN session_latencies lc ON lc.session = c.session AND lc.kind = 'correct'
LEFT JOIN session_latencies li ON li.session = c.session AND li.kind = 'incorrect'
LEFT JOIN session_latencies lr ON lr.session = c.session AND lr.kind = 'reward'
LEFT JOIN session_latencies lp ON lp.session = c.session AND lp.kind = 'premature';
