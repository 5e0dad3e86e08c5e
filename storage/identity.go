package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// ApplicationID marks a SQLite file as a fivechoice database ("5CRT"), in
// the header field SQLite reserves for that (PRAGMA application_id), so
// that another program's database is refused rather than migrated into.
// user_version holds the latest migration applied, so that a database
// written by a newer fivechoice is refused with both versions named.
const ApplicationID = 0x35435254

// latestMigration is the highest migration number this build knows.
func latestMigration() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	latest := 0
	for _, n := range names {
		num, _, _ := strings.Cut(strings.TrimPrefix(n, "migrations/"), "_")
		if v, err := strconv.Atoi(num); err == nil {
			latest = max(latest, v)
		}
	}
	return latest
}

// checkIdentity refuses a file that is not a fivechoice database, or one
// written by a newer version, before anything is written to it: it reads
// the file on a read-only connection of its own (the daemon's connections
// would switch it to WAL first). A file that does not exist yet is new.
func checkIdentity(ctx context.Context, path string) error {
	if path == ":memory:" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	d := &DB{path: path, db: db}
	var app, version int64
	if err := d.db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return fmt.Errorf("not a SQLite database, or it cannot be read: %w", err)
	}
	if err := d.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	var tables, ours int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE name = 'schema_migrations') FROM sqlite_schema WHERE type = 'table'`).Scan(&tables, &ours); err != nil {
		return fmt.Errorf("not a SQLite database, or it cannot be read: %w", err)
	}
	switch {
	case app != 0 && app != ApplicationID:
		return fmt.Errorf("not a fivechoice database: its application_id is %#x, fivechoice's is %#x", app, ApplicationID)
	case app == 0 && tables > 0 && ours == 0:
		return fmt.Errorf("not a fivechoice database: it has %d tables of another program and no schema_migrations", tables)
	}
	known := latestMigration()
	applied := version
	if ours > 0 {
		var v sql.NullInt64
		if err := d.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
			return err
		}
		applied = max(applied, v.Int64)
	}
	if applied > int64(known) {
		return fmt.Errorf("written by a newer fivechoice: schema version %d, this build knows up to %d; use that version or newer", applied, known)
	}
	return nil
}

// stamp marks the database as fivechoice's at the latest schema version,
// if it is not yet; a read-only file is left as it is (read-only tools
// may still read it).
func (d *DB) stamp(ctx context.Context) {
	var app, version int64
	d.db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app)
	d.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version)
	if app != ApplicationID {
		d.db.ExecContext(ctx, `PRAGMA application_id = `+strconv.Itoa(ApplicationID))
	}
	if version != int64(latestMigration()) {
		d.db.ExecContext(ctx, `PRAGMA user_version = `+strconv.Itoa(latestMigration()))
	}
}

// stampVersion writes the schema version on the writer's connection: a
// real write, so a database the writer cannot write is refused at start.
func stampVersion(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec(`PRAGMA user_version = `+strconv.Itoa(latestMigration()), nil)
	return err
}
