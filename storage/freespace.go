package storage

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/mattn/go-sqlite3"
	"golang.org/x/sys/unix"
)

// minFree is how much free space the database's file system needs before
// a writer that failed on a full disk takes new writes again: a small
// write can succeed on a nearly full disk (SQLite reuses its WAL), and
// starting sessions that then fail again would only cost more of them.
const minFree = 4 << 20

// enoughSpace says why the writer should not resume yet after err: the
// disk was full and still has less than minFree free.
func enoughSpace(path string, err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrFull {
		return nil
	}
	var st unix.Statfs_t
	if serr := unix.Statfs(filepath.Dir(path), &st); serr != nil {
		return nil // cannot tell: let the write decide
	}
	if free := st.Bavail * uint64(st.Bsize); free < minFree {
		return fmt.Errorf("%w (%d kB free on %s, %d kB needed to resume)", err, free>>10, filepath.Dir(path), minFree>>10)
	}
	return nil
}
