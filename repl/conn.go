package repl

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// Database is an open database and a session on it, as an Opener gives
// it.
type Database struct {
	Session *query.Session
	Dir     string // as the user named it
	// ReadOnly says the database is open read-only (with the shared
	// lock that readers hold together).
	ReadOnly bool
	// Missing says nothing was at Dir: Session runs on an empty stand-in,
	// and Conn opens Dir again, creating it, before the first statement
	// that writes.
	Missing bool
	// Close closes the database (and removes a stand-in); nil if there is
	// nothing to close.
	Close func() error
}

// OpenMode says how an Opener opens a database.
type OpenMode struct {
	// ReadOnly opens with the shared lock: other readers may have the
	// database open at the same time, no writer.
	ReadOnly bool
	// Create creates a directory that does not exist; without it the
	// Database is Missing (and a read-only open of a missing directory is
	// an error).
	Create bool
	// BusyTimeout is how long to wait while another process holds the
	// database (the engine's Options.BusyTimeout).
	BusyTimeout time.Duration
	// Session, when not nil, is moved onto the database opened
	// (query.Session.UseDB) instead of a new session being started: the
	// same database opened in another mode keeps its session.
	Session *query.Session
}

// An Opener opens the database in dir as m says and gives it a session.
// Waiting for a lock ends when ctx is done.
type Opener func(ctx context.Context, dir string, m OpenMode) (*Database, error)

// Conn is the database statements run against: the shell's, and that of
// laiondb run and query.
//
// Given an Opener, it holds the database the way sqlite3 does: open
// read-only (a shared lock, so that any number of shells and queries read
// it at once) between statements, and read-write only while a statement
// that writes runs. Prepare closes the read-only database and opens it
// read-write, waiting up to BusyTimeout for other processes to let go of
// it; Release, after the statement, opens it read-only again. The
// statement runs whole on the read-write database and its writes are
// committed and the database closed before the read-only one is opened,
// so later statements see them, and the session (settings, variables,
// caches) carries over. A missing database is created only before the
// first statement that writes (so a typo in --db leaves nothing behind),
// and .open opens another.
type Conn struct {
	DB *Database
	// Open opens databases; nil means DB is used as it is: it cannot be
	// created, replaced or opened again in another mode.
	Open Opener
	// ReadOnly is the user's --read-only: statements that write fail
	// (with query.ErrReadOnly) instead of opening it read-write.
	ReadOnly bool
	// BusyTimeout is how long opening waits while another process holds
	// the database: a writer (for anyone), readers (for a statement that
	// writes).
	BusyTimeout time.Duration

	// closed says DB's database was closed and could not be opened again
	// (another process took it meanwhile): its Session keeps the
	// settings and variables, and the next statement opens it.
	closed bool
}

// Connect opens the database in dir for statements: read-only until a
// statement writes, or read-only for good when readOnly is set (then a
// missing directory is an error). A missing directory is not created: the
// session runs on a stand-in until the first statement that writes.
func Connect(ctx context.Context, open Opener, dir string, readOnly bool, busyTimeout time.Duration) (*Conn, error) {
	c := &Conn{Open: open, BusyTimeout: busyTimeout}
	db, err := c.openNew(ctx, dir, readOnly)
	if err != nil {
		return nil, err
	}
	c.DB, c.ReadOnly = db, readOnly
	return c, nil
}

// openNew opens dir read-only with a new session; a missing directory is
// a stand-in, or an error when readOnly is the user's --read-only.
func (c *Conn) openNew(ctx context.Context, dir string, readOnly bool) (*Database, error) {
	db, err := c.Open(ctx, dir, OpenMode{ReadOnly: true, BusyTimeout: c.BusyTimeout})
	if err != nil {
		return nil, err
	}
	if db.Missing && readOnly {
		if db.Close != nil {
			db.Close()
		}
		return nil, fmt.Errorf("%s: no database there (create one with laiondb ingest)", dir)
	}
	return db, nil
}

// Session is the session statements run in now. Run statements in the
// session Prepare returns: between statements this one may be on a
// database that is closed.
func (c *Conn) Session() *query.Session { return c.DB.Session }

