-- Excluding a session (a jammed dispenser, a sick rat) keeps it stored:
-- an exclusion is a row of its own, closed when the session is
-- reinstated, and every exclusion and reinstatement is also in the audit
-- trail, which can only grow.
CREATE TABLE exclusions (
    id            INTEGER PRIMARY KEY,
    session_key   INTEGER NOT NULL REFERENCES sessions(key),
    excluded_at   TEXT NOT NULL,
    excluded_by   TEXT NOT NULL CHECK (excluded_by <> ''),
    why           TEXT NOT NULL CHECK (why <> ''),
    reinstated_at TEXT,
    reinstated_by TEXT,
    reinstate_why TEXT
);
CREATE UNIQUE INDEX one_open_exclusion ON exclusions (session_key) WHERE reinstated_at IS NULL;

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    by     TEXT NOT NULL CHECK (by <> ''),
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    field  TEXT,
    old    TEXT,
    new    TEXT,
    why    TEXT NOT NULL CHECK (why <> '')
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
