-- Stimulus timing: each real-time session's summary of how late its
-- timer-driven transitions (stimulus onset and offset, window close,
-- time-out end, session end) were carried out, as JSON in nanoseconds:
-- {"count": n, "p50_ns": ..., "p99_ns": ..., "p999_ns": ..., "max_ns": ..., "mean_ns": ...}.
-- Percentiles are upper bounds (1 µs resolution below 64 µs, 3 % above).
-- NULL for sessions on virtual time, sessions still running, and sessions
-- recorded before this migration.
ALTER TABLE sessions ADD COLUMN timing TEXT CHECK (timing IS NULL OR json_valid(timing));
