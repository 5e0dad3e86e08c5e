package blinding

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fivechoice/fivechoice/storage"
	"github.com/fivechoice/fivechoice/study"
)

// A Passphrase gives the passphrase of a study's key when it is needed
// (from a file, or typed on a terminal: ReadPassphrase); it is called only
// when a sealed key must be opened or sealed.
type Passphrase func() ([]byte, error)

// Create stores a blind study's plan with its key sealed under the
// passphrase (Prepare, then Store).
func Create(ctx context.Context, d *storage.DB, p study.Plan, pass Passphrase) ([]string, error) {
	sealed, warnings, err := Prepare(ctx, d, p, pass)
	if err != nil {
		return nil, err
	}
	return warnings, sealed.Store(ctx, d)
}

// A Sealed is a blind study ready to store: its plan, its code
// conditions and its sealed key.
type Sealed struct {
	plan  study.Plan
	codes []storage.Condition
	key   []byte
}

// Prepare seals a blind plan's key under the passphrase, storing
// nothing, so that a refusal (a wrong condition, no passphrase) leaves
// the database as it was. No table will then say which code is which.
// The code conditions carry what all the study's conditions share (route,
// vehicle, volume, pretreatment time), so the daemon's pretreatment check
// still works; conditions that differ in pretreatment time are refused,
// since the time between injection and session would tell the technician
// which is which. It returns warnings for what the conditions visibly
// differ in.
func Prepare(ctx context.Context, d *storage.DB, p study.Plan, pass Passphrase) (Sealed, []string, error) {
	if !p.Study.Blind || len(p.Key) == 0 {
		return Sealed{}, nil, fmt.Errorf("study %s: not a blind plan", p.Study.Name)
	}
	k := Key{Study: p.Study.Name}
	var conds []storage.Condition
	for _, e := range p.Key {
		c, err := d.Condition(ctx, e.Condition)
		if err != nil {
			return Sealed{}, nil, fmt.Errorf("--conditions: %w", err)
		}
		conds = append(conds, c)
		k.Entries = append(k.Entries, entry(e, c))
	}
	shared, warnings, err := common(p.Study.Name, conds)
	if err != nil {
		return Sealed{}, nil, err
	}
	s := Sealed{plan: p}
	for _, code := range p.Study.Conditions {
		c := shared
		c.ID = code
		s.codes = append(s.codes, c)
	}
	phrase, err := pass()
	if err != nil {
		return Sealed{}, nil, err
	}
	if s.key, err = Seal(k, phrase); err != nil {
		return Sealed{}, nil, fmt.Errorf("study %s: %w", p.Study.Name, err)
	}
	return s, warnings, nil
}

// Store records the study, its code conditions and its sealed key.
func (s Sealed) Store(ctx context.Context, d *storage.DB) error {
	var members []string
	for _, e := range s.plan.Key {
		members = append(members, e.Condition)
	}
	return d.CreateSealedStudy(ctx, s.plan.Study, s.plan.Days, s.codes, members, s.key)
}

// entry is a key entry with what the preparer needs of its condition.
func entry(e storage.KeyEntry, c storage.Condition) Entry {
	return Entry{Code: e.Code, Condition: c.ID, Drug: c.Drug, DoseMgPerKg: c.DoseMgPerKg, Route: c.Route,
		Vehicle: c.Vehicle, VolumeMlPerKg: c.VolumeMlPerKg, Position: e.Position}
}

// common is what every one of a blind study's conditions shares, which
// its codes may show; a field they differ in is left empty and warned
// about. A difference in pretreatment time is an error.
func common(name string, conds []storage.Condition) (storage.Condition, []string, error) {
	first, shared := conds[0], conds[0]
	var warnings []string
	differ := func(what string, same func(storage.Condition) bool, clear func()) {
		for _, c := range conds[1:] {
			if !same(c) {
				warnings = append(warnings, fmt.Sprintf("conditions %s and %s differ in %s: whoever gives the doses can see it", first.ID, c.ID, what))
				clear()
				return
			}
		}
	}
	for _, c := range conds[1:] {
		if c.PretreatmentMin != first.PretreatmentMin {
			return storage.Condition{}, nil, fmt.Errorf("study %s: conditions %s (%d min) and %s (%d min) differ in pretreatment time: "+
				"in a blind study the time from injection to session would tell which is which; give them one pretreatment time",
				name, first.ID, first.PretreatmentMin, c.ID, c.PretreatmentMin)
		}
	}
	differ("route", func(c storage.Condition) bool { return c.Route == first.Route }, func() { shared.Route = "" })
	differ("vehicle", func(c storage.Condition) bool { return c.Vehicle == first.Vehicle }, func() { shared.Vehicle = "" })
	differ("injection volume", func(c storage.Condition) bool { return c.VolumeMlPerKg == first.VolumeMlPerKg }, func() { shared.VolumeMlPerKg = 0 })
	return shared, warnings, nil
}

