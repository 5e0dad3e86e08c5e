-- Daily body weights of food-restricted rats (welfare rules ask for
-- them), with the free-feeding weight they are a percentage of, and
-- signed, timestamped notes on a subject or a session.
CREATE TABLE body_weights (
    id                 INTEGER PRIMARY KEY,
    subject_id         TEXT NOT NULL REFERENCES subjects(id),
    day                TEXT NOT NULL,
    grams              REAL NOT NULL CHECK (grams > 0 AND grams < 2000),
    free_feeding_grams REAL CHECK (free_feeding_grams IS NULL OR (free_feeding_grams > 0 AND free_feeding_grams < 2000)),
    by                 TEXT NOT NULL CHECK (by <> ''),
    at                 TEXT NOT NULL,
    UNIQUE (subject_id, day)
);
CREATE TABLE notes (
    id     INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    at     TEXT NOT NULL,
    by     TEXT NOT NULL CHECK (by <> ''),
    text   TEXT NOT NULL CHECK (text <> '')
);
