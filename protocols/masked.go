package protocols

import (
	"fmt"
	"slices"
)

// Masked holes: a 3-choice (or 4-choice) version of the task on a 5-hole
// wall, as labs run it for training or for animals that cannot do five
// choices, with the other holes masked (capped, or simply never used).
//
// The rules (docs/rules.md) do not name masking; fivechoice decides it so:
//   - A masked hole is never a target (R15): the target schedule draws only
//     from active_holes, and under `balanced` each block is a permutation
//     of the active holes, so a block has len(active_holes) scored trials.
//     Its stimulus light is therefore never lit (R6, R8 light only the
//     target).
//   - An entry into a masked hole is classified like any other hole entry,
//     by the state it happens in (the table of section 4): premature in the
//     ITI (R7), incorrect in the response window (R9: "any other hole"),
//     a time-out response in the TO (R13), perseverative while awaiting
//     collection or initiation. A rat that pokes a capped hole's rim hard
//     enough to break its beam has made a response; leaving it uncounted
//     would let it poke there for free.
//
// ActiveHoles empty (the default) means every hole is active.

// inUse says whether hole h (1-based) can be a target.
func (p Params) inUse(h int) bool {
	return len(p.ActiveHoles) == 0 || slices.Contains(p.ActiveHoles, h)
}

// targetHoles lists the holes a target is drawn from, in order.
func (p Params) targetHoles() []int {
	if len(p.ActiveHoles) > 0 {
		return slices.Sorted(slices.Values(p.ActiveHoles))
	}
	hs := make([]int, p.Holes)
	for i := range hs {
		hs[i] = i + 1
	}
	return hs
}

// MaskedHoles lists the holes that are never a target, for display.
func (p Params) MaskedHoles() []int {
	var m []int
	for h := 1; h <= p.Holes; h++ {
		if !p.inUse(h) {
			m = append(m, h)
		}
	}
	return m
}

// checkActiveHoles refuses an active_holes list the task cannot run: a hole
// that does not exist, one named twice, or fewer than two (a choice needs
// two holes).
func (p Params) checkActiveHoles() []error {
	if p.ActiveHoles == nil {
		return nil
	}
	var errs []error
	if len(p.ActiveHoles) < 2 {
		errs = append(errs, &ParamError{"active_holes", fmt.Sprintf("a choice needs at least 2 holes, got %v (leave it out to use all %d)", p.ActiveHoles, p.Holes)})
	}
	for i, h := range p.ActiveHoles {
		at := fmt.Sprintf("active_holes[%d]", i)
		switch {
		case h < 1 || h > p.Holes:
			errs = append(errs, &ParamError{at, fmt.Sprintf("hole %d does not exist (holes: %d)", h, p.Holes)})
		case slices.Index(p.ActiveHoles, h) < i:
			errs = append(errs, &ParamError{at, fmt.Sprintf("hole %d is named twice", h)})
		}
	}
	return errs
}
