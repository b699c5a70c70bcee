package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
)

// ---- bad inputs ----

type inputStats struct{ kinds, clear, changed int }

// badInput is one kind of bad input: prepare makes the files it needs in
// tmp and returns the laiondb arguments ({db}: the database) and a string
// the message must contain to say what is wrong (often the path).
type badInput struct {
	name    string
	prepare func(tmp string) (args []string, mention string)
}

// unclear matches what a clear message has not: a stack, a panic, a hex
// dump.
var unclear = regexp.MustCompile(`panic:|goroutine \d|runtime\.|[0-9a-f]{40,}|\\x[0-9a-f]{2}.*\\x[0-9a-f]{2}.*\\x[0-9a-f]{2}`)

func badInputs(dir, a, b string) (inputStats, error) {
	var st inputStats
	base := filepath.Join(dir, "input-base")
	os.RemoveAll(base)
	if r, err := cli("", "ingest", "--db", base, a); err != nil || r.code != 0 {
		return st, fmt.Errorf("input base: %v %s", err, r.stderr)
	}
	shardFile := func(sub, name string) string { return filepath.Join(a, sub, name) }
	meta, img, txt := shardFile("metadata", "metadata_0000.parquet"), shardFile("img_emb", "img_emb_0000.npy"), shardFile("text_emb", "text_emb_0000.npy")
	// shard copies A's files into tmp/name (a shard directory) and lets
	// change alter them.
	shard := func(tmp, name string, change func(d string)) string {
		d := filepath.Join(tmp, name)
		for _, f := range []string{"metadata/metadata_0000.parquet", "img_emb/img_emb_0000.npy", "text_emb/text_emb_0000.npy"} {
			os.MkdirAll(filepath.Dir(filepath.Join(d, f)), 0o755)
			copyFile(filepath.Join(a, f), filepath.Join(d, f))
		}
		if change != nil {
			change(d)
		}
		return d
	}
	writeNpy := func(p string, header []byte, data int) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, append(header, make([]byte, data)...), 0o644)
	}
	patch := func(p string, off int64, b []byte) {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err == nil {
			f.WriteAt(b, off)
			f.Close()
		}
	}
	dataOffset := func(p string) int64 {
		r, err := npy.Open(p)
		if err != nil {
			return 0
		}
		defer r.Close()
		return r.DataOffset
	}
	rowsN := *rows
	ingest := func(paths ...string) []string { return append([]string{"ingest", "--db", "{db}"}, paths...) }
	// flagged puts flags before the paths (the flag package stops at the
	// first argument that is not one).
	flagged := func(flags []string, paths ...string) []string {
		return append(append([]string{"ingest", "--db", "{db}"}, flags...), paths...)
	}
	cases := []badInput{
		{"missing path", func(tmp string) ([]string, string) { p := filepath.Join(tmp, "nope"); return ingest(p), p }},
		{"empty directory", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "empty")
			os.Mkdir(p, 0o755)
			return ingest(p), p
		}},
		{"npy files but no parquet", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) { os.RemoveAll(filepath.Join(d, "metadata")) })
			return ingest(d), "no metadata parquet"
		}},
		{"CSV named .parquet", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "metadata_0001.parquet")
			os.WriteFile(p, []byte("SAMPLE_ID,URL,TEXT\n1,http://x,a dog\n"), 0o644)
			return ingest(p), p
		}},
		{"empty parquet file", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "metadata_0001.parquet")
			os.WriteFile(p, nil, 0o644)
			return ingest(p), p
		}},
		{"truncated parquet", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "metadata_0001.parquet")
			b, _ := os.ReadFile(meta)
			os.WriteFile(p, b[:len(b)/2], 0o644)
			return ingest(p), p
		}},
		{"parquet footer damaged", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "metadata_0001.parquet")
			b, _ := os.ReadFile(meta)
			for i := len(b) - 200; i < len(b)-8; i++ {
				b[i] ^= 0x5a
			}
			os.WriteFile(p, b, 0o644)
			return ingest(p), p
		}},
		{"parquet without a caption column", func(tmp string) ([]string, string) {
			type noCap struct {
				URL string `parquet:"URL"`
			}
			p := filepath.Join(tmp, "metadata_0001.parquet")
			gen.WriteParquet(p, []noCap{{"http://a"}})
			return ingest(p), "no caption column"
		}},
		{"caption column of integers", func(tmp string) ([]string, string) {
			type intCap struct {
				TEXT int64 `parquet:"TEXT"`
			}
			p := filepath.Join(tmp, "metadata_0001.parquet")
			gen.WriteParquet(p, []intCap{{1}, {2}})
			return ingest(p), "not text"
		}},
		{"npy with a bad magic", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				os.WriteFile(filepath.Join(d, "img_emb", "img_emb_0000.npy"), []byte("not numpy at all"), 0o644)
			})
			return ingest(d), "img_emb_0000.npy"
		}},
		{"npy truncated", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				p := filepath.Join(d, "text_emb", "text_emb_0000.npy")
				b, _ := os.ReadFile(p)
				os.WriteFile(p, b[:len(b)-100], 0o644)
			})
			return ingest(d), "truncated"
		}},
		{"npy with bytes after the array", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				p := filepath.Join(d, "text_emb", "text_emb_0000.npy")
				b, _ := os.ReadFile(p)
				os.WriteFile(p, append(b, 1, 2, 3), 0o644)
			})
			return ingest(d), "text_emb_0000.npy"
		}},
		{"npy with fewer rows than the parquet", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				writeNpy(filepath.Join(d, "img_emb", "img_emb_0000.npy"), npy.EncodeHeader(npy.Float16, false, rowsN-1, 512), (rowsN-1)*512*2)
			})
			return ingest(d), "rows but"
		}},
		{"npy of int64", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				h := strings.Replace(string(npy.EncodeHeader(npy.Float16, false, rowsN, 4)), "<f2", "<i8", 1)
				writeNpy(filepath.Join(d, "img_emb", "img_emb_0000.npy"), []byte(h), rowsN*4*8)
			})
			return ingest(d), "<i8"
		}},
		{"big-endian npy", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				h := strings.Replace(string(npy.EncodeHeader(npy.Float32, false, rowsN, 8)), "<f4", ">f4", 1)
				writeNpy(filepath.Join(d, "img_emb", "img_emb_0000.npy"), []byte(h), rowsN*8*4)
			})
			return ingest(d), ">f4"
		}},
		{"npy of three dimensions", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				h := strings.Replace(string(npy.EncodeHeader(npy.Float16, false, rowsN, 8)), fmt.Sprintf("(%d, 8)", rowsN), fmt.Sprintf("(%d, 2, 4)", rowsN), 1)
				writeNpy(filepath.Join(d, "img_emb", "img_emb_0000.npy"), []byte(h), rowsN*8*2)
			})
			return ingest(d), "img_emb_0000.npy"
		}},
		{"npy header that is not a dict", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				h := []byte("\x93NUMPY\x01\x00\x10\x00{not a dict!!!}\n")
				writeNpy(filepath.Join(d, "img_emb", "img_emb_0000.npy"), h, 64)
			})
			return ingest(d), "img_emb_0000.npy"
		}},
		{"npy header length of 1 GB", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				writeNpy(filepath.Join(d, "img_emb", "img_emb_0000.npy"), []byte("\x93NUMPY\x02\x00\x00\x00\x00\x40"), 64)
			})
			return ingest(d), "img_emb_0000.npy"
		}},
		{"NaN in a vector", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				p := filepath.Join(d, "img_emb", "img_emb_0000.npy")
				patch(p, dataOffset(p)+int64(50*512*2), []byte{0x00, 0x7e})
			})
			return ingest(d), "row 50"
		}},
		{"Inf in a vector", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				p := filepath.Join(d, "text_emb", "text_emb_0000.npy")
				patch(p, dataOffset(p)+int64(rowsN/2*512*2+6), []byte{0x00, 0x7c})
			})
			return ingest(d), fmt.Sprintf("row %d", rowsN/2)
		}},
		{"NaN in the last shard of two (item 1)", func(tmp string) ([]string, string) {
			d := filepath.Join(tmp, "M")
			for _, f := range []string{"metadata/metadata_0000.parquet", "img_emb/img_emb_0000.npy", "text_emb/text_emb_0000.npy"} {
				os.MkdirAll(filepath.Dir(filepath.Join(d, f)), 0o755)
				copyFile(filepath.Join(b, f), filepath.Join(d, f))
				copyFile(filepath.Join(a, f), filepath.Join(d, strings.Replace(f, "0000", "0001", 1)))
			}
			p := filepath.Join(d, "img_emb", "img_emb_0001.npy")
			patch(p, dataOffset(p)+int64(50*512*2), []byte{0x00, 0x7e})
			return ingest(d), "img_emb_0001.npy: row 50"
		}},
		{"embeddings of another dimension", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				writeNpy(filepath.Join(d, "img_emb", "img_emb_0000.npy"), npy.EncodeHeader(npy.Float16, false, rowsN, 64), rowsN*64*2)
				writeNpy(filepath.Join(d, "text_emb", "text_emb_0000.npy"), npy.EncodeHeader(npy.Float16, false, rowsN, 64), rowsN*64*2)
			})
			return ingest(d), "dimension 64"
		}},
		{"embeddings too wide for a block", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "w", "metadata", "metadata_0007.parquet")
			os.MkdirAll(filepath.Dir(p), 0o755)
			caption := "a goldfish"
			gen.WriteMetadata(p, []gen.Row{{Text: &caption}})
			writeNpy(filepath.Join(tmp, "w", "img_emb", "img_emb_0007.npy"), npy.EncodeHeader(npy.Float16, false, 1, 40000), 40000*2)
			return flagged([]string{"--table", "wide"}, filepath.Join(tmp, "w")), "dimension 40000"
		}},
		{"FIFO as metadata", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "metadata_0001.parquet")
			syscall.Mkfifo(p, 0o644)
			return ingest(p), "named pipe"
		}},
		{"FIFO inside a shard directory", func(tmp string) ([]string, string) {
			d := shard(tmp, "s", func(d string) {
				p := filepath.Join(d, "img_emb", "img_emb_0000.npy")
				os.Remove(p)
				syscall.Mkfifo(p, 0o644)
			})
			return ingest(d), "named pipe"
		}},
		{"symbolic link loop", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "loop.parquet")
			os.Symlink(filepath.Join(tmp, "loop2.parquet"), p)
			os.Symlink(p, filepath.Join(tmp, "loop2.parquet"))
			return ingest(p), "loop"
		}},
		{"dangling symbolic link", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "gone.parquet")
			os.Symlink(filepath.Join(tmp, "nothing"), p)
			return ingest(p), p
		}},
		{"--shard 4294967296", func(string) ([]string, string) {
			return flagged([]string{"--shard", "4294967296"}, meta), "4294967295"
		}},
		{"--shard 99999999999", func(string) ([]string, string) {
			return flagged([]string{"--shard", "99999999999"}, meta), "4294967295"
		}},
		{"--shard -5", func(string) ([]string, string) { return flagged([]string{"--shard", "-5"}, meta), "4294967295" }},
		{"metadata_99999999999.parquet", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "metadata_99999999999.parquet")
			copyFile(meta, p)
			return ingest(p), "4294967295"
		}},
		{"--shard N with two metadata files", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "metadata_0001.parquet")
			copyFile(meta, p)
			return flagged([]string{"--shard", "5"}, meta, p), "--shard"
		}},
		{"two metadata files of one shard", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "x", "metadata_0000.parquet")
			os.MkdirAll(filepath.Dir(p), 0o755)
			copyFile(meta, p)
			return ingest(meta, p), "shard 0"
		}},
		{"npy without its shard's parquet", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "img_emb_0009.npy")
			copyFile(img, p)
			q := filepath.Join(tmp, "metadata_0001.parquet")
			copyFile(meta, q)
			r := filepath.Join(tmp, "metadata_0002.parquet")
			copyFile(meta, r)
			return ingest(q, r, p), "img_emb_0009.npy"
		}},
		{"npy of unknown column", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "vectors.npy")
			copyFile(txt, p)
			return ingest(meta, p), "vectors.npy"
		}},
		// 100 KB: one argument of exec may not be much longer.
		{"--table of 100 KB", func(string) ([]string, string) {
			return flagged([]string{"--table", strings.Repeat("t", 100<<10)}, meta), "102400 bytes"
		}},
		{"--table with a hyphen", func(string) ([]string, string) { return flagged([]string{"--table", "my-table"}, meta), "my-table" }},
		{"--dtype f8", func(string) ([]string, string) { return flagged([]string{"--dtype", "f8"}, meta), "f8" }},
		{"ingest with no path", func(string) ([]string, string) { return ingest(), "PATH" }},
		{"unknown flag", func(string) ([]string, string) { return flagged([]string{"--frobnicate"}, meta), "frobnicate" }},
		{"ingest --read-only", func(string) ([]string, string) {
			return append([]string{"ingest", "--db", "{db}", "--read-only"}, meta), "read-only"
		}},
		{"--db is a file", func(string) ([]string, string) { return []string{"ingest", "--db", meta, meta}, meta }},
		{"--db is a directory of other files", func(tmp string) ([]string, string) {
			d := filepath.Join(tmp, "notes")
			os.MkdirAll(d, 0o755)
			os.WriteFile(filepath.Join(d, "a.txt"), []byte("hello"), 0o644)
			return []string{"ingest", "--db", d, meta}, d
		}},
		{"syntax error", func(string) ([]string, string) {
			return []string{"query", "--db", "{db}", "SELECT count(*) FROM laion WHERE"}, "1:"
		}},
		{"unknown table", func(string) ([]string, string) {
			return []string{"query", "--db", "{db}", "SELECT * FROM nope"}, "nope"
		}},
		{"identifier of 100 KB", func(string) ([]string, string) {
			return []string{"query", "--db", "{db}", "SELECT * FROM " + strings.Repeat("x", 100<<10)}, "x"
		}},
		{"script that does not exist", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "no.lq")
			return []string{"run", "--db", "{db}", p}, p
		}},
		{"script that is a directory", func(tmp string) ([]string, string) {
			return []string{"run", "--db", "{db}", tmp}, tmp
		}},
		{"--format xml", func(string) ([]string, string) {
			return []string{"query", "--db", "{db}", "--format", "xml", "SELECT 1"}, "xml"
		}},
		{"EXPORT into a missing directory", func(tmp string) ([]string, string) {
			p := filepath.Join(tmp, "no", "such", "x.parquet")
			return []string{"query", "--db", "{db}", "EXPORT (SELECT id FROM laion) TO '" + p + "'"}, "does not exist"
		}},
	}
	for _, c := range cases {
		tmp, err := os.MkdirTemp(dir, "input-")
		if err != nil {
			return st, err
		}
		db := filepath.Join(tmp, "db")
		if err := copyDir(base, db); err != nil {
			return st, err
		}
		before, _ := answers(db, true)
		args, mention := c.prepare(tmp)
		r, err := cli("", subst(args, db)...)
		if err != nil {
			return st, err
		}
		after, _ := answers(db, true)
		st.kinds++
		msg := strings.TrimSpace(r.stderr)
		// A usage error may print the command's usage (a few hundred
		// bytes of flags); anything else must be short.
		limit := 800
		if r.code == 2 && strings.Contains(msg, "usage: laiondb") {
			limit = 4000
		}
		clear := (r.code == 1 || r.code == 2) && msg != "" && len(msg) <= limit && !unclear.MatchString(msg) && strings.Contains(msg, mention)
		if clear {
			st.clear++
		}
		changed := before != after
		if changed {
			st.changed++
		}
		if *verbose || !clear || changed {
			fmt.Printf("bad input %-40s exit %d clear %-5v changed %-5v %s\n", c.name, r.code, clear, changed, firstLine(msg))
		}
		os.RemoveAll(tmp)
	}
	return st, nil
}

