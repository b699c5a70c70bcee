package engine

import "encoding/binary"

// Key kinds: the first byte of every key. See doc.go for the layout.
const (
	kindFormat  = 0x00
	kindCatalog = 0x01
	kindBlock   = 0x02
	kindTokens  = 0x03
	kindSet     = 0x04
	kindIndex   = 0x05
	kindEmbed   = 0x06
	kindLabels  = 0x07
)

// Catalog object kinds (second byte of a catalog key).
const (
	catTable = 't'
	catSet   = 's'
	catIndex = 'i'
	catSeq   = 'q'
)

// Block kinds (after the block number).
const (
	blockScalar = 's'
	blockVector = 'v'
)

var formatKey = []byte("\x00laiondb.format")

func catalogKey(kind byte, name string) []byte {
	return append([]byte{kindCatalog, kind}, name...)
}

// shardGenPrefix is the prefix of everything stored for one generation of
// one shard of a table: 0x02 table(4) shard(4) gen(4).
func shardGenPrefix(table, shard, gen uint32) []byte {
	k := make([]byte, 13, 20)
	k[0] = kindBlock
	binary.BigEndian.PutUint32(k[1:], table)
	binary.BigEndian.PutUint32(k[5:], shard)
	binary.BigEndian.PutUint32(k[9:], gen)
	return k
}

// blockKey: 0x02 table(4) shard(4) gen(4) block(4) kind(1) column(2).
func blockKey(table, shard, gen, block uint32, kind byte, col uint16) []byte {
	k := shardGenPrefix(table, shard, gen)
	k = binary.BigEndian.AppendUint32(k, block)
	k = append(k, kind)
	return binary.BigEndian.AppendUint16(k, col)
}

// tokenPrefix: 0x03 table(4) shard(4) gen(4) rule(1).
func tokenPrefix(table, shard, gen uint32, rule byte) []byte {
	k := make([]byte, 14, 20)
	k[0] = kindTokens
	binary.BigEndian.PutUint32(k[1:], table)
	binary.BigEndian.PutUint32(k[5:], shard)
	binary.BigEndian.PutUint32(k[9:], gen)
	k[13] = rule
	return k
}

// tokenShardPrefix: 0x03 table(4) shard(4) gen(4) — every rule's index.
func tokenShardPrefix(table, shard, gen uint32) []byte {
	return tokenPrefix(table, shard, gen, 0)[:13]
}

// labelsKey: 0x07 table(4) shard(4) gen(4) rule(1): the stored unique-match
// labelling of one shard generation under one rule.
func labelsKey(table, shard, gen uint32, rule byte) []byte {
	k := tokenPrefix(table, shard, gen, rule)
	k[0] = kindLabels
	return k
}

// u32Key appends a big-endian uint32 to a copy of prefix.
func u32Key(prefix []byte, n uint32) []byte {
	k := make([]byte, len(prefix), len(prefix)+4)
	copy(k, prefix)
	return binary.BigEndian.AppendUint32(k, n)
}
