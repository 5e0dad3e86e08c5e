-- Within-subject drug studies: each subject receives every condition once,
-- in the order a counterbalanced design gives it, on test days at least a
-- washout apart.

CREATE TABLE studies (
    name         TEXT PRIMARY KEY CHECK (name <> '' AND name NOT GLOB '*[/ ]*'),
    design       TEXT NOT NULL CHECK (design IN ('latin-square')),
    washout_ns   INTEGER NOT NULL CHECK (washout_ns >= 0),
    seed         INTEGER NOT NULL,
    protocol     TEXT NOT NULL,
    blind        INTEGER NOT NULL DEFAULT 0 CHECK (blind IN (0, 1)),
    start_date   TEXT NOT NULL CHECK (date(start_date) IS start_date),
    created_at   TEXT NOT NULL,
    unblinded_at TEXT,
    unblinded_by TEXT
);

-- The study's conditions in order, as operators see them: for a blind
-- study these are code conditions ("<study>/A") whose identity is kept
-- apart in blinding_keys. Position 1 is the reference (vehicle).
CREATE TABLE study_conditions (
    study        TEXT NOT NULL REFERENCES studies (name) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 1),
    condition_id TEXT NOT NULL REFERENCES conditions (id),
    PRIMARY KEY (study, position),
    UNIQUE (study, condition_id)
);

CREATE TABLE study_subjects (
    study   TEXT NOT NULL REFERENCES studies (name) ON DELETE CASCADE,
    subject TEXT NOT NULL REFERENCES subjects (id),
    PRIMARY KEY (study, subject)
);

-- Each subject's test days: day n has its condition and planned date.
CREATE TABLE study_plan (
    study        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    day          INTEGER NOT NULL CHECK (day >= 1),
    condition_id TEXT NOT NULL,
    planned_date TEXT NOT NULL CHECK (date(planned_date) IS planned_date),
    PRIMARY KEY (study, subject, day),
    UNIQUE (study, subject, condition_id),
    FOREIGN KEY (study, subject) REFERENCES study_subjects (study, subject) ON DELETE CASCADE,
    FOREIGN KEY (study, condition_id) REFERENCES study_conditions (study, condition_id)
);

-- The blinding key, kept apart from everything operators read: which real
-- condition each code stands for. Only 'fivechoice study unblind' reads it.
CREATE TABLE blinding_keys (
    study          TEXT NOT NULL REFERENCES studies (name) ON DELETE CASCADE,
    code_condition TEXT PRIMARY KEY REFERENCES conditions (id),
    condition_id   TEXT NOT NULL REFERENCES conditions (id),
    position       INTEGER NOT NULL, -- the condition's place in the study's own order (1: the reference)
    UNIQUE (study, condition_id)
);

ALTER TABLE sessions ADD COLUMN study TEXT REFERENCES studies (name);
ALTER TABLE sessions ADD COLUMN study_day INTEGER;
ALTER TABLE sessions ADD COLUMN injected_at TEXT;
CREATE INDEX sessions_by_study ON sessions (study, subject_id, study_day);

-- Each session's condition for analysis: a blind study's code resolves to
-- the real condition once the study is unblinded, not before.
CREATE VIEW session_condition AS
SELECT s.key AS session, s.id AS session_id, s.condition_id AS label,
       CASE WHEN st.unblinded_at IS NOT NULL AND k.condition_id IS NOT NULL THEN k.condition_id ELSE s.condition_id END AS condition_id
FROM sessions s
LEFT JOIN studies st ON st.name = s.study
LEFT JOIN blinding_keys k ON k.code_condition = s.condition_id;
