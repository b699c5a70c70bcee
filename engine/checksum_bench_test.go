package engine

import (
	"context"
	"hash/crc32"
	"path/filepath"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/laiondb/laiondb/index/vec"
)

// What checking a block on each read costs. A vector block of a LAION-400M
// shard is 4096 rows × 512 float16 values = 4 MiB; Castagnoli CRC-32 (what
// badger stores per value-log entry, hardware-accelerated) and xxhash64
// over it, against reading the same blocks through a Snapshot with
// badger's VerifyValueChecksum on and off, each read followed by what an
// exact scan does with it (a dot product per row).
//
//	go test ./engine -run '^$' -bench 'BlockChecksum|VerifiedBlockReads' -benchtime 20x

var benchBlock = func() []byte {
	b := make([]byte, BlockRows*512*2)
	for i := range b {
		b[i] = byte(i * 2654435761 >> 24)
	}
	return b
}()

var castagnoliTable = crc32.MakeTable(crc32.Castagnoli)

func BenchmarkBlockChecksum(b *testing.B) {
	b.Run("crc32c", func(b *testing.B) {
		b.SetBytes(int64(len(benchBlock)))
		for b.Loop() {
			crc32.Checksum(benchBlock, castagnoliTable)
		}
	})
	b.Run("xxhash64", func(b *testing.B) {
		b.SetBytes(int64(len(benchBlock)))
		for b.Loop() {
			xxhash.Sum64(benchBlock)
		}
	})
	b.Run("dot-per-row", func(b *testing.B) {
		q := make([]float32, 512)
		row := make([]float32, 512)
		b.SetBytes(int64(len(benchBlock)))
		for b.Loop() {
			for r := 0; r < BlockRows; r++ {
				vec.F16ToF32(row, benchBlock[r*1024:(r+1)*1024])
				vec.Dot(q, row)
			}
		}
	})
}

func BenchmarkVerifiedBlockReads(b *testing.B) {
	dir := writeShard(b, b.TempDir(), testShard{rows: 8 * BlockRows, dim: 512, number: 0, seed: 1})
	dbDir := filepath.Join(b.TempDir(), "db")
	db, err := Open(DefaultOptions(dbDir))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Ingest(context.Background(), []string{dir}, DefaultIngestOptions()); err != nil {
		b.Fatal(err)
	}
	db.Close()
	for _, verify := range []bool{false, true} {
		name := "verify=off"
		if verify {
			name = "verify=on"
		}
		b.Run(name, func(b *testing.B) {
			opts := DefaultOptions(dbDir).WithReadOnly(true)
			opts.skipChecksums = !verify
			db, err := Open(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			t, _ := db.Table("laion")
			sh := t.Shards[0]
			vc := t.Vector("img")
			q := make([]float32, 512)
			row := make([]float32, 512)
			b.SetBytes(int64(sh.Rows) * 512 * 2)
			for b.Loop() {
				s := db.Snapshot()
				for blk := uint32(0); blk < sh.Blocks(); blk++ {
					err := s.vectorBlock(t, sh, blk, vc, func(data []byte) error {
						for r := 0; r < len(data)/1024; r++ {
							vec.F16ToF32(row, data[r*1024:(r+1)*1024])
							vec.Dot(q, row)
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				s.Close()
			}
		})
	}
}