// Prepare returns the session stmt runs in, on a database opened as stmt
// needs: read-write for a statement that writes (created if it was
// missing), waiting up to BusyTimeout for other processes to close it,
// else as it is. Release must follow, once the statement's rows are
// closed, whatever happened.
func (c *Conn) Prepare(ctx context.Context, stmt ast.Stmt) (*query.Session, error) {
	writes := query.Writes(stmt)
	if c.Open == nil {
		if c.DB.Missing && writes {
			return nil, fmt.Errorf("there is no database at %s", c.DB.Dir)
		}
		return c.DB.Session, nil
	}
	switch {
	case writes && !c.ReadOnly && (c.DB.ReadOnly || c.DB.Missing || c.closed):
		if err := c.reopen(ctx, false); err != nil {
			return nil, err
		}
	case c.closed:
		if err := c.reopen(ctx, true); err != nil {
			return nil, err
		}
	}
	return c.DB.Session, nil
}

// Writable reports whether the database is open read-write now (from a
// Prepare for a statement that writes until Release).
func (c *Conn) Writable() bool { return !c.closed && !c.DB.ReadOnly && !c.DB.Missing }

// Release ends a statement: a database opened read-write for it is closed
// (its writes are committed) and opened read-only again, so that other
// processes can read it while the connection sits idle. When that open
// fails (another process took the database meanwhile) the error says so,
// and the next statement opens it again.
func (c *Conn) Release(ctx context.Context) error {
	if c.Open == nil || !c.Writable() {
		return nil
	}
	if err := c.reopen(ctx, true); err != nil {
		return fmt.Errorf("%w; the next statement opens it again", err)
	}
	return nil
}

// reopen opens the database again, read-only or read-write, and moves the
// session onto it. The database open now is closed first: its lock would
// keep the new open out. When a read-write open fails the database is
// opened read-only again, so that the connection stays usable.
func (c *Conn) reopen(ctx context.Context, readOnly bool) error {
	old := c.DB
	if !old.Missing && !c.closed {
		c.closed = true
		if err := c.close(); err != nil {
			return err
		}
	}
	db, err := c.Open(ctx, old.Dir, OpenMode{ReadOnly: readOnly, Create: !readOnly, BusyTimeout: c.BusyTimeout, Session: old.Session})
	if err != nil {
		if !readOnly && c.closed {
			c.reattach(ctx)
		}
		return err
	}
	c.DB, c.closed = db, false
	if old.Missing && old.Close != nil {
		return old.Close() // the stand-in
	}
	return nil
}

// reattach opens the closed database read-only again, when it can.
func (c *Conn) reattach(ctx context.Context) {
	db, err := c.Open(ctx, c.DB.Dir, OpenMode{ReadOnly: true, BusyTimeout: c.BusyTimeout, Session: c.DB.Session})
	if err == nil {
		c.DB, c.closed = db, false
	}
}

// Reopen closes the database and opens the one in dir (.open), read-only
// for good if readOnly. The session's parameters and settings carry over.
func (c *Conn) Reopen(ctx context.Context, dir string, readOnly bool) error {
	if c.Open == nil {
		return errors.New("this shell cannot open another database")
	}
	old := c.DB
	if sameDir(dir, old.Dir) && !old.Missing && !c.closed {
		// The directory is locked by this very process: let it go first.
		c.closed = true
		if err := c.close(); err != nil {
			return err
		}
	}
	db, err := c.openNew(ctx, dir, readOnly)
	if err != nil {
		if c.closed {
			c.reattach(ctx)
		}
		return err
	}
	carryOver(old.Session, db.Session)
	var cerr error
	if !c.closed {
		cerr = c.close()
	}
	c.DB, c.ReadOnly, c.closed = db, readOnly, false
	return cerr
}

// Close closes the database. Embeddings that statements computed on the
// read-only database and kept (query.Options.DeferStores) are stored
// first if the database can be opened read-write without waiting; the
// error says when they could not be.
func (c *Conn) Close() error {
	var err error
	if n := c.DB.Session.Unstored(); n > 0 && c.Open != nil && !c.DB.Missing {
		if c.ReadOnly {
			err = fmt.Errorf("%s: %w", c.DB.Dir, query.ErrReadOnly)
		} else if !c.Writable() {
			busy := c.BusyTimeout
			c.BusyTimeout = 0
			err = c.reopen(context.Background(), false)
			c.BusyTimeout = busy
		}
		if err != nil {
			texts := "texts"
			if n == 1 {
				texts = "text"
			}
			err = fmt.Errorf("the embeddings of %d %s computed in this session were not stored: %w", n, texts, err)
		}
	}
	if c.closed {
		return err
	}
	return errors.Join(err, c.close())
}

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
