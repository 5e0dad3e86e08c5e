-- Corrections with history (issue 16): a subject's or a condition's field
-- changed after it was recorded (a sex entered wrong, a dose left out),
-- with the old and the new value, who, when and why. A correction is made
-- in the same transaction as the change it records, and the trail can only
-- grow. uid is globally unique (UUIDv7), so a merge copies each correction
-- once and can tell which host's value is the newer audited one.
CREATE TABLE corrections (
    id         INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL UNIQUE CHECK (uid <> ''),
    table_name TEXT NOT NULL CHECK (table_name IN ('subjects', 'conditions')),
    record_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    old        TEXT,
    new        TEXT,
    by         TEXT NOT NULL CHECK (by <> ''),
    at         TEXT NOT NULL,
    why        TEXT NOT NULL CHECK (why <> '')
);
CREATE INDEX corrections_by_record ON corrections (table_name, record_id, field, at);
CREATE TRIGGER corrections_append_only_update BEFORE UPDATE ON corrections BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
CREATE TRIGGER corrections_append_only_delete BEFORE DELETE ON corrections BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
