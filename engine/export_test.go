package engine

// DropCaptionIndex removes the caption index and stored labelling of every
// shard of table, leaving it as a database from before the index: for the
// external tests of what happens then.
func (db *DB) DropCaptionIndex(table string) error {
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
