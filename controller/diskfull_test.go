package controller_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/hardware/sim"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/rat"
	"github.com/fivechoice/fivechoice/storage"
)

// smallDisk mounts a tiny tmpfs, or skips when this machine cannot.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestDiskFullAbortsWithAClearError: when the database's disk fills, the
// session ends as aborted, saying why, rather than running on unrecorded;
// what was committed before stays readable.
func TestDiskFullAbortsWithAClearError(t *testing.T) {
	dir := smallDisk(t, "600k")
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(dir, "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.EnsureSubject(ctx, "R01"); err != nil {
		t.Fatal(err)
	}
	w, err := db.NewWriter()
	if err != nil {
		t.Fatal(err)
	}
	var res controller.Result
	for i := 0; i < 50 && res.Err == nil; i++ {
		p, _ := protocols.Lookup("baseline")
		p.Seed = uint64(i)
		ch := sim.NewVirtual(rat.New(rat.Default(), p.Holes, p.Seed))
		rec, err := controller.RunRecorded(ctx, w, controller.Plan{Provenance: storage.Provenance{Subject: "R01", Condition: "vehicle", Params: p}}, controller.Setup{Chamber: ch, Timeline: ch})
		if err != nil {
			res.Err = err
			break
		}
		res = rec.Result
	}
	w.Close()
	if res.Err == nil {
		t.Fatal("50 sessions fitted on a 600 kB disk")
	}
	if !strings.Contains(res.Err.Error(), "full") {
		t.Errorf("the error does not say the disk is full: %v", res.Err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("after the disk filled: %v", err)
	}
	if ss, err := db.Sessions(ctx, storage.Filter{}); err != nil || len(ss) == 0 {
		t.Errorf("sessions committed before the disk filled: %d, %v", len(ss), err)
	}
}
