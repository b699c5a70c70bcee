package ast_test

import (
	"fmt"

	"github.com/laiondb/laiondb/query/ast"
)

func ExampleParseScript() {
	src := `SHOW TABLES;
-- the paper's rule
select count(*) from laion where caption matches imagenet and nsfw <> 'UNSURE';`
	stmts, err := ast.ParseScript("study.lq", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range stmts {
		fmt.Printf("%v %T: %s\n", st.Span().Start, st, st)
	}
	// Output:
	// 1:1 *ast.Show: SHOW TABLES
	// 3:1 *ast.SelectStmt: SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET AND nsfw != 'UNSURE'
}

func ExampleSyntaxError() {
	_, err := ast.ParseScript("study.lq", "SELECT synset, count( FROM laionet;")
	fmt.Println(err)
	// Output:
	// study.lq:1:23: syntax error: unexpected FROM, expected expression, "*", DISTINCT or ")"
	// SELECT synset, count( FROM laionet;
	//                       ^
}

func ExampleInspect() {
	st, _ := ast.ParseStatement("", "SELECT synset, intraclass(img) FROM laionet GROUP BY synset HAVING count(*) > 1")
	ast.Inspect(st, func(n ast.Node) bool {
		if c, ok := n.(*ast.Call); ok {
			fmt.Println(c.Name.Name, "at", c.Pos())
		}
		return true
	})
	// Output:
	// intraclass at 1:16
	// count at 1:68
}

func ExampleSplitStatements() {
	// What a shell does with the lines typed so far.
	buf := "SELECT 1;\nSELECT name(\n  'n01443537'"
	fmt.Println(ast.Complete(buf))
	for _, c := range ast.SplitStatements(buf) {
		fmt.Printf("line %d terminated=%v %q\n", c.Start.Line, c.Terminated, c.Text)
	}
	// Output:
	// true
	// line 1 terminated=true "SELECT 1"
	// line 2 terminated=false "SELECT name(\n  'n01443537'"
}
