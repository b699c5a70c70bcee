package ast

import (
	"fmt"
	"math"
	"reflect"
	"strings"
)

var (
	posType  = reflect.TypeOf(Pos{})
	spanType = reflect.TypeOf(Span{})
)

// sameTree reports whether a and b are equal trees, ignoring positions
// and spans; if not, it says where they differ.
func sameTree(a, b any) (bool, string) {
	return same(reflect.ValueOf(a), reflect.ValueOf(b), "")
}

func same(a, b reflect.Value, path string) (bool, string) {
	if a.IsValid() != b.IsValid() {
		return false, path + ": one side missing"
	}
	if !a.IsValid() {
		return true, ""
	}
	if a.Type() != b.Type() {
		return false, fmt.Sprintf("%s: %s vs %s", path, a.Type(), b.Type())
	}
	if a.Type() == posType || a.Type() == spanType {
		return true, ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return false, path + ": nil vs non-nil"
			}
			return true, ""
		}
		return same(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if ok, why := same(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); !ok {
				return false, why
			}
		}
		return true, ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false, fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if ok, why := same(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); !ok {
				return false, why
			}
		}
		return true, ""
	case reflect.String:
		if a.String() != b.String() {
			return false, fmt.Sprintf("%s: %q vs %q", path, a.String(), b.String())
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return false, fmt.Sprintf("%s: %v vs %v", path, a.Bool(), b.Bool())
		}
	case reflect.Int, reflect.Int64:
		if a.Int() != b.Int() {
			return false, fmt.Sprintf("%s: %d vs %d", path, a.Int(), b.Int())
		}
	case reflect.Float64:
		x, y := a.Float(), b.Float()
		if x != y && !(math.IsNaN(x) && math.IsNaN(y)) || math.Signbit(x) != math.Signbit(y) {
			return false, fmt.Sprintf("%s: %v vs %v", path, x, y)
		}
	default:
		return false, fmt.Sprintf("%s: unexpected kind %s", path, a.Kind())
	}
	return true, ""
}

// sexpr prints an expression with every operator application in
// parentheses, to show how it was grouped.
func sexpr(e Expr) string {
	switch x := e.(type) {
	case *Binary:
		return "(" + sexpr(x.X) + " " + x.Op.String() + " " + sexpr(x.Y) + ")"
	case *Unary:
		if x.Op == OpNot {
			return "(NOT " + sexpr(x.X) + ")"
		}
		return "(-" + sexpr(x.X) + ")"
	case *Between:
		return "(" + sexpr(x.X) + not(x.Not) + "BETWEEN " + sexpr(x.Low) + " AND " + sexpr(x.High) + ")"
	case *IsNull:
		return "(" + sexpr(x.X) + " IS" + strings.TrimSuffix(not(x.Not), " ") + " NULL)"
	case *In:
		var parts []string
		for _, v := range x.List {
			parts = append(parts, sexpr(v))
		}
		return "(" + sexpr(x.X) + not(x.Not) + "IN (" + strings.Join(parts, ", ") + "))"
	case *Like:
		return "(" + sexpr(x.X) + not(x.Not) + "LIKE " + sexpr(x.Pattern) + ")"
	case *Call:
		var parts []string
		for _, v := range x.Args {
			parts = append(parts, sexpr(v))
		}
		return x.Name.Name + "(" + strings.Join(parts, ", ") + ")"
	}
	return e.String()
}

func not(b bool) string {
	if b {
		return " NOT "
	}
	return " "
}
