package storage

import "database/sql"

// SQLOf gives this package's external tests the database handle, so that
// they can tamper with stored rows and see a check notice. Nothing outside
// storage runs SQL.
func SQLOf(d *DB) *sql.DB { return d.db }
