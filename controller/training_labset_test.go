package controller_test

import (
	"context"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/controller"
	"github.com/fivechoice/fivechoice/protocols"
	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/storage/storagetest"
	"github.com/fivechoice/fivechoice/training"
)

// TestTrainingOnLabSet: a lab's programme whose stage names its own set
// (docs/protocols.md) is saved and enrolled through the database's lookup;
// the rat's session there records the set's NAME@VERSION with its
// parameters, and a version saved after the session was planned leaves
// the plan on the one it looked up.
func TestTrainingOnLabSet(t *testing.T) {
	ctx := context.Background()
	d, _ := storagetest.Open(t, "R01")
	p, _ := protocols.Lookup("stage4")
	p.ActiveHoles = []int{2, 3, 4}
	for _, why := range []string{"first", "second"} {
		if _, err := d.SaveParamSet(ctx, storage.ParamSet{Name: "stage4_3choice", BasedOn: "stage4", Params: p, By: "AB", Why: why}); err != nil {
			t.Fatal(err)
		}
		p.ITI = protocols.Duration(7 * time.Second)
	}
	prog, err := training.ParseWith("lab.yaml", []byte("name: lab3\nstages:\n  - name: s4\n    protocol: stage4_3choice\n    sessions: 2\n    advance: [\"correct >= 50\"]\n  - name: base\n    protocol: baseline\n    sessions: 2\n    advance: [\"accuracy_pct > 80\"]\n"), d.Lookup(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := controller.SaveProgramme(ctx, d, prog, d.Lookup(ctx), "AB", day0); err != nil {
		t.Fatal(err)
	}
	if _, err := controller.Enrol(ctx, d, "R01", "lab3", "", "AB", "", d.Lookup(ctx), day0); err != nil {
		t.Fatal(err)
	}
	plan, err := controller.PlanTraining(ctx, d, "R01", d.Lookup(ctx), day0, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Protocol != "stage4_3choice@2" || time.Duration(plan.Params.ITI) != 7*time.Second || len(plan.Params.ActiveHoles) != 3 {
		t.Errorf("planned %s, ITI %v, holes %v; want stage4_3choice@2's", plan.Protocol, time.Duration(plan.Params.ITI), plan.Params.ActiveHoles)
	}
	// SetRef names the version whose parameters the plan holds, also when
	// a newer one exists.
	p.ITI = protocols.Duration(9 * time.Second)
	d.SaveParamSet(ctx, storage.ParamSet{Name: "stage4_3choice", BasedOn: "stage4", Params: p, By: "AB", Why: "third"})
	if ref, err := d.SetRef(ctx, "stage4_3choice", plan.Params); err != nil || ref != "stage4_3choice@2" {
		t.Errorf("SetRef after a newer save: %q, %v", ref, err)
	}
	if _, err := training.Parse("lab.yaml", []byte("name: lab3\nstages:\n  - name: s4\n    protocol: stage4_3choice\n    advance: [\"correct >= 50\"]\n")); err == nil {
		t.Error("a lab set named in a programme checked against built-in sets only")
	}
}
