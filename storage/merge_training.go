package storage

import (
	"database/sql"
	"fmt"
)

// This file merges training (migration 0008): the programmes, stored by
// version and never changed, and each rat's stage changes. A change's id
// and a session's training_change are the file's own row numbers, so a
// change is recognised by what it is (rat, programme version, stage,
// action, who, when) and sessions are linked again to the target's ids.
// A rat's stage is its latest change by id: changes are added in the
// order they were made, but a change merged after the target's own later
// ones is listed after them (a lab's merged file is for analysis; each
// chamber PC keeps training its own rats).

// trainingChangeSame matches a change y of the target with a change t of
// the merged file.
const trainingChangeSame = `y.subject = t.subject AND y.programme = t.programme AND y.version = t.version AND y.to_stage = t.to_stage
	AND y.action = t.action AND y.at = t.at AND y.by = t.by`

// copyProgrammes copies the programme versions the target lacks; one
// version stored differently in the two files refuses the file.
func (m *merger) copyProgrammes() error {
	if !m.has("programmes") {
		return nil
	}
	var name string
	var version int
	err := m.tx.QueryRowContext(m.ctx, `SELECT s.name, s.version FROM src.programmes s JOIN main.programmes p ON p.name = s.name AND p.version = s.version
		WHERE p.body IS NOT s.body LIMIT 1`).Scan(&name, &version)
	if err == nil {
		return fmt.Errorf("merge %s: training programme %s version %d differs from the one already in the target; nothing was merged", m.src, name, version)
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("merge %s: checking programmes: %w", m.src, err)
	}
	return m.add(new(int), `INSERT OR IGNORE INTO main.programmes (name, version, body, created_at, created_by)
		SELECT name, version, body, created_at, created_by FROM src.programmes ORDER BY name, version`)
}

// copyTraining copies the stage changes the target lacks, each linked to
// its session in the target, then links the merged sessions to their
// changes. Sessions must be merged first.
func (m *merger) copyTraining(res *MergeResult) error {
	if !m.has("training_changes") {
		return nil
	}
	if err := m.add(&res.TrainingChanges, `INSERT INTO main.training_changes (subject, programme, version, from_stage, to_stage, action, session, reason, by, at)
		SELECT t.subject, t.programme, t.version, t.from_stage, t.to_stage, t.action, ms.key, t.reason, t.by, t.at
		FROM src.training_changes t LEFT JOIN src.sessions ss ON ss.key = t.session LEFT JOIN main.sessions ms ON ms.id = ss.id
		WHERE NOT EXISTS (SELECT 1 FROM main.training_changes y WHERE `+trainingChangeSame+`) ORDER BY t.at, t.id`); err != nil {
		return err
	}
	_, err := m.tx.ExecContext(m.ctx, `UPDATE main.sessions SET training_change =
		(SELECT y.id FROM src.sessions ss JOIN src.training_changes t ON t.id = ss.training_change
		 JOIN main.training_changes y ON `+trainingChangeSame+` WHERE ss.id = sessions.id)
		WHERE training_change IS NULL AND id IN (SELECT id FROM src.sessions WHERE training_change IS NOT NULL)`)
	if err != nil {
		return fmt.Errorf("merge %s: linking sessions to their training changes: %w", m.src, err)
	}
	return nil
}
