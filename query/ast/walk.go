package ast

// Visitor is called by Walk for each node. If Visit returns a non-nil w,
// Walk visits each child of n with w, then calls w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses the tree below n depth-first, children in source order.
// It visits statements, queries, WITH queries, UNION arms, select items,
// sources (joins and statements in parentheses too), ORDER BY keys,
// LIMIT clauses, CASE arms, index options and expressions; names (Ident)
// are fields, not nodes, and are not visited. A subquery's Select is
// visited like any other node, so a visitor that must stay within one
// query level should stop at *Select (returning nil for it).
func Walk(v Visitor, n Node) {
	if n == nil || isNilNode(n) {
		return
	}
	if v = v.Visit(n); v == nil {
		return
	}
	switch x := n.(type) {
	case *ColumnRef, *IntLit, *FloatLit, *StringLit, *BoolLit, *NullLit, *Var:
	case *VectorLit:
		walkExprs(v, x.Elems)
	case *Unary:
		Walk(v, x.X)
	case *Binary:
		Walk(v, x.X)
		Walk(v, x.Y)
	case *In:
		Walk(v, x.X)
		walkExprs(v, x.List)
		walkQuery(v, x.Query)
	case *Between:
		Walk(v, x.X)
		Walk(v, x.Low)
		Walk(v, x.High)
	case *IsNull:
		Walk(v, x.X)
	case *Like:
		Walk(v, x.X)
		Walk(v, x.Pattern)
	case *Matches:
		Walk(v, x.X)
		walkExpr(v, x.Synset)
	case *Contains:
		Walk(v, x.X)
		Walk(v, x.Phrase)
	case *Call:
		walkExprs(v, x.Args)
	case *Subquery:
		walkQuery(v, x.Query)
	case *Exists:
		walkQuery(v, x.Query)
	case *Case:
		walkExpr(v, x.Operand)
		for _, w := range x.Whens {
			Walk(v, w)
		}
		walkExpr(v, x.Else)
	case *When:
		Walk(v, x.Cond)
		Walk(v, x.Result)

	case *Select:
		for _, w := range x.With {
			Walk(v, w)
		}
		for _, it := range x.Items {
			Walk(v, it)
		}
		walkSource(v, x.From)
		walkExpr(v, x.Where)
		if x.Sample != nil {
			Walk(v, x.Sample)
		}
		walkExprs(v, x.GroupBy)
		walkExpr(v, x.Having)
		for _, u := range x.Unions {
			Walk(v, u)
		}
		for _, o := range x.OrderBy {
			Walk(v, o)
		}
		if x.Limit != nil {
			Walk(v, x.Limit)
		}
	case *SelectItem:
		walkExpr(v, x.Expr)
	case *TableSource:
	case *SubquerySource:
		walkQuery(v, x.Query)
	case *StmtSource:
		walkStmt(v, x.Stmt)
	case *Join:
		walkSource(v, x.Left)
		walkSource(v, x.Right)
		walkExpr(v, x.On)
	case *WithQuery:
		walkQuery(v, x.Query)
		walkStmt(v, x.Stmt)
	case *Union:
		walkQuery(v, x.Query)
	case *OrderItem:
		Walk(v, x.Expr)
	case *Limit:
		Walk(v, x.Count)
		walkExpr(v, x.Per)
		walkExpr(v, x.Offset)
	case *IndexOption:
		Walk(v, x.Value)
	case *Sample:
		Walk(v, x.Size)
		walkExpr(v, x.Per)
		walkExpr(v, x.Seed)

	case *SelectStmt:
		walkQuery(v, x.Query)
	case *CreateSet:
		walkQuery(v, x.Query)
	case *DropSet, *DropIndex, *Describe, *RefreshSet, *Vacuum, *Reindex:
	case *CreateIndex:
		for _, o := range x.Options {
			Walk(v, o)
		}
	case *Show:
		walkExpr(v, x.Like)
	case *ShowSynset:
		Walk(v, x.Synset)
	case *Ingest:
		walkExprs(v, x.Paths)
		walkExpr(v, x.Shard)
	case *Explain:
		Walk(v, x.Stmt)
	case *Assert:
		Walk(v, x.Cond)
		walkExpr(v, x.Message)
	case *Set:
		Walk(v, x.Value)
	case *Nearest:
		Walk(v, x.K)
		Walk(v, x.Target)
		walkExpr(v, x.Where)
	case *ImportEmbeddings:
		Walk(v, x.Texts)
		Walk(v, x.Vectors)
		walkExpr(v, x.Model)
	case *CompareIntraclass:
		walkSource(v, x.A)
		walkSource(v, x.B)
		Walk(v, x.By)
		walkExpr(v, x.MinPairs)
		walkExpr(v, x.Resamples)
		walkExpr(v, x.Seed)
	case *Export:
		walkQuery(v, x.Query)
		walkStmt(v, x.Stmt)
		Walk(v, x.To)
	case *Plot:
		for _, q := range x.Queries {
			Walk(v, q)
		}
		Walk(v, x.To)
		walkExpr(v, x.Title)
		walkExpr(v, x.Bins)
		walkExpr(v, x.RangeLo)
		walkExpr(v, x.RangeHi)
		walkExpr(v, x.XLabel)
		walkExpr(v, x.YLabel)

	case *ImportClassifier:
		Walk(v, x.Weights)
		walkExpr(v, x.Classes)
		walkExpr(v, x.Model)
	case *ImportPredictions:
		Walk(v, x.File)
	case *CreateClassifier:
		walkQuery(v, x.Query)
	case *DropClassifier, *ShowClassifiers:
	case *Evaluate:
		walkSource(v, x.Source)
		walkExpr(v, x.Label)
	}
	v.Visit(nil)
}

// isNilNode catches typed nil pointers stored in an interface.
func isNilNode(n Node) bool {
	switch x := n.(type) {
	case *Select:
		return x == nil
	case *Limit:
		return x == nil
	case *Sample:
		return x == nil
	}
	return false
}

func walkExpr(v Visitor, e Expr) {
	if e != nil {
		Walk(v, e)
	}
}

func walkExprs(v Visitor, list []Expr) {
	for _, e := range list {
		Walk(v, e)
	}
}

func walkQuery(v Visitor, q *Select) {
	if q != nil {
		Walk(v, q)
	}
}

func walkStmt(v Visitor, s Stmt) {
	if s != nil {
		Walk(v, s)
	}
}

func walkSource(v Visitor, s Source) {
	if s != nil {
		Walk(v, s)
	}
}

type inspector func(Node) bool

func (f inspector) Visit(n Node) Visitor {
	if n != nil && f(n) {
		return f
	}
	return nil
}

// Inspect walks the tree below n, calling f for each node; when f returns
// false, the node's children are skipped.
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}
