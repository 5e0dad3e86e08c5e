-- The day's run sheet (issue 13): which rat goes into which chamber, in
-- which order (its squad, 1, 2 ...), with what: a protocol and a
-- condition, or a study's next test day (the study chooses the
-- condition). An entry started from the page or the API remembers its
-- session, so the sheet shows what ran.
CREATE TABLE run_sheet (
    id           INTEGER PRIMARY KEY,
    day          TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    chamber      TEXT NOT NULL CHECK (chamber <> ''),
    squad        INTEGER NOT NULL CHECK (squad >= 1),
    subject_id   TEXT NOT NULL REFERENCES subjects(id),
    protocol     TEXT NOT NULL DEFAULT '',
    condition_id TEXT REFERENCES conditions(id),
    study        TEXT REFERENCES studies(name),
    session_id   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (day, chamber, squad),
    CHECK ((study IS NULL) <> (condition_id IS NULL))
);