// OpenKey opens a study's sealed key.
func OpenKey(ctx context.Context, d *storage.DB, name string, pass Passphrase) (Key, error) {
	sealed, err := d.SealedKey(ctx, name)
	if err != nil {
		return Key{}, err
	}
	phrase, err := pass()
	if err != nil {
		return Key{}, err
	}
	return Open(sealed, name, phrase)
}

// Unblind reveals a blind study's key, records who and when, and returns
// the key: a sealed key is opened with its passphrase and stored in plain
// text from then on (nothing is left to hide); a key never sealed needs
// none. A wrong passphrase changes nothing. The warnings name conditions
// whose drug, dose or route were changed after the key was sealed (while
// sealed, nothing stored could tell that a study used them): the key
// keeps what they were, which is what the rats were given.
func Unblind(ctx context.Context, d *storage.DB, name, by string, pass Passphrase, at time.Time) ([]storage.KeyEntry, []string, error) {
	s, err := d.Study(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if s.KeyState != storage.KeySealed {
		key, err := d.Unblind(ctx, name, by, at)
		return key, nil, err
	}
	k, err := OpenKey(ctx, d, name, pass)
	if err != nil {
		return nil, nil, err
	}
	entries := make([]storage.KeyEntry, len(k.Entries))
	var warnings []string
	for i, e := range k.Entries {
		entries[i] = storage.KeyEntry{Code: e.Code, Condition: e.Condition, Position: e.Position}
		if c, err := d.Condition(ctx, e.Condition); err == nil && (c.Drug != e.Drug || c.DoseMgPerKg != e.DoseMgPerKg || c.Route != e.Route) {
			warnings = append(warnings, fmt.Sprintf("condition %s is now %s %g mg/kg %s; when study %s was sealed (what %s's rats were given) it was %s %g mg/kg %s",
				e.Condition, c.Drug, c.DoseMgPerKg, c.Route, name, e.Code, e.Drug, e.DoseMgPerKg, e.Route))
		}
	}
	if err := d.RevealKey(ctx, name, entries, k.Seed, by, at); err != nil {
		return nil, nil, err
	}
	return entries, warnings, nil
}

// ErrNotUnsealed: Seal was asked to seal a key that is not in plain text.
var ErrNotUnsealed = errors.New("the key is not in plain text")

// SealStudy seals the key of a blind study created before keys were
// sealed (migration 0009) and removes its plain rows. Such a study's
// codes were drawn from its design seed, so the seed goes into the sealed
// key too and the stored one is set to 0.
func SealStudy(ctx context.Context, d *storage.DB, name, by string, pass Passphrase, at time.Time) error {
	s, err := d.Study(ctx, name)
	if err != nil {
		return err
	}
	if s.KeyState != storage.KeyUnsealed {
		return fmt.Errorf("study %s (key %s): %w", name, state(s), ErrNotUnsealed)
	}
	plain, err := d.BlindingKey(ctx, name)
	if err != nil {
		return err
	}
	seed := s.Seed
	k := Key{Study: name, Seed: &seed}
	for _, e := range plain {
		c, err := d.Condition(ctx, e.Condition)
		if err != nil {
			return err
		}
		k.Entries = append(k.Entries, entry(e, c))
	}
	phrase, err := pass()
	if err != nil {
		return err
	}
	sealed, err := Seal(k, phrase)
	if err != nil {
		return fmt.Errorf("study %s: %w", name, err)
	}
	return d.SealKey(ctx, name, sealed, true, by, at)
}

// state names where a study's key is, for messages.
func state(s storage.Study) string {
	if !s.Blind {
		return "none: the study is not blind"
	}
	return s.KeyState
}

// Condition is the real condition behind a blind study's code condition
// (for a virtual rat's rehearsal), opening a sealed key with its
// passphrase; any other condition is returned as it is.
func Condition(ctx context.Context, d *storage.DB, s storage.Study, id string, pass Passphrase) (storage.Condition, error) {
	if s.KeyState == storage.KeySealed {
		k, err := OpenKey(ctx, d, s.Name, pass)
		if err != nil {
			return storage.Condition{}, err
		}
		for _, e := range k.Entries {
			if e.Code == id {
				id = e.Condition
			}
		}
	} else if s.Blind {
		key, err := d.BlindingKey(ctx, s.Name)
		if err != nil {
			return storage.Condition{}, err
		}
		for _, e := range key {
			if e.Code == id {
				id = e.Condition
			}
		}
	}
	return d.Condition(ctx, id)
}
