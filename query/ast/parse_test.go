package ast

import (
	"errors"
	"strings"
	"testing"
)

// statementTests: input -> canonical String(). Every construct of the
// language appears at least once.
var statementTests = []struct{ in, want string }{
	// SELECT and its clauses.
	{"select * from laion", "SELECT * FROM laion"},
	{"SELECT DISTINCT synset FROM laionet", "SELECT DISTINCT synset FROM laionet"},
	{"SELECT a AS x, b y, l.*, * FROM laion AS l", "SELECT a AS x, b AS y, l.*, * FROM laion AS l"},
	{"SELECT l.caption FROM laion l", "SELECT l.caption FROM laion AS l"},
	{"SELECT x FROM (SELECT a AS x FROM t) AS s", "SELECT x FROM (SELECT a AS x FROM t) AS s"},
	{"SELECT x FROM (SELECT a x FROM t) s", "SELECT x FROM (SELECT a AS x FROM t) AS s"},
	{"SELECT 1 + 1", "SELECT 1 + 1"},
	{"SELECT name('n01443537')", "SELECT name('n01443537')"},
	{"SELECT synset, count(*) FROM laionet WHERE nsfw = 'UNLIKELY' GROUP BY synset HAVING count(*) >= 7 ORDER BY 2 DESC LIMIT 10 OFFSET 20",
		"SELECT synset, count(*) FROM laionet WHERE nsfw = 'UNLIKELY' GROUP BY synset HAVING count(*) >= 7 ORDER BY 2 DESC LIMIT 10 OFFSET 20"},
	{"SELECT synset, name(synset), count(*), intraclass(img) FROM laionet GROUP BY synset ORDER BY 4 LIMIT 10",
		"SELECT synset, name(synset), count(*), intraclass(img) FROM laionet GROUP BY synset ORDER BY 4 LIMIT 10"},
	{"SELECT a, b FROM t GROUP BY a, b ORDER BY a ASC, b DESC NULLS LAST, c NULLS FIRST",
		"SELECT a, b FROM t GROUP BY a, b ORDER BY a, b DESC NULLS LAST, c NULLS FIRST"},
	{"SELECT synset, caption FROM laionet ORDER BY cos(txt, embed(synset_text(synset))) DESC LIMIT 50 PER synset",
		"SELECT synset, caption FROM laionet ORDER BY cos(txt, embed(synset_text(synset))) DESC LIMIT 50 PER synset"},
	{"SELECT * FROM t LIMIT 100 PER synset OFFSET 5", "SELECT * FROM t LIMIT 100 PER synset OFFSET 5"},
	{"SELECT * FROM t LIMIT $k", "SELECT * FROM t LIMIT $k"},
	{"SELECT id, caption FROM laion ORDER BY cos(img, (SELECT img FROM laion WHERE id = 42)) DESC LIMIT 10",
		"SELECT id, caption FROM laion ORDER BY cos(img, (SELECT img FROM laion WHERE id = 42)) DESC LIMIT 10"},
	{"SELECT *, cos(img, [0.1, -0.2, 3e-2]) AS score FROM laion", "SELECT *, cos(img, [0.1, -0.2, 0.03]) AS score FROM laion"},

	// Expressions.
	{"SELECT a FROM t WHERE a IN (1, 2, 3) AND b NOT IN ('x') AND c IN (SELECT c FROM u) AND d NOT IN (SELECT d FROM u)",
		"SELECT a FROM t WHERE a IN (1, 2, 3) AND b NOT IN ('x') AND c IN (SELECT c FROM u) AND d NOT IN (SELECT d FROM u)"},
	{"SELECT a FROM t WHERE a BETWEEN 1 AND 2 AND b NOT BETWEEN -1 AND 1 + 1",
		"SELECT a FROM t WHERE a BETWEEN 1 AND 2 AND b NOT BETWEEN -1 AND 1 + 1"},
	{"SELECT a FROM t WHERE a IS NULL OR b IS NOT NULL", "SELECT a FROM t WHERE a IS NULL OR b IS NOT NULL"},
	{"SELECT a FROM t WHERE url LIKE '%.jpg' AND url NOT LIKE 'http:%'", "SELECT a FROM t WHERE url LIKE '%.jpg' AND url NOT LIKE 'http:%'"},
	{"SELECT count(*) FROM laion WHERE caption MATCHES imagenet", "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET"},
	{"SELECT count(*) FROM laion WHERE caption matches ImageNet using normalized", "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET USING NORMALIZED"},
	{"SELECT count(*) FROM laion WHERE caption MATCHES SYNSET 'n01443537' USING PAPER", "SELECT count(*) FROM laion WHERE caption MATCHES SYNSET 'n01443537' USING PAPER"},
	{"SELECT count(*) FROM laion WHERE caption NOT MATCHES SYNSET 'goldfish'", "SELECT count(*) FROM laion WHERE caption NOT MATCHES SYNSET 'goldfish'"},
	{"SELECT count(*) FROM imagenet_val WHERE caption MATCHES SYNSET wnid", "SELECT count(*) FROM imagenet_val WHERE caption MATCHES SYNSET wnid"},
	{"SELECT count(*) FROM laion WHERE caption CONTAINS 'golden retriever'", "SELECT count(*) FROM laion WHERE caption CONTAINS 'golden retriever'"},
	{"SELECT count(*) FROM laion WHERE caption NOT CONTAINS 'dog' USING NORMALIZED", "SELECT count(*) FROM laion WHERE caption NOT CONTAINS 'dog' USING NORMALIZED"},
	{"SELECT count(DISTINCT synset), count(*), now(), coalesce(a, b, 0) FROM t", "SELECT count(DISTINCT synset), count(*), now(), coalesce(a, b, 0) FROM t"},
	{"SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END FROM t",
		"SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END FROM t"},
	{"SELECT CASE nsfw WHEN 'UNLIKELY' THEN 0 END FROM t", "SELECT CASE nsfw WHEN 'UNLIKELY' THEN 0 END FROM t"},
	{"SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.x) AND NOT EXISTS (SELECT 1 FROM v)",
		"SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.x) AND NOT EXISTS (SELECT 1 FROM v)"},
	{"SELECT TRUE, false, null, $name, 'it''s', '', 'a' || 'b' || c", "SELECT TRUE, FALSE, NULL, $name, 'it''s', '', 'a' || 'b' || c"},
	{"SELECT 1.5, .5, 2.50, 1., 1e3, 1E-3, 7 % 3, 8 / 2, a <> b, a != b",
		"SELECT 1.5, 0.5, 2.5, 1.0, 1000.0, 0.001, 7 % 3, 8 / 2, a != b, a != b"},
	{"SELECT -5, - 5, -(5), - -5, -x, -(-x), -9223372036854775808, -1.5e3", "SELECT -5, -5, -(5), - -5, -x, - -x, -9223372036854775808, -1500.0"},
	{"SELECT (a + b) * c, a + b * c, (a OR b) AND c, a - (b - c), (a - b) - c",
		"SELECT (a + b) * c, a + b * c, (a OR b) AND c, a - (b - c), a - b - c"},
	{`SELECT "select", "Odd name", "a""b", "Caption", caption FROM "from"`,
		`SELECT "select", "Odd name", "a""b", Caption, caption FROM "from"`},
	{"SELECT synset, min(x) AS min, name, first, tables FROM tables ORDER BY nulls NULLS FIRST",
		"SELECT synset, min(x) AS min, name, first, tables FROM tables ORDER BY nulls NULLS FIRST"},
	{"SELECT (a = b) = c, (a < b) IS NULL, NOT a = b, (NOT a) = b", "SELECT (a = b) = c, (a < b) IS NULL, NOT a = b, (NOT a) = b"},

	// Joins and composition.
	{"SELECT l.url, s.caption FROM laion AS l JOIN laionet s ON l.id = s.id AND l.width > 5",
		"SELECT l.url, s.caption FROM laion AS l JOIN laionet AS s ON l.id = s.id AND l.width > 5"},
	{"select * from a inner join b on a.k = b.k left outer join c using (k, j) cross join d",
		"SELECT * FROM a JOIN b ON a.k = b.k LEFT JOIN c USING (k, j) CROSS JOIN d"},
	{"SELECT * FROM a LEFT JOIN (SELECT k FROM b) AS s ON a.k = s.k", "SELECT * FROM a LEFT JOIN (SELECT k FROM b) AS s ON a.k = s.k"},
	{"SELECT * FROM (COMPARE INTRACLASS a, b BY synset) c WHERE verdict = 'lower'",
		"SELECT * FROM (COMPARE INTRACLASS a, b BY synset) AS c WHERE verdict = 'lower'"},
	{"SELECT * FROM (SHOW TABLES) AS t JOIN (DESCRIBE laion) AS d ON TRUE", "SELECT * FROM (SHOW TABLES) AS t JOIN (DESCRIBE laion) AS d ON TRUE"},
	{"with a as (select 1 as x), b as (select x from a) select * from b", "WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b"},
	{"WITH c AS (COMPARE INTRACLASS a, b BY synset) SELECT verdict, count(*) FROM c GROUP BY verdict",
		"WITH c AS (COMPARE INTRACLASS a, b BY synset) SELECT verdict, count(*) FROM c GROUP BY verdict"},
	{"SELECT a FROM t UNION SELECT b FROM u UNION ALL SELECT DISTINCT c FROM v WHERE c > 1 GROUP BY c HAVING count(*) > 1 ORDER BY 1 LIMIT 5",
		"SELECT a FROM t UNION SELECT b FROM u UNION ALL SELECT DISTINCT c FROM v WHERE c > 1 GROUP BY c HAVING count(*) > 1 ORDER BY 1 LIMIT 5"},
	{"SELECT x FROM (SELECT a AS x FROM t UNION ALL SELECT b FROM u) AS s WHERE x IN (SELECT a FROM t UNION SELECT 1)",
		"SELECT x FROM (SELECT a AS x FROM t UNION ALL SELECT b FROM u) AS s WHERE x IN (SELECT a FROM t UNION SELECT 1)"},
	{"SELECT * FROM t WHERE EXISTS (WITH w AS (SELECT 1) SELECT * FROM w)", "SELECT * FROM t WHERE EXISTS (WITH w AS (SELECT 1) SELECT * FROM w)"},
	{"EXPORT (COMPARE INTRACLASS laionet, imagenet_val BY synset) TO 'c.csv'", "EXPORT (COMPARE INTRACLASS laionet, imagenet_val BY synset) TO 'c.csv'"},
	{"EXPORT (WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION SELECT 2) TO 'u.csv'", "EXPORT (WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION SELECT 2) TO 'u.csv'"},
	{"SELECT * FROM (EXPLAIN SELECT * FROM laion) AS p", "SELECT * FROM (EXPLAIN SELECT * FROM laion) AS p"},

	// The other statements.
	{"CREATE SET laionet AS SELECT * FROM laion WHERE caption MATCHES imagenet AND cos(txt, embed(synset_text(synset))) > 0.82 AND nsfw = 'UNLIKELY'",
		"CREATE SET laionet AS SELECT * FROM laion WHERE caption MATCHES IMAGENET AND cos(txt, embed(synset_text(synset))) > 0.82 AND nsfw = 'UNLIKELY'"},
	{"drop set laionet", "DROP SET laionet"},
	{"DROP SET IF EXISTS laionet", "DROP SET IF EXISTS laionet"},
	{"DROP SET if", "DROP SET if"},
	{"SHOW TABLES", "SHOW TABLES"},
	{"show sets", "SHOW SETS"},
	{"SHOW INDEXES", "SHOW INDEXES"},
	{"SHOW SYNSETS", "SHOW SYNSETS"},
	{"show settings", "SHOW SETTINGS"},
	{"SHOW SYNSETS LIKE 'dog%'", "SHOW SYNSETS LIKE 'dog%'"},
	{"SHOW SYNSET 'goldfish'", "SHOW SYNSET 'goldfish'"},
	{"DESCRIBE laion", "DESCRIBE laion"},
	{"INGEST 'shards/0000' INTO laion", "INGEST 'shards/0000' INTO laion"},
	{"INGEST 'a', 'b' INTO laion SHARD 3", "INGEST 'a', 'b' INTO laion SHARD 3"},
	{"INGEST $dir || '/0000' INTO laion", "INGEST $dir || '/0000' INTO laion"},
	{"EXPLAIN SELECT * FROM laion WHERE id = 42", "EXPLAIN SELECT * FROM laion WHERE id = 42"},
	{"EXPLAIN CREATE SET s AS SELECT * FROM laion", "EXPLAIN CREATE SET s AS SELECT * FROM laion"},
	{"EXPLAIN NEAREST 10 TO embed('a dog') IN laion(img)", "EXPLAIN NEAREST 10 TO embed('a dog') IN laion(img)"},
	{"ASSERT (SELECT count(*) FROM laionet) > 100", "ASSERT (SELECT count(*) FROM laionet) > 100"},
	{"ASSERT (SELECT count(*) FROM laionet) > 100, 'too few rows'", "ASSERT (SELECT count(*) FROM laionet) > 100, 'too few rows'"},
	{"SET ef_search = 128", "SET ef_search = 128"},
	{"SET embedder = 'http://127.0.0.1:8080/v1/embeddings'", "SET embedder = 'http://127.0.0.1:8080/v1/embeddings'"},
	{"SET embed_model = 'clip-vit-b32'", "SET embed_model = 'clip-vit-b32'"},
	{"CREATE INDEX ON laion(img)", "CREATE INDEX ON laion(img)"},
	{"CREATE INDEX img_hnsw ON laion (img) WITH (m = 16, ef_construction = 200)", "CREATE INDEX img_hnsw ON laion(img) WITH (m = 16, ef_construction = 200)"},
	{"DROP INDEX ON laion(img)", "DROP INDEX ON laion(img)"},
	{"DROP INDEX img_hnsw", "DROP INDEX img_hnsw"},
	{"DROP INDEX IF EXISTS ON laion(img)", "DROP INDEX IF EXISTS ON laion(img)"},
	{"NEAREST 10 TO embed('a goldfish') IN laion(img)", "NEAREST 10 TO embed('a goldfish') IN laion(img)"},
	{"NEAREST 5 TO (SELECT img FROM laion WHERE id = 42) IN laionet(img) WHERE synset = 'n01443537'",
		"NEAREST 5 TO (SELECT img FROM laion WHERE id = 42) IN laionet(img) WHERE synset = 'n01443537'"},
	{"NEAREST $k TO $q IN laion(txt)", "NEAREST $k TO $q IN laion(txt)"},
	{"IMPORT EMBEDDINGS FROM 'texts.tsv', 'vectors.npy'", "IMPORT EMBEDDINGS FROM 'texts.tsv', 'vectors.npy'"},
	{"IMPORT EMBEDDINGS FROM 'texts.tsv', 'vectors.npy' MODEL 'clip-vit-b32'", "IMPORT EMBEDDINGS FROM 'texts.tsv', 'vectors.npy' MODEL 'clip-vit-b32'"},
	{"COMPARE INTRACLASS laionet, imagenet_val BY synset", "COMPARE INTRACLASS laionet, imagenet_val BY synset"},
	{"COMPARE INTRACLASS laionet, imagenet_val ON img BY synset MIN PAIRS 7", "COMPARE INTRACLASS laionet, imagenet_val ON img BY synset MIN PAIRS 7"},
	{"COMPARE INTRACLASS (SELECT * FROM laionet LIMIT 100 PER synset) a, imagenet_val AS b BY synset",
		"COMPARE INTRACLASS (SELECT * FROM laionet LIMIT 100 PER synset) AS a, imagenet_val AS b BY synset"},
	{"EXPORT laionet TO 'laionet.parquet'", "EXPORT laionet TO 'laionet.parquet'"},
	{"EXPORT laionet TO 'laionet.parquet' WITH LAIONET NAMES", "EXPORT laionet TO 'laionet.parquet' WITH LAIONET NAMES"},
	{"EXPORT (SELECT url, caption FROM laionet) TO 'out.csv'", "EXPORT (SELECT url, caption FROM laionet) TO 'out.csv'"},
	{"PLOT HISTOGRAM (SELECT intraclass(img) FROM laionet GROUP BY synset), (SELECT intraclass(img) FROM imagenet_val GROUP BY synset) TO 'hist.svg' TITLE 'Intra-class similarity' BINS 40",
		"PLOT HISTOGRAM (SELECT intraclass(img) FROM laionet GROUP BY synset), (SELECT intraclass(img) FROM imagenet_val GROUP BY synset) TO 'hist.svg' TITLE 'Intra-class similarity' BINS 40"},
	{"PLOT HISTOGRAM (SELECT x FROM t) TO 'h.png' BINS 10 TITLE 't'", "PLOT HISTOGRAM (SELECT x FROM t) TO 'h.png' TITLE 't' BINS 10"},
	{"PLOT SCATTER (SELECT a, b FROM t) TO 's.svg'", "PLOT SCATTER (SELECT a, b FROM t) TO 's.svg'"},
	{"PLOT SCATTER (SELECT a, b FROM t) TO 's.svg' TITLE 'LAIONet vs ImageNet'", "PLOT SCATTER (SELECT a, b FROM t) TO 's.svg' TITLE 'LAIONet vs ImageNet'"},
	{"plot scatter (select synset, intraclass(img) from a group by synset), (select synset, intraclass(img) from b group by synset) to $out || '/s.png'", "PLOT SCATTER (SELECT synset, intraclass(img) FROM a GROUP BY synset), (SELECT synset, intraclass(img) FROM b GROUP BY synset) TO $out || '/s.png'"},

	// Issue 13: sampling, classifiers, EVALUATE, COMPARE's methods, plot
	// options, matching explained.
	{"select * from laionet sample 100 per synset seed 7", "SELECT * FROM laionet SAMPLE 100 PER synset SEED 7"},
	{"SELECT count(*) FROM laion l SAMPLE 10 PERCENT", "SELECT count(*) FROM laion AS l SAMPLE 10 PERCENT"},
	{"SELECT synset, intraclass(img) FROM laionet WHERE nsfw = 'UNLIKELY' SAMPLE $k GROUP BY synset", "SELECT synset, intraclass(img) FROM laionet WHERE nsfw = 'UNLIKELY' SAMPLE $k GROUP BY synset"},
	{"SELECT random(7), random($seed) < 0.1 FROM laion", "SELECT random(7), random($seed) < 0.1 FROM laion"},
	{"SELECT stddev(x), variance(x), median(x), quantile(x, 0.9), histogram(x, 20) FROM t", "SELECT stddev(x), variance(x), median(x), quantile(x, 0.9), histogram(x, 20) FROM t"},
	{"import classifier clip from 'w.npy'", "IMPORT CLASSIFIER clip FROM 'w.npy'"},
	{"IMPORT CLASSIFIER clip FROM $dir || '/w.npy' CLASSES 'wnids.txt' MODEL 'clip-vit-b32'", "IMPORT CLASSIFIER clip FROM $dir || '/w.npy' CLASSES 'wnids.txt' MODEL 'clip-vit-b32'"},
	{"IMPORT PREDICTIONS FROM 'preds.parquet' AS resnet", "IMPORT PREDICTIONS FROM 'preds.parquet' AS resnet"},
	{"CREATE CLASSIFIER centroids AS SELECT synset, centroid(img) FROM imagenet_val GROUP BY synset", "CREATE CLASSIFIER centroids AS SELECT synset, centroid(img) FROM imagenet_val GROUP BY synset"},
	{"DROP CLASSIFIER IF EXISTS clip", "DROP CLASSIFIER IF EXISTS clip"},
	{"show classifiers", "SHOW CLASSIFIERS"},
	{"SELECT predict(img, 'clip'), predict_topk(img, 'clip', 5) FROM laionet", "SELECT predict(img, 'clip'), predict_topk(img, 'clip', 5) FROM laionet"},
	{"EVALUATE clip ON laionet", "EVALUATE clip ON laionet"},
	{"evaluate clip on laionet as l label l.synset per class", "EVALUATE clip ON laionet AS l LABEL l.synset PER CLASS"},
	{"EVALUATE clip ON (SELECT * FROM imagenet_val SAMPLE 10 PER synset) AS inet PER CLASS", "EVALUATE clip ON (SELECT * FROM imagenet_val SAMPLE 10 PER synset) AS inet PER CLASS"},
	{"COMPARE INTRACLASS a, b BY synset METHOD jackknife", "COMPARE INTRACLASS a, b BY synset METHOD jackknife"},
	{"COMPARE INTRACLASS a, b BY synset MIN PAIRS 7 METHOD Bootstrap RESAMPLES 200 SEED 1", "COMPARE INTRACLASS a, b BY synset MIN PAIRS 7 METHOD bootstrap RESAMPLES 200 SEED 1"},
	{"PLOT HISTOGRAM (SELECT x FROM t) TO 'h.svg' DENSITY RANGE 0.2, 0.9 XLABEL 'similarity' BINS 30",
		"PLOT HISTOGRAM (SELECT x FROM t) TO 'h.svg' BINS 30 DENSITY RANGE 0.2, 0.9 XLABEL 'similarity'"},
	{"plot line (select k, a from t), (select k, b from u) to 'l.svg' xlabel 'k' title 't' ylabel 'mean'", "PLOT LINE (SELECT k, a FROM t), (SELECT k, b FROM u) TO 'l.svg' TITLE 't' XLABEL 'k' YLABEL 'mean'"},
	{"SELECT count(*) FROM laion WHERE caption MATCHES SYNSET 'dog.n.01' WITH HYPONYMS USING NORMALIZED", "SELECT count(*) FROM laion WHERE caption MATCHES SYNSET 'dog.n.01' WITH HYPONYMS USING NORMALIZED"},
	{"SELECT synsets_in(caption), synsets_in(caption using normalized) FROM laion", "SELECT synsets_in(caption), synsets_in(caption USING NORMALIZED) FROM laion"},
}

