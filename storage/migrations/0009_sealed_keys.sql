-- A blind study's key, sealed (issue 16): which code stands for which
-- drug and dose, encrypted with a passphrase held by the person who is
-- not blind (AES-256-GCM under an Argon2id key, study/blinding). Only
-- this sealed form is stored while the study is blind; blinding_keys
-- (0003) holds a key in plain text once the study is unblinded, when
-- there is nothing left to hide.
--
-- A key stored in plain text before this migration cannot be sealed here,
-- for want of the passphrase: it stays in blinding_keys, 'fivechoice
-- study show' warns that it is unsealed, and 'fivechoice study seal NAME'
-- seals it and deletes the plain rows (docs/blinding.md).
CREATE TABLE sealed_keys (
    study     TEXT PRIMARY KEY REFERENCES studies (name) ON DELETE CASCADE,
    sealed    TEXT NOT NULL CHECK (json_valid(sealed)),
    sealed_at TEXT NOT NULL
);
