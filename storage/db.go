// Package storage keeps sessions in SQLite: subjects and dose conditions,
// each session's provenance and full parameter set, every attempt, and every
// raw input and output event with its hardware time.
//
// The schema comes from embedded, numbered migrations, each applied in its
// own transaction. The database runs in WAL mode with foreign keys on and
// synchronous=FULL, so a committed batch survives a power cut. All writes go
// through one Writer goroutine that batches them into group commits at a
// bounded interval; the runner only ever queues, so a slow SD card never
// delays a stimulus light.
package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// MaxReaders is how many connections read the database at once; more
// readers wait for one (the writer has its own connection).
const MaxReaders = 4

// DB is an open fivechoice database.
type DB struct {
	path string
	db   *sql.DB // readers and short transactions
}

// Open opens (creating if need be) the database at path and brings its
// schema up to date. Use ":memory:" only in tests that need no file.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := checkIdentity(ctx, path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would be a new database
	} else {
		// Readers: a few at once, and idle ones closed, so that a burst of
		// API requests neither opens a file descriptor and a page cache
		// per request nor keeps them afterwards (issue 12).
		db.SetMaxOpenConns(MaxReaders)
		db.SetMaxIdleConns(2)
		db.SetConnMaxIdleTime(time.Minute)
	}
	d := &DB{path: path, db: db}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d.stamp(ctx)
	return d, nil
}

func dsn(path string) string { return dsnBusy(path, 10*time.Second) }

// dsnBusy is the connection string with a busy timeout: how long a
// statement waits for another connection's lock before it fails.
func dsnBusy(path string, busy time.Duration) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_foreign_keys", "on")
	v.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	v.Set("_synchronous", "FULL")
	v.Set("_txlock", "immediate")
	return "file:" + path + "?" + v.Encode()
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// migrate applies every embedded migration not yet applied, each in its own
// transaction, recording it in schema_migrations.
func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and _", base)
		}
		if err := d.apply(ctx, version, base, name); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

func (d *DB) apply(ctx context.Context, version int, base, name string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, version, base); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the latest applied migration.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its problems.
func (d *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := d.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New("integrity check: " + strings.Join(problems, "; "))
	}
	return nil
}
