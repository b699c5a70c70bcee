package repl

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// Database is an open database and a session on it, as an Opener gives
// it.
type Database struct {
	Session  *query.Session
	Dir      string // as the user named it
	ReadOnly bool
	// Missing says nothing was at Dir: Session runs on an empty stand-in,
	// and Conn opens Dir again, creating it, before the first statement
	// that writes.
	Missing bool
	// Close closes the database (and removes a stand-in); nil if there is
	// nothing to close.
	Close func() error
}

// An Opener opens the database in dir, read-only or not, and starts a
// session on it. A directory that does not exist is created only when
// create is set; otherwise the Database is Missing. A read-only open of
// a missing directory is an error.
type Opener func(dir string, readOnly, create bool) (*Database, error)

// Conn is the database statements run against: the shell's, and that of
// laiondb run and query. It opens the database again when it must: when
// the directory was missing and a statement is about to write (so a typo
// in --db does not leave an empty database behind), and for .open.
type Conn struct {
	DB *Database
	// Open opens databases; nil means DB cannot be created or replaced.
	Open Opener
}

// Session is the session statements run in now.
func (c *Conn) Session() *query.Session { return c.DB.Session }

// Prepare returns the session stmt runs in: when the database is missing
// and stmt writes, the directory is created and opened first.
func (c *Conn) Prepare(stmt ast.Stmt) (*query.Session, error) {
	if !c.DB.Missing || !query.Writes(stmt) {
		return c.DB.Session, nil
	}
	if c.Open == nil {
		return nil, fmt.Errorf("there is no database at %s", c.DB.Dir)
	}
	if err := c.switchTo(c.DB.Dir, c.DB.ReadOnly, true); err != nil {
		return nil, err
	}
	return c.DB.Session, nil
}

// Reopen closes the database and opens the one in dir (.open). The
// session's parameters and settings carry over.
func (c *Conn) Reopen(dir string, readOnly bool) error {
	if c.Open == nil {
		return errors.New("this shell cannot open another database")
	}
	return c.switchTo(dir, readOnly, false)
}

func (c *Conn) switchTo(dir string, readOnly, create bool) error {
	old := c.DB
	if sameDir(dir, old.Dir) && !old.Missing {
		// The directory is locked by this very process: let it go first.
		if err := c.close(); err != nil {
			return err
		}
		db, err := c.Open(dir, readOnly, create)
		if err != nil {
			if again, err2 := c.Open(old.Dir, old.ReadOnly, false); err2 == nil {
				carryOver(old.Session, again.Session)
				c.DB = again
			}
			return err
		}
		carryOver(old.Session, db.Session)
		c.DB = db
		return nil
	}
	db, err := c.Open(dir, readOnly, create)
	if err != nil {
		return err
	}
	carryOver(old.Session, db.Session)
	c.DB = db
	if old.Close != nil {
		return old.Close()
	}
	return nil
}

// Close closes the database.
func (c *Conn) Close() error { return c.close() }

func (c *Conn) close() error {
	if c.DB == nil || c.DB.Close == nil {
		return nil
	}
	f := c.DB.Close
	c.DB.Close = nil
	return f()
}

func sameDir(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// carryOver gives session to the parameters of from and the settings it
// changed, so that opening another database (or creating a missing one)
// keeps what the user set.
func carryOver(from, to *query.Session) {
	if from == nil || to == nil {
		return
	}
	for _, v := range from.Vars() {
		to.SetVar(v.Name, v.Value)
	}
	for _, s := range from.Settings() {
		if s.Value.T == s.Default.T && s.Value.String() == s.Default.String() {
			continue
		}
		var lit ast.Expr
		switch v := s.Value; v.T {
		case query.TypeBool:
			lit = &ast.BoolLit{Value: v.I != 0}
		case query.TypeInt:
			lit = &ast.IntLit{Value: v.I}
		case query.TypeFloat:
			lit = &ast.FloatLit{Value: v.F}
		case query.TypeString:
			lit = &ast.StringLit{Value: v.S}
		default:
			continue
		}
		if res, err := to.Exec(context.Background(), &ast.Set{Name: ast.Ident{Name: s.Name}, Value: lit}); err == nil && res.Rows != nil {
			res.Rows.Close()
		}
	}
}
