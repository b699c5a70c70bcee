package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// SetDefinition is everything that made a set, recorded when it is
// created: the statement, the session's settings and the values of the
// $variables the statement used, and the version of everything it read.
// REFRESH SET runs the statement again under the recorded settings and
// variables; a set whose sources have changed since is stale.
type SetDefinition struct {
	Statement string           `json:"statement"`
	Settings  map[string]Value `json:"settings,omitempty"`
	Vars      map[string]Value `json:"vars,omitempty"`
	Reads     []SourceVersion  `json:"reads"`
}

// SourceVersion is the version of a table or set as a statement read it:
// a table's shards (number, generation, rows), or a set's id, which
// changes whenever the set is made again.
type SourceVersion struct {
	Table  string         `json:"table,omitempty"`
	Shards []ShardVersion `json:"shards,omitempty"`
	Set    string         `json:"set,omitempty"`
	SetID  uint32         `json:"set_id,omitempty"`
}

// ShardVersion is one shard of a table as it was read.
type ShardVersion struct {
	Number uint32 `json:"number"`
	Gen    uint32 `json:"gen"`
	Rows   uint32 `json:"rows"`
}

// StaleError says that a set's sources changed since it was made: which
// set, what changed, and what to do.
type StaleError struct {
	Set string
	// Why is what changed, e.g. "shard 0 of table laion was re-ingested
	// after the set was made (5000 rows then, 3000 now)".
	Why string
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("set %s is stale: %s; REFRESH SET %s runs its recorded definition again (or DROP SET %s)", e.Set, e.Why, e.Set, e.Set)
}

// Unwrap lets errors.Is find ErrStale.
func (e *StaleError) Unwrap() error { return ErrStale }

// Reads returns the versions of every table and set opened through this
// snapshot so far, in the order first opened: what a statement read.
func (s *Snapshot) Reads() []SourceVersion {
	var out []SourceVersion
	seen := map[string]bool{}
	add := func(v SourceVersion) {
		k := "t" + strings.ToLower(v.Table) + "\x00s" + strings.ToLower(v.Set)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	for _, src := range s.opened {
		if src.Set != nil {
			add(SourceVersion{Set: src.Set.Name, SetID: src.Set.ID})
		}
		add(tableVersion(src.Table))
	}
	return out
}

func tableVersion(t *Table) SourceVersion {
	v := SourceVersion{Table: t.Name}
	for _, sh := range t.Shards {
		v.Shards = append(v.Shards, ShardVersion{Number: sh.Number, Gen: sh.Gen, Rows: sh.Rows})
	}
	return v
}

// Stale returns why set is stale as of this snapshot, or nil: a table it
// read has a shard added, replaced or removed, or a set it read was
// dropped, made again, or is stale itself. A set made before definitions
// were recorded is never reported stale.
func (s *Snapshot) Stale(set *Set) (*StaleError, error) {
	return s.stale(set, 0)
}

func (s *Snapshot) stale(set *Set, depth int) (*StaleError, error) {
	if set.Definition == nil {
		return nil, nil
	}
	if depth > 64 {
		return nil, fmt.Errorf("%w: set %s: its definition reads sets 64 deep", ErrCorrupt, set.Name)
	}
	stale := func(format string, args ...any) (*StaleError, error) {
		return &StaleError{Set: set.Name, Why: fmt.Sprintf(format, args...)}, nil
	}
	for _, r := range set.Definition.Reads {
		if r.Set != "" {
			cur, err := s.SetInfo(r.Set)
			if errors.Is(err, ErrNoSet) {
				return stale("set %s, which it was made from, was dropped", r.Set)
			}
			if err != nil {
				return nil, err
			}
			if cur.ID != r.SetID {
				return stale("set %s, which it was made from, was made again", r.Set)
			}
			if why, err := s.stale(cur, depth+1); err != nil || why != nil {
				if why != nil {
					return stale("set %s, which it was made from, is stale (%s)", r.Set, why.Why)
				}
				return nil, err
			}
			continue
		}
		t, err := s.Table(r.Table)
		if errors.Is(err, ErrNoTable) {
			return stale("table %s was dropped", r.Table)
		}
		if err != nil {
			return nil, err
		}
		if why := shardChange(t, r); why != "" {
			return stale("%s", why)
		}
	}
	return nil, nil
}

// shardChange describes how t's shards differ from the version read, or
// returns "".
func shardChange(t *Table, read SourceVersion) string {
	was := map[uint32]ShardVersion{}
	for _, sv := range read.Shards {
		was[sv.Number] = sv
	}
	var changes []string
	for _, sh := range t.Shards {
		sv, ok := was[sh.Number]
		switch {
		case !ok && sh.Rows > 0:
			changes = append(changes, fmt.Sprintf("shard %d of table %s was added after the set was made", sh.Number, t.Name))
		case ok && sv.Gen != sh.Gen:
			changes = append(changes, fmt.Sprintf("shard %d of table %s was re-ingested after the set was made (%d rows then, %d now)", sh.Number, t.Name, sv.Rows, sh.Rows))
		}
		delete(was, sh.Number)
	}
	var gone []uint32
	for n := range was {
		gone = append(gone, n)
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i] < gone[j] })
	for _, n := range gone {
		changes = append(changes, fmt.Sprintf("shard %d of table %s was removed after the set was made", n, t.Name))
	}
	return strings.Join(changes, ", ")
}