func TestParseStatement(t *testing.T) {
	for _, tt := range statementTests {
		st, err := ParseStatement("t.lq", tt.in)
		if err != nil {
			t.Errorf("%s:\n%v", tt.in, err)
			continue
		}
		if got := st.String(); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.in, got, tt.want)
			continue
		}
		// The canonical text parses to the same tree and prints the same.
		again, err := ParseStatement("t.lq", tt.want)
		if err != nil {
			t.Errorf("canonical %s:\n%v", tt.want, err)
			continue
		}
		if ok, why := sameTree(st, again); !ok {
			t.Errorf("%s: reparsed tree differs: %s", tt.in, why)
		}
		if got := again.String(); got != tt.want {
			t.Errorf("%s: print not a fixed point: %s", tt.in, got)
		}
	}
}

func TestPrecedence(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a OR b AND NOT c = d + e * -f", "(a OR (b AND (NOT (c = (d + (e * (-f)))))))"},
		{"a OR b OR c", "((a OR b) OR c)"},
		{"a AND b OR c AND d", "((a AND b) OR (c AND d))"},
		{"NOT a AND b", "((NOT a) AND b)"},
		{"NOT NOT a", "(NOT (NOT a))"},
		{"NOT a IS NULL", "(NOT (a IS NULL))"},
		{"a - b - c", "((a - b) - c)"},
		{"a / b * c % d", "(((a / b) * c) % d)"},
		{"a || b + c", "(a || (b + c))"},
		{"a || b = c || d", "((a || b) = (c || d))"},
		{"-a * b", "((-a) * b)"},
		{"-2 * 3", "(-2 * 3)"},
		{"-(2) * 3", "((-2) * 3)"},
		{"a * (b + c)", "(a * (b + c))"},
		{"x BETWEEN 1 AND 2 AND y", "((x BETWEEN 1 AND 2) AND y)"},
		{"x NOT BETWEEN a + 1 AND b * 2 OR z", "((x NOT BETWEEN (a + 1) AND (b * 2)) OR z)"},
		{"a + 1 IN (1, 2)", "((a + 1) IN (1, 2))"},
		{"a NOT LIKE 'x' || 'y'", "(a NOT LIKE ('x' || 'y'))"},
		{"cos(a, b) > 0.82 AND n = 'x'", "((cos(a, b) > 0.82) AND (n = 'x'))"},
	} {
		e, err := ParseExpr(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := sexpr(e); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestKeywordCase(t *testing.T) {
	want := "SELECT DISTINCT a FROM t WHERE x IS NOT NULL AND caption MATCHES IMAGENET USING PAPER ORDER BY a DESC NULLS LAST LIMIT 3 PER synset"
	for _, in := range []string{
		"select distinct a from t where x is not null and caption matches imagenet using paper order by a desc nulls last limit 3 per synset",
		"SeLeCt DiStInCt a FrOm t WhErE x Is NoT nUlL aNd caption MaTcHeS ImAgEnEt UsInG pApEr OrDeR bY a DeSc NuLlS lAsT lImIt 3 PeR synset",
		want,
	} {
		st, err := ParseStatement("", in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := st.String(); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
	// Names keep their spelling.
	st, err := ParseStatement("", "SELECT Caption FROM LAION")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.String(); got != "SELECT Caption FROM LAION" {
		t.Errorf("got %s", got)
	}
}

func TestCommentsAndStrings(t *testing.T) {
	src := `-- a line comment
SELECT /* a block
   comment; with a semicolon */ 'it''s -- not a comment', "a;b" -- trailing ; too
FROM t; /* last */`
	stmts, err := ParseScript("c.lq", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 1 {
		t.Fatalf("got %d statements, want 1", len(stmts))
	}
	want := `SELECT 'it''s -- not a comment', "a;b" FROM t`
	if got := stmts[0].String(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	lit := stmts[0].(*SelectStmt).Query.Items[0].Expr.(*StringLit)
	if lit.Value != "it's -- not a comment" {
		t.Errorf("string value %q", lit.Value)
	}
	// Strings may span lines.
	st, err := ParseStatement("", "SELECT 'two\nlines'")
	if err != nil {
		t.Fatal(err)
	}
	if v := st.(*SelectStmt).Query.Items[0].Expr.(*StringLit).Value; v != "two\nlines" {
		t.Errorf("got %q", v)
	}
}

func TestPositions(t *testing.T) {
	src := "-- lead\nSELECT a,\n\tcount(*) AS n\nFROM laion l WHERE 'é' = x AND y >= 1;"
	st, err := ParseStatement("p.lq", src)
	if err != nil {
		t.Fatal(err)
	}
	q := st.(*SelectStmt).Query
	where := q.Where.(*Binary)
	eq := where.X.(*Binary)
	ge := where.Y.(*Binary)
	for _, tt := range []struct {
		what string
		got  Pos
		want Pos
	}{
		{"statement", st.Pos(), Pos{2, 1, 8}},
		{"select", q.Pos(), Pos{2, 1, 8}},
		{"item a", q.Items[0].Pos(), Pos{2, 8, 15}},
		{"count", q.Items[1].Expr.Pos(), Pos{3, 2, 19}},
		{"alias n", q.Items[1].Alias.Pos(), Pos{3, 14, 31}},
		{"from", q.From.Pos(), Pos{4, 6, 38}},
		{"alias l", q.From.(*TableSource).Alias.Pos(), Pos{4, 12, 44}},
		{"AND", where.OpPos, Pos{4, 28, 61}},
		{"'é' = x", eq.Pos(), Pos{4, 20, 52}},
		{"=", eq.OpPos, Pos{4, 24, 57}},
		{"x (after é, a 2-byte rune)", eq.Y.Pos(), Pos{4, 26, 59}},
		{">=", ge.OpPos, Pos{4, 34, 67}},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.what, tt.got, tt.want)
		}
	}
	sp := st.Span()
	if sp.Start != (Pos{2, 1, 8}) || sp.End != (Pos{4, 38, 71}) || sp.Text != src[8:71] {
		t.Errorf("span %+v", sp)
	}
}

func TestSpans(t *testing.T) {
	src := "SHOW TABLES;  DESCRIBE laion ;\n\n-- two\nEXPLAIN\n  SELECT 1;\nSELECT 2 -- no semicolon\n"
	stmts, err := ParseScript("s.lq", src)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		start, end Pos
		text       string
	}{
		{Pos{1, 1, 0}, Pos{1, 12, 11}, "SHOW TABLES"},
		{Pos{1, 15, 14}, Pos{1, 29, 28}, "DESCRIBE laion"},
		{Pos{4, 1, 39}, Pos{5, 11, 57}, "EXPLAIN\n  SELECT 1"},
		{Pos{6, 1, 59}, Pos{6, 9, 67}, "SELECT 2"},
	}
	if len(stmts) != len(want) {
		t.Fatalf("got %d statements", len(stmts))
	}
	for i, w := range want {
		sp := stmts[i].Span()
		if sp.Start != w.start || sp.End != w.end || sp.Text != w.text {
			t.Errorf("statement %d: span %+v, want %+v", i, sp, w)
		}
		if src[sp.Start.Offset:sp.End.Offset] != sp.Text {
			t.Errorf("statement %d: text is not the source slice", i)
		}
	}
	inner := stmts[2].(*Explain).Stmt.Span()
	if inner.Text != "SELECT 1" || inner.Start != (Pos{5, 3, 49}) {
		t.Errorf("explained statement span %+v", inner)
	}
}

// A statement in parentheses knows its own place and text, so errors in
// it point into it.
func TestNestedSpans(t *testing.T) {
	src := "SELECT 1;\nSELECT * FROM (SHOW\n  TABLES) AS t JOIN (EXPLAIN SELECT 'é') AS p ON TRUE"
	stmts, err := ParseScript("", src)
	if err != nil {
		t.Fatal(err)
	}
	j := stmts[1].(*SelectStmt).Query.From.(*Join)
	show := j.Left.(*StmtSource).Stmt
	if sp := show.Span(); sp.Text != "SHOW\n  TABLES" || sp.Start != (Pos{2, 16, 25}) || sp.End != (Pos{3, 9, 38}) {
		t.Errorf("SHOW span %+v", sp)
	}
	ex := j.Right.(*StmtSource).Stmt.(*Explain)
	if sp := ex.Span(); sp.Text != "EXPLAIN SELECT 'é'" || sp.Start != (Pos{3, 22, 51}) {
		t.Errorf("EXPLAIN span %+v", sp)
	}
	if sp := ex.Stmt.Span(); sp.Text != "SELECT 'é'" || sp.Start != (Pos{3, 30, 59}) || sp.End != (Pos{3, 40, 70}) {
		t.Errorf("explained statement span %+v", sp)
	}
	for _, sp := range []Span{show.Span(), ex.Span(), ex.Stmt.Span()} {
		if src[sp.Start.Offset:sp.End.Offset] != sp.Text {
			t.Errorf("span text %q is not the source slice", sp.Text)
		}
	}
}

func TestSplitAndComplete(t *testing.T) {
	for _, tt := range []struct {
		src      string
		complete bool
	}{
		{"", false},
		{"SELECT 1", false},
		{"SELECT 1;", true},
		{"SELECT 1\n;", true},
		{";", true},
		{"SELECT ';'", false},
		{"SELECT ';", false},
		{`SELECT ";"`, false},
		{"SELECT 1 -- ;", false},
		{"SELECT 1 /* ; */", false},
		{"SELECT 1 /* ; ", false},
		{"SELECT 1; SELECT", true},
		{"SELECT # ;", true},
	} {
		if got := Complete(tt.src); got != tt.complete {
			t.Errorf("Complete(%q) = %v", tt.src, got)
		}
	}

	src := "SELECT 1;\n;; -- nothing\nSELECT 'a;b'\n  FROM t;\nSELECT 'open"
	chunks := SplitStatements(src)
	want := []struct {
		text       string
		start      Pos
		terminated bool
	}{
		{"SELECT 1", Pos{1, 1, 0}, true},
		{"SELECT 'a;b'\n  FROM t", Pos{3, 1, 24}, true},
		{"SELECT 'open", Pos{5, 1, 47}, false},
	}
	if len(chunks) != len(want) {
		t.Fatalf("got %d chunks: %+v", len(chunks), chunks)
	}
	for i, w := range want {
		c := chunks[i]
		if c.Text != w.text || c.Start != w.start || c.Terminated != w.terminated {
			t.Errorf("chunk %d: %q %+v %v, want %q %+v %v", i, c.Text, c.Start, c.Terminated, w.text, w.start, w.terminated)
		}
	}
	st, err := ParseChunk("x.lq", chunks[1])
	if err != nil || st.String() != "SELECT 'a;b' FROM t" || st.Span().Start.Line != 3 {
		t.Errorf("chunk 1: %v %v", st, err)
	}
	_, err = ParseChunk("x.lq", chunks[2])
	if err == nil || !strings.HasPrefix(err.Error(), "x.lq:5:8: syntax error: unterminated string") {
		t.Errorf("chunk 2: %v", err)
	}
	// A Chunk made by hand is parsed on its own.
	st, err = ParseChunk("", Chunk{Text: "show sets"})
	if err != nil || st.String() != "SHOW SETS" {
		t.Errorf("hand-made chunk: %v %v", st, err)
	}
}

func TestWalk(t *testing.T) {
	st, err := ParseStatement("", "SELECT a, count(*) FROM (SELECT a FROM t WHERE b IN (1, 2)) AS s WHERE a > 1 GROUP BY a ORDER BY 2 DESC LIMIT 5 PER a")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	Inspect(st, func(n Node) bool {
		switch n.(type) {
		case *Select:
			kinds = append(kinds, "select")
		case *ColumnRef:
			kinds = append(kinds, n.String())
		case *IntLit:
			kinds = append(kinds, n.String())
		case *Call:
			kinds = append(kinds, "call")
		}
		return true
	})
	want := "select a call select a b 1 2 a 1 a 2 5 a"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("walk order\n got %s\nwant %s", got, want)
	}
	// Returning false skips children: only the outer query's columns.
	var cols []string
	Inspect(st.(*SelectStmt).Query, func(n Node) bool {
		if c, ok := n.(*ColumnRef); ok {
			cols = append(cols, c.Column.Name)
		}
		_, sub := n.(*SubquerySource)
		return !sub
	})
	if got := strings.Join(cols, " "); got != "a a a a" {
		t.Errorf("outer columns: %s", got)
	}
}

func TestParseStatementCount(t *testing.T) {
	if _, err := ParseStatement("", "SELECT 1; SELECT 2"); err == nil ||
		err.(*SyntaxError).Summary() != "1:11: syntax error: unexpected SELECT, expected end of input (one statement only)" {
		t.Errorf("two statements: %v", err)
	}
	if _, err := ParseStatement("", "  -- nothing\n"); err == nil ||
		err.(*SyntaxError).Summary() != "2:1: syntax error: unexpected end of input, expected statement" {
		t.Errorf("no statement: %v", err)
	}
	if stmts, err := ParseScript("", "  ;; -- nothing\n"); err != nil || len(stmts) != 0 {
		t.Errorf("empty script: %v %v", stmts, err)
	}
}

func TestKeywords(t *testing.T) {
	kw := strings.Join(Keywords(), " ")
	for _, w := range []string{"SELECT", "MATCHES", "IMAGENET", "NEAREST", "INTRACLASS", "PAIRS", "HISTOGRAM", "LAIONET"} {
		if !strings.Contains(" "+kw+" ", " "+w+" ") {
			t.Errorf("Keywords lacks %s", w)
		}
	}
	if !IsReserved("select") || IsReserved("synset") || IsReserved("min") {
		t.Errorf("IsReserved is wrong")
	}
}

// Parsing is safe from many goroutines at once (the shell and a running
// script may parse while the planner does); run with -race.
func TestConcurrentParse(t *testing.T) {
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < 20; j++ {
				if _, err := ParseScript("c.lq", benchScript); err != nil {
					done <- err
					return
				}
				if _, err := ParseScript("c.lq", "SELECT count( FROM t"); err == nil {
					done <- errors.New("bad statement parsed")
					return
				}
			}
			done <- nil
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestOneLine(t *testing.T) {
	for _, c := range []struct {
		src, want string
		ok        bool
	}{
		{"SELECT id,\n       caption -- the text\n  FROM laion\n WHERE id < 3;", "SELECT id, caption FROM laion WHERE id < 3;", true},
		{"SELECT  1 /* one */ +\r\n2 ;  SELECT\n'a -- not a comment'", "SELECT  1 + 2 ;  SELECT 'a -- not a comment'", true},
		{"SELECT #\n  1;", "SELECT # 1;", true},
		{"SELECT 'two\nlines';", "", false},
		{"SELECT 'open\n", "", false},
	} {
		got, ok := OneLine(c.src)
		if got != c.want || ok != c.ok {
			t.Errorf("OneLine(%q) = %q, %v; want %q, %v", c.src, got, ok, c.want, c.ok)
		}
	}
}
