-- The real conditions a blind study gives, as a set. Which conditions a
-- study has is not secret (only which code is which), and knowing them
-- keeps a condition behind a sealed code from being edited while the
-- study runs. WITHOUT ROWID: rows are stored in key order, whatever the
-- order they were inserted in, so the table says nothing of the codes.
CREATE TABLE blind_members (
    study        TEXT NOT NULL REFERENCES studies (name) ON DELETE CASCADE,
    condition_id TEXT NOT NULL REFERENCES conditions (id),
    PRIMARY KEY (study, condition_id)
) WITHOUT ROWID;
INSERT INTO blind_members (study, condition_id) SELECT study, condition_id FROM blinding_keys ORDER BY study, condition_id;
