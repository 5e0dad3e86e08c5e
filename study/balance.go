package study

import (
	"fmt"
	"strings"
)

// A SequenceUse is one order of conditions of a Williams design and how
// many subjects receive it.
type SequenceUse struct {
	Order    []string // conditions in test-day order
	Subjects int
}

// A Balance says how well a number of subjects fills the Williams design
// Assign uses. The design balances test-day position and first-order
// carry-over only when every one of its sequences goes to the same number
// of subjects, that is when the number of subjects is a multiple of the
// number of sequences (k for an even number k of conditions, 2k for odd
// k). Otherwise Assign gives some sequences one subject more than others;
// Over and Under name them, and Days shows the consequence: some
// conditions fall on a given test day more often than others, so a
// practice or fatigue effect across days is no longer spread evenly.
type Balance struct {
	Subjects   int
	Conditions []string // in the study's order
	Sequences  int      // rows of the design: k (even k) or 2k (odd k)
	Balanced   bool     // every sequence goes to the same number of subjects
	// Over are the sequences given one subject more than Under (Under may
	// include sequences no subject gets); both empty when Balanced.
	Over, Under []SequenceUse
	// Fewer and More are the nearest balanced numbers of subjects at most
	// and at least Subjects (Fewer 0 when there is none but 0).
	Fewer, More int
	// Days[d] counts the subjects given each condition on test day d+1.
	Days []map[string]int
}

// WilliamsBalance works out, without assigning anyone, how subjects
// subjects fill the design that Assign(…, conditions, seed) builds: which
// sequences are over- and under-used and what that does to the test days.
// The same conditions and seed name the same sequences as Assign gives, so
// the warning it supports (see Warning) matches the study's plan. Errors
// (wrapping ErrDesign) as Assign's.
func WilliamsBalance(subjects int, conditions []string, seed uint64) (Balance, error) {
	if len(conditions) < 2 {
		return Balance{}, fmt.Errorf("a within-subject study needs at least 2 conditions, got %d: %w", len(conditions), ErrDesign)
	}
	if subjects < 1 {
		return Balance{}, fmt.Errorf("a study needs subjects: %w", ErrDesign)
	}
	if err := distinct("condition", conditions); err != nil {
		return Balance{}, err
	}
	seqs := sequences(conditions, seed)
	r := len(seqs)
	b := Balance{Subjects: subjects, Conditions: conditions, Sequences: r, Balanced: subjects%r == 0,
		Fewer: subjects / r * r, More: (subjects + r - 1) / r * r}
	b.Days = make([]map[string]int, len(conditions))
	for d := range b.Days {
		b.Days[d] = make(map[string]int, len(conditions))
	}
	for i, seq := range seqs {
		// Assign gives subject j the sequence j mod r.
		n := subjects / r
		if i < subjects%r {
			n++
		}
		for d, c := range seq {
			b.Days[d][c] += n
		}
		if b.Balanced {
			continue
		}
		use := SequenceUse{Order: seq, Subjects: n}
		if i < subjects%r {
			b.Over = append(b.Over, use)
		} else {
			b.Under = append(b.Under, use)
		}
	}
	return b, nil
}

// Warning is what `study create` prints when the design is not balanced,
// and "" when it is: which sequences get one rat more, which one fewer,
// the test days that are then uneven, and the nearest balanced sizes.
func (b Balance) Warning() string {
	if b.Balanced {
		return ""
	}
	var w strings.Builder
	fmt.Fprintf(&w, "%d subjects do not balance the Williams design for %d conditions: it has %d sequences, so it balances with a multiple of %d subjects (%s).\n",
		b.Subjects, len(b.Conditions), b.Sequences, b.Sequences, b.sizes())
	fmt.Fprintf(&w, "Over-used (%d subjects each):\n", b.Over[0].Subjects)
	for _, u := range b.Over {
		fmt.Fprintf(&w, "  %s\n", strings.Join(u.Order, " → "))
	}
	if b.Under[0].Subjects == 0 {
		w.WriteString("Given to no subject:\n")
	} else {
		fmt.Fprintf(&w, "Under-used (%d subjects each):\n", b.Under[0].Subjects)
	}
	for _, u := range b.Under {
		fmt.Fprintf(&w, "  %s\n", strings.Join(u.Order, " → "))
	}
	for d, counts := range b.Days {
		var parts []string
		uneven := false
		for _, c := range b.Conditions {
			parts = append(parts, fmt.Sprintf("%s %d", c, counts[c]))
			uneven = uneven || counts[c] != counts[b.Conditions[0]]
		}
		if uneven {
			fmt.Fprintf(&w, "Test day %d is uneven: %s.\n", d+1, strings.Join(parts, ", "))
		}
	}
	return w.String()
}

// sizes names the nearest balanced numbers of subjects.
func (b Balance) sizes() string {
	if b.Fewer == 0 {
		return fmt.Sprintf("%d", b.More)
	}
	return fmt.Sprintf("%d or %d", b.Fewer, b.More)
}
