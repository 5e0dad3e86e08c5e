-- One animal, one chamber: a subject has at most one running session, in
-- the database itself, so that no race between two starts (two chambers,
-- two study requests) can run one rat twice at once.
-- A crash of an older version may have left two running; all but the
-- latest are marked interrupted first, as recovery would.
UPDATE sessions SET status = 'interrupted', end_reason = 'interrupted',
       ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       ended_ns = (SELECT MAX(t_ns) FROM events WHERE session = sessions.key),
       error = 'the controller stopped while the session was running (crash or power loss); data up to the last commit is kept'
 WHERE status = 'running'
   AND key NOT IN (SELECT MAX(key) FROM sessions WHERE status = 'running' GROUP BY subject_id);
CREATE UNIQUE INDEX one_running_session_per_subject ON sessions (subject_id) WHERE status = 'running';