// ---- corruptions ----

type corruptionStats struct{ flips, detected, right, wrong, panics int }

func corruptions(dir, a string) (corruptionStats, error) {
	var st corruptionStats
	base := filepath.Join(dir, "corrupt-base")
	os.RemoveAll(base)
	for _, s := range []string{"", "CREATE SET s AS SELECT * FROM laion WHERE caption MATCHES imagenet", "CREATE INDEX ON laion(img) WITH (m = 8, ef_construction = 32, threads = 1)"} {
		var r result
		var err error
		if s == "" {
			r, err = cli("", "ingest", "--db", base, a)
		} else {
			r, err = cli("", "query", "--db", base, s)
		}
		if err != nil || r.code != 0 {
			return st, fmt.Errorf("corruption base: %v %s", err, r.stderr)
		}
	}
	extra := []string{"SELECT count(*) AS n, sum(id) AS ids FROM s", "SELECT id, caption FROM laion WHERE id % 997 = 3 ORDER BY id"}
	want, r := answers(base, true, extra...)
	if r.code != 0 {
		return st, fmt.Errorf("corruption base answers: %s", r.stderr)
	}
	ents, err := os.ReadDir(base)
	if err != nil {
		return st, err
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
			continue
		}
		for _, off := range offsets(fi.Size(), *flips) {
			db := filepath.Join(dir, "corrupt-db")
			os.RemoveAll(db)
			if err := copyDir(base, db); err != nil {
				return st, err
			}
			flip(filepath.Join(db, e.Name()), off, 16)
			st.flips++
			var runs []result
			var outs []string
			for _, ro := range []bool{true, false} {
				o, r := answers(db, ro, extra...)
				runs, outs = append(runs, r), append(outs, o)
			}
			c, _ := cli("", "check", "--db", db)
			runs = append(runs, c)
			panicked, detected, wrong := false, false, false
			for i, r := range runs {
				switch {
				case r.signal != "" || strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "fatal error"):
					panicked = true
				case r.code != 0:
					detected = true
				case i < 2 && outs[i] != want:
					wrong = true
				}
			}
			switch {
			case panicked:
				st.panics++
			case wrong:
				st.wrong++
			case detected:
				st.detected++
			default:
				st.right++
			}
			if *verbose || panicked || wrong {
				fmt.Printf("flip %-12s at %-9d panicked %-5v wrong %-5v detected %-5v %s\n", e.Name(), off, panicked, wrong, detected, firstLine(runs[0].stderr+runs[1].stderr+runs[2].stderr))
			}
		}
	}
	return st, nil
}

// offsets are where a file of size bytes is damaged: its first bytes
// (headers), n spread over it, and its end.
func offsets(size int64, n int) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, o := range append([]int64{0, 4, 8, 16, size - 16}, spread(size, n)...) {
		o = max(0, min(o, size-1))
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

func spread(size int64, n int) []int64 {
	var out []int64
	for i := 1; i <= n; i++ {
		out = append(out, size*int64(i)/int64(n+1))
	}
	return out
}

func flip(path string, off int64, n int) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	buf := make([]byte, n)
	m, _ := f.ReadAt(buf, off)
	for i := range buf[:m] {
		buf[i] ^= 0xff
	}
	f.WriteAt(buf[:m], off)
}
