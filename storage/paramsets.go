package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fivechoice/fivechoice/protocols"
)

// A ParamSet is one version of a lab's own parameter set (migration 0011):
// a variant of a built-in set (or of another lab set), saved by someone
// for a reason. A version never changes; Sessions counts those that ran on
// it.
type ParamSet struct {
	Name        string           `json:"name"`
	Version     int              `json:"version"`
	BasedOn     string           `json:"based_on"`
	Description string           `json:"description"`
	Params      protocols.Params `json:"params"`
	By          string           `json:"saved_by"`
	Why         string           `json:"why"`
	SavedAt     time.Time        `json:"saved_at"`
	Sessions    int              `json:"sessions"`
}

// Set is the version as sessions run it.
func (p ParamSet) Set() protocols.Set {
	return protocols.Set{Name: p.Name, Version: p.Version, Params: p.Params}
}

// SaveParamSet saves p as the next version of its name (1 for a new name)
// and returns it as saved. The name must not shadow a built-in set, the
// parameters must pass the same checks as every session's
// (protocols.Params.Check, errors naming the parameter), and who saved it
// and why are required.
func (d *DB) SaveParamSet(ctx context.Context, p ParamSet) (ParamSet, error) {
	if err := protocols.CheckLabName(p.Name); err != nil {
		return p, fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	if strings.TrimSpace(p.By) == "" || strings.TrimSpace(p.Why) == "" {
		return p, fmt.Errorf("parameter set %s: who saves it and why are required (--by, --why): %w", p.Name, ErrInvalid)
	}
	p.Params.Seed = 0 // each session draws its own
	if _, err := p.Params.Check(); err != nil {
		return p, fmt.Errorf("parameter set %s: %w", p.Name, err)
	}
	if p.SavedAt.IsZero() {
		p.SavedAt = time.Now()
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return p, err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM param_sets WHERE name = ?`, p.Name).Scan(&p.Version); err != nil {
		return p, fmt.Errorf("parameter set %s: %w", p.Name, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO param_sets (name, version, based_on, description, params, saved_by, why, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Name, p.Version, p.BasedOn, p.Description, string(p.Params.JSON()), p.By, p.Why, p.SavedAt.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return p, fmt.Errorf("save parameter set %s: %w", p.Name, err)
	}
	p.Sessions = 0
	return p, tx.Commit()
}

const paramSetQuery = `SELECT p.name, p.version, p.based_on, p.description, p.params, p.saved_by, p.why, p.saved_at,
	(SELECT COUNT(*) FROM sessions s WHERE s.protocol = p.name || '@' || p.version)
	FROM param_sets p`

func (d *DB) paramSets(ctx context.Context, where string, args ...any) ([]ParamSet, error) {
	rows, err := d.db.QueryContext(ctx, paramSetQuery+" "+where+" ORDER BY p.name, p.version", args...)
	if err != nil {
		return nil, fmt.Errorf("parameter sets: %w", err)
	}
	defer rows.Close()
	var out []ParamSet
	for rows.Next() {
		var p ParamSet
		var params, at string
		if err := rows.Scan(&p.Name, &p.Version, &p.BasedOn, &p.Description, &params, &p.By, &p.Why, &at, &p.Sessions); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(params), &p.Params); err != nil {
			return nil, fmt.Errorf("parameter set %s@%d: stored parameters: %w", p.Name, p.Version, err)
		}
		p.SavedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ParamSets lists every version of every lab set, by name and version.
func (d *DB) ParamSets(ctx context.Context) ([]ParamSet, error) { return d.paramSets(ctx, "") }

// ParamSetHistory lists every version of one lab set, oldest first.
func (d *DB) ParamSetHistory(ctx context.Context, name string) ([]ParamSet, error) {
	h, err := d.paramSets(ctx, "WHERE p.name = ?", name)
	if err == nil && len(h) == 0 {
		return nil, d.unknownSet(ctx, name)
	}
	return h, err
}

// ParamSet returns version of the lab set name; version 0 is the latest.
func (d *DB) ParamSet(ctx context.Context, name string, version int) (ParamSet, error) {
	h, err := d.ParamSetHistory(ctx, name)
	if err != nil {
		return ParamSet{}, err
	}
	if version == 0 {
		return h[len(h)-1], nil
	}
	if version < 1 || version > len(h) {
		return ParamSet{}, fmt.Errorf("parameter set %s has versions 1 to %d, not %d: %w", name, len(h), version, ErrNotFound)
	}
	return h[version-1], nil
}

// unknownSet says that name is no set, naming the known ones.
func (d *DB) unknownSet(ctx context.Context, name string) error {
	names, err := d.SetNames(ctx)
	if err != nil {
		return err
	}
	hint := ""
	if c := Closest(name, names); len(c) > 0 {
		hint = fmt.Sprintf("; did you mean %s?", strings.Join(c, " or "))
	}
	return fmt.Errorf("unknown protocol %q (known: %s)%s: %w", name, strings.Join(names, ", "), hint, ErrNotFound)
}

// SetNames lists the names a session can be started with: the built-in
// sets in training order, then the lab's sets by name.
func (d *DB) SetNames(ctx context.Context) ([]string, error) {
	names := protocols.PresetNames()
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT name FROM param_sets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("parameter sets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// FindSet resolves a protocol as sessions name it: a built-in set, a lab
// set (its latest version), or name@version (that version exactly).
func (d *DB) FindSet(ctx context.Context, ref string) (protocols.Set, error) {
	name, version, err := protocols.ParseRef(ref)
	if err != nil {
		return protocols.Set{}, fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	if slices.Contains(protocols.PresetNames(), name) {
		s, err := protocols.Builtin(ref)
		if err != nil {
			return s, fmt.Errorf("%w: %w", err, ErrInvalid)
		}
		return s, nil
	}
	p, err := d.ParamSet(ctx, name, version)
	return p.Set(), err
}

// Finder is FindSet for code that takes a protocols.Finder.
func (d *DB) Finder(ctx context.Context) protocols.Finder {
	return func(ref string) (protocols.Set, error) { return d.FindSet(ctx, ref) }
}

// Lookup is FindSet's parameters, for code that takes a training.Lookup
// (a training programme's stages): built-in and lab sets.
func (d *DB) Lookup(ctx context.Context) func(ref string) (protocols.Params, error) {
	return func(ref string) (protocols.Params, error) {
		s, err := d.FindSet(ctx, ref)
		return s.Params, err
	}
}

// SetRef is how a session records the set that ref named and that gave it
// params: a built-in name or an explicit NAME@VERSION as it is; a lab
// set's bare name becomes NAME@VERSION of the latest version with exactly
// those parameters (seed aside), so a session planned through a Lookup
// records the version it ran, even if another was saved meanwhile.
func (d *DB) SetRef(ctx context.Context, ref string, params protocols.Params) (string, error) {
	name, version, err := protocols.ParseRef(ref)
	if err != nil || version != 0 || slices.Contains(protocols.PresetNames(), name) {
		return ref, err
	}
	params.Seed = 0
	h, err := d.ParamSetHistory(ctx, name)
	if err != nil {
		return "", err
	}
	for i := len(h) - 1; i >= 0; i-- {
		if string(h[i].Params.JSON()) == string(params.JSON()) {
			return h[i].Set().Ref(), nil
		}
	}
	return "", fmt.Errorf("protocol %s: no saved version has these parameters: %w", name, ErrNotFound)
}
