package engine

import (
	"context"
	"fmt"
)

// CaptionIndexMissing reports how many rows of table sit in shards
// without a complete caption index (a database from before the index, or
// a shard whose index was lost).
func (db *DB) CaptionIndexMissing(table string) (int64, error) {
	t, err := db.Table(table)
	if err != nil {
		return 0, err
	}
	if t.Column("caption") < 0 {
		return 0, nil
	}
	var n int64
	for _, sh := range t.Shards {
		if sh.Rows > 0 && !sh.hasAllTokens() {
			n += int64(sh.Rows)
		}
	}
	return n, nil
}

func (sh *Shard) hasAllTokens() bool {
	for _, r := range captionRules {
		if !sh.hasTokens(r.name) {
			return false
		}
	}
	return true
}

// DropCaptionIndex removes the caption index and the stored ImageNet
// labelling of every shard of table, leaving the table as a database from
// before the index has it: caption predicates then read the captions
// until BuildCaptionIndex (laiondb reindex) stores the index again. Both
// are derived from the captions, so nothing is lost.
func (db *DB) DropCaptionIndex(table string) error {
	if err := db.writable(); err != nil {
		return err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	t, err := db.Table(table)
	if err != nil {
		return err
	}
	for _, sh := range t.Shards {
		if err := db.deleteKeys(tokenShardPrefix(t.ID, sh.Number, sh.Gen)); err != nil {
			return err
		}
		labels := tokenShardPrefix(t.ID, sh.Number, sh.Gen)
		labels[0] = kindLabels
		if err := db.deleteKeys(labels); err != nil {
			return err
		}
		sh.Tokens = nil
	}
	return db.commitTable(t)
}

// BuildCaptionIndex builds and stores the caption index (every rule) and
// the ImageNet labelling of the shards of table that lack them, reading
// their stored captions; progress, when set, is called with rows done and
// the rows to do. It returns the number of shards indexed. Shards that
// have their index are left alone, so it is cheap to call again.
func (db *DB) BuildCaptionIndex(ctx context.Context, table string, progress func(done, total int64)) (int, error) {
	if err := db.writable(); err != nil {
		return 0, err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	t, err := db.Table(table)
	if err != nil {
		return 0, err
	}
	ci := t.Column("caption")
	if ci < 0 {
		return 0, fmt.Errorf("%w: table %s has no caption column to index", ErrNoColumn, t.Name)
	}
	var total, done int64
	for _, sh := range t.Shards {
		if sh.Rows > 0 && !sh.hasAllTokens() {
			total += int64(sh.Rows)
		}
	}
	built := 0
	for _, sh := range t.Shards {
		if sh.Rows == 0 || sh.hasAllTokens() {
			continue
		}
		tb := newTokenBuilder()
		s := db.Snapshot()
		for b := uint32(0); b < sh.Blocks(); b++ {
			if err := ctx.Err(); err != nil {
				s.Close()
				tb.finish()
				return built, err
			}
			cb, err := s.shardColumnBlock(t, sh, b, ci)
			if err != nil {
				s.Close()
				tb.finish()
				return built, err
			}
			if cb != nil {
				tb.addBlock(b*BlockRows, cb)
			}
			done += int64(min(BlockRows, sh.Rows-b*BlockRows))
			if progress != nil {
				progress(done, total)
			}
		}
		s.Close()
		tb.finish()
		// The old segments (if any, partial) are replaced: delete, write,
		// then record the rules in the catalog.
		if err := db.deleteKeys(tokenShardPrefix(t.ID, sh.Number, sh.Gen)); err != nil {
			return built, err
		}
		wb := db.bdb.NewWriteBatch()
		if err := tb.write(wb, t.ID, sh.Number, sh.Gen); err != nil {
			wb.Cancel()
			return built, err
		}
		if err := wb.Flush(); err != nil {
			return built, err
		}
		sh.Tokens = tb.rules()
		if err := db.commitTable(t); err != nil {
			return built, err
		}
		s = db.Snapshot()
		for _, cr := range captionRules {
			vocab, err := imagenetVocabulary(cr.rule)
			if err == nil {
				_, err = s.shardLabels(ctx, t, sh, cr.rule, vocab, true)
			}
			if err != nil {
				s.Close()
				return built, err
			}
		}
		s.Close()
		built++
	}
	return built, nil
}
