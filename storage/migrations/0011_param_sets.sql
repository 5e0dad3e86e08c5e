-- A lab's own parameter sets (issue 14): named variants of the built-in
-- sets (another SD, ITI or LH, a 3-choice version with holes masked),
-- versioned. A saved version never changes and is never deleted: saving a
-- name again adds the next version. A session on a lab set records it as
-- name@version in sessions.protocol, beside the full parameters it ran
-- with (sessions.params), which never change either.
CREATE TABLE param_sets (
    name        TEXT NOT NULL CHECK (name GLOB '[a-z]*' AND name NOT GLOB '*[^a-z0-9_-]*' AND length(name) <= 40),
    version     INTEGER NOT NULL CHECK (version >= 1),
    based_on    TEXT NOT NULL CHECK (based_on <> ''),
    description TEXT NOT NULL DEFAULT '',
    params      TEXT NOT NULL CHECK (json_valid(params)),
    saved_by    TEXT NOT NULL CHECK (saved_by <> ''),
    why         TEXT NOT NULL CHECK (why <> ''),
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (name, version)
);

CREATE TRIGGER param_sets_next_version BEFORE INSERT ON param_sets
WHEN NEW.version > COALESCE((SELECT MAX(version) FROM param_sets WHERE name = NEW.name), 0) + 1
BEGIN SELECT RAISE(ABORT, 'a parameter set''s versions are numbered 1, 2, 3 ... without gaps'); END;
CREATE TRIGGER param_sets_immutable BEFORE UPDATE ON param_sets
BEGIN SELECT RAISE(ABORT, 'a saved parameter set never changes: save the name again for a new version'); END;
CREATE TRIGGER param_sets_kept BEFORE DELETE ON param_sets
BEGIN SELECT RAISE(ABORT, 'a saved parameter set is never deleted: sessions may have run on it'); END;

-- What a session ran with is fixed once it is recorded, whatever its set.
CREATE TRIGGER session_params_fixed BEFORE UPDATE OF protocol, params, seed ON sessions
WHEN NEW.protocol IS NOT OLD.protocol OR NEW.params IS NOT OLD.params OR NEW.seed IS NOT OLD.seed
BEGIN SELECT RAISE(ABORT, 'a session''s protocol, parameters and seed never change once recorded'); END;
