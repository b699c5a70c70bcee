package ast

import "testing"

// benchScript is a typical script: the LAIONet study in ten statements.
const benchScript = `-- Build LAIONet and look at it.
SET embed_model = 'clip-vit-b32';
INGEST 'shards/0000', 'shards/0001' INTO laion;
IMPORT EMBEDDINGS FROM 'synsets.tsv', 'synsets.npy' MODEL 'clip-vit-b32';
CREATE SET laionet AS
  SELECT * FROM laion
  WHERE caption MATCHES imagenet
    AND cos(txt, embed(synset_text(synset))) > 0.82
    AND nsfw = 'UNLIKELY';
SELECT synset, name(synset), count(*), intraclass(img)
  FROM laionet GROUP BY synset ORDER BY 4 DESC LIMIT 10;
SELECT id, caption FROM laion
  ORDER BY cos(img, (SELECT img FROM laion WHERE id = 42)) DESC LIMIT 10;
COMPARE INTRACLASS (SELECT * FROM laionet LIMIT 100 PER synset) AS l, imagenet_val BY synset MIN PAIRS 7;
PLOT HISTOGRAM (SELECT intraclass(img) FROM laionet GROUP BY synset),
               (SELECT intraclass(img) FROM imagenet_val GROUP BY synset)
  TO 'intraclass.svg' TITLE 'Intra-class similarity' BINS 40;
EXPORT laionet TO 'laionet.parquet' WITH LAIONET NAMES;
ASSERT (SELECT count(*) FROM laionet) > 100, 'LAIONet is too small';
`

func BenchmarkParseScript(b *testing.B) {
	if _, err := ParseScript("bench.lq", benchScript); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchScript)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseScript("bench.lq", benchScript); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSyntaxError(b *testing.B) {
	src := benchScript + "SELECT count( FROM laion;"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseScript("bench.lq", src); err == nil {
			b.Fatal("no error")
		}
	}
}
