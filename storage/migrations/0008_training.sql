-- Training: each rat's place in a training programme and every change of
-- it, with its reason. Programmes are stored by version, never changed:
-- a rat's state names the version it is on, so a programme edited while
-- rats are on it leaves their state consistent.
CREATE TABLE programmes (
    name       TEXT NOT NULL CHECK (name <> ''),
    version    INTEGER NOT NULL CHECK (version >= 1),
    body       TEXT NOT NULL CHECK (json_valid(body)), -- the programme as JSON
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL CHECK (created_by <> ''),
    PRIMARY KEY (name, version)
);
CREATE TRIGGER programmes_immutable_update BEFORE UPDATE ON programmes BEGIN SELECT RAISE(ABORT, 'a stored programme version never changes: save a new version'); END;
CREATE TRIGGER programmes_immutable_delete BEFORE DELETE ON programmes BEGIN SELECT RAISE(ABORT, 'a stored programme version never changes: save a new version'); END;

-- Every change of a rat's stage: enrolment, an advance or fall-back the
-- programme decided at a session's end (committed with that end), or a
-- move by hand (who and why). A rat's state is its latest change.
CREATE TABLE training_changes (
    id         INTEGER PRIMARY KEY,
    subject    TEXT NOT NULL REFERENCES subjects (id),
    programme  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('enrol', 'advance', 'fall_back', 'move')),
    session    INTEGER REFERENCES sessions (key), -- the session whose end decided it
    reason     TEXT NOT NULL CHECK (reason <> ''),
    by         TEXT NOT NULL CHECK (by <> ''),
    at         TEXT NOT NULL,
    FOREIGN KEY (programme, version) REFERENCES programmes (name, version),
    CHECK ((action IN ('advance', 'fall_back')) = (session IS NOT NULL))
);
CREATE INDEX training_changes_by_subject ON training_changes (subject, id);
CREATE UNIQUE INDEX one_change_per_session ON training_changes (session) WHERE session IS NOT NULL;
CREATE TRIGGER training_changes_append_only_update BEFORE UPDATE ON training_changes BEGIN SELECT RAISE(ABORT, 'the training history is append-only'); END;
CREATE TRIGGER training_changes_append_only_delete BEFORE DELETE ON training_changes BEGIN SELECT RAISE(ABORT, 'the training history is append-only'); END;

-- The change a training session ran under: the sessions at a rat's
-- current stage are those under its latest change.
ALTER TABLE sessions ADD COLUMN training_change INTEGER REFERENCES training_changes (id);
CREATE INDEX sessions_by_training_change ON sessions (training_change) WHERE training_change IS NOT NULL;
