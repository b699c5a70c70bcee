package engine

import "fmt"

// Check verifies the database's invariants: every visible shard has whole
// caption and vector blocks of the right sizes, every other stored block
// decodes, token indexes exist for the rules the catalog lists, an
// unfinished ingest has all the blocks it claims, and sets and vector
// indexes refer only to existing rows. It returns the first problem found,
// wrapping ErrCorrupt.
func (db *DB) Check() error {
	s := db.Snapshot()
	defer s.Close()
	for _, t := range db.Tables() {
		if err := s.checkTable(t); err != nil {
			return err
		}
	}
	return db.checkExtra(s)
}

func (db *DB) checkExtra(s *Snapshot) error {
	for _, f := range []func(db *DB, s *Snapshot) error{checkSets, checkIndexes, checkEmbeddings, checkClassifiers} {
		if err := f(db, s); err != nil {
			return err
		}
	}
	return nil
}

func (s *Snapshot) checkTable(t *Table) error {
	ci := t.Column("caption")
	for _, sh := range t.Shards {
		where := fmt.Sprintf("table %s shard %d", t.Name, sh.Number)
		check := func(gen, rows uint32, hasVec []bool) error {
			for b := uint32(0); b*BlockRows < rows; b++ {
				n := int(min(BlockRows, rows-b*BlockRows))
				for c := range t.Columns {
					cb, err := s.columnBlock(t, sh.Number, gen, b, c)
					if err != nil {
						return fmt.Errorf("%w: %s block %d column %s: %w", ErrCorrupt, where, b, t.Columns[c].Name, err)
					}
					if cb == nil && c == ci && ci >= 0 {
						return fmt.Errorf("%w: %s: caption block %d missing", ErrCorrupt, where, b)
					}
					if cb != nil && cb.Rows() != n {
						return fmt.Errorf("%w: %s block %d column %s has %d rows, want %d", ErrCorrupt, where, b, t.Columns[c].Name, cb.Rows(), n)
					}
				}
				for v, vc := range t.Vectors {
					if v >= len(hasVec) || !hasVec[v] {
						continue
					}
					item, err := s.txn.Get(blockKey(t.ID, sh.Number, gen, b, blockVector, uint16(v)))
					if err != nil {
						return fmt.Errorf("%w: %s: vector block %d of %s: %w", ErrCorrupt, where, b, vc.Name, err)
					}
					var size int
					if err := valueOf(item, func(v []byte) error { size = len(v); return nil }); err != nil {
						return blockErr(err, t, sh.Number, b, "vector "+vc.Name)
					}
					if want := n * vc.Dim * vc.ElemSize(); size != want {
						return fmt.Errorf("%w: %s: vector block %d of %s has %d bytes, want %d", ErrCorrupt, where, b, vc.Name, size, want)
					}
				}
			}
			return nil
		}
		if sh.Rows > 0 {
			if err := check(sh.Gen, sh.Rows, sh.HasVector); err != nil {
				return err
			}
			for _, rule := range sh.Tokens {
				r, ok := ruleByName(rule)
				if !ok {
					continue
				}
				if _, err := s.txn.Get(append(tokenPrefix(t.ID, sh.Number, sh.Gen, r.id), 'd')); err != nil {
					return fmt.Errorf("%w: %s: caption index for rule %s: %w", ErrCorrupt, where, rule, err)
				}
			}
		}
		if p := sh.Pending; p != nil {
			if p.Committed%BlockRows != 0 && p.Committed != p.Total {
				return fmt.Errorf("%w: %s: unfinished ingest committed %d rows, not whole blocks", ErrCorrupt, where, p.Committed)
			}
			if err := check(p.Gen, p.Committed, p.HasVector); err != nil {
				return err
			}
		}
	}
	return nil
}
