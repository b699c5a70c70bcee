package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/laiondb/laiondb/engine/gen"
)

// The shell in a real terminal (tmux), typed into as a person would, at
// 60 and at 200 columns: one test per part of issue 14. Each runs the
// shell on a fresh copy of the 2,000-row test database, in a directory
// that also holds shard/ (300 generated rows) for .import.

// laiondbBinary is the laiondb command: testscript.Main has put this test
// binary on PATH under that name, and run as laiondb it is laiondb.
func laiondbBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("laiondb")
	if err != nil {
		t.Fatalf("laiondb is not on PATH (testscript.Main puts it there): %v", err)
	}
	return bin
}

// widths are the terminal widths every terminal test runs at.
var widths = []int{60, 200}

// termShell starts `laiondb shell ARGS` in a terminal width columns wide,
// in a directory holding db (the test database) and shard (300 rows); HOME
// is that directory, so the history file is dir/.laiondb_history.
func termShell(t *testing.T, width int, args string) (tm *tmux, dir string) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the terminal tests of the shell need it (apt-get install tmux)")
	}
	if testing.Short() {
		t.Skip("drives the shell in tmux; skipped with -short")
	}
	dir = t.TempDir()
	ingestTestShard(t, filepath.Join(dir, "db"))
	if _, err := gen.Generate(filepath.Join(dir, "shard"), gen.Config{Rows: 300, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	cmd := fmt.Sprintf("env HOME=%s LAIONDB_HISTORY= %s shell %s", shellQuote(dir), shellQuote(laiondbBinary(t)), args)
	tm = newTmux(t, dir, width, cmd)
	tm.waitFor("the prompt", func(s string) bool { return lastLine(s) == "laiondb>" })
	return tm, dir
}

// enter types a line and waits for the shell to answer with a prompt
// after the text done (or for the prompt when done is "").
func (tm *tmux) enter(line, done string) string {
	tm.t.Helper()
	before := strings.Count(tm.screen(), "\nlaiondb>")
	tm.typeLine(line)
	return tm.waitFor(fmt.Sprintf("the answer to %q", line), func(s string) bool {
		return strings.Count(s, "\nlaiondb>") > before && lastLine(s) == "laiondb>" && strings.Contains(s, done)
	})
}

// after is the screen after the last line that holds mark.
func after(screen, mark string) string {
	i := strings.LastIndex(screen, mark)
	if i < 0 {
		return ""
	}
	return screen[i+len(mark):]
}

// noWrap checks that no line of the screen is wider than the terminal:
// capture-pane -J joins wrapped lines, so a wrapped line is a wide one.
func noWrap(t *testing.T, screen string, width int) {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if w := len([]rune(line)); w > width {
			t.Errorf("a line of %d columns in a %d-column terminal: %s", w, width, line)
		}
	}
}

// Item 1: parameters set with --var and .param, used by statements typed
// and read; SHOW SETTINGS fits the terminal.
func TestTerminalParameters(t *testing.T) {
	for _, width := range widths {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			tm, dir := termShell(t, width, "--db db --var min=1000")
			if err := os.WriteFile(filepath.Join(dir, "uses.lq"), []byte("SELECT count(*) >= $min AS enough\n  FROM laion;\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tm.enter(".param set word 'golden retriever'", "")
			want := func(s, stmt, out string) {
				t.Helper()
				if got := after(s, stmt+"\n"); !strings.HasPrefix(got, out) {
					t.Errorf("after %s:\n%s\nwant it to start with:\n%s", stmt, got, out)
				}
			}
			want(tm.enter(".param list", "$word"), ".param list", "$min = 1000\n$word = 'golden retriever'\n")
			want(tm.enter("SELECT $word AS w, $min AS m;", "1 row"), "SELECT $word AS w, $min AS m;",
				"w                |    m\n-----------------+-----\ngolden retriever | 1000\n1 row (")
			want(tm.enter(".read uses.lq", "1 row"), ".read uses.lq", "enough\n------\ntrue\n1 row (")

			tm.enter("SET ef_search = 100;", "")
			s := tm.enter("SHOW SETTINGS;", "8 rows")
			shown := after(s, "SHOW SETTINGS;\n")
			noWrap(t, shown, width)
			if !regexp.MustCompile(`(?m)^ef_search +\| 100 +\| 64 +\| HNSW`).MatchString(shown) {
				t.Errorf("SHOW SETTINGS lacks ef_search, its value and default:\n%s", shown)
			}
			if full := strings.Contains(shown, "HNSW search breadth: higher is more accurate and slower"); full != (width == 200) {
				t.Errorf("at %d columns the meaning is shown in full: %v:\n%s", width, full, shown)
			}

			tm.enter(".param unset word", "")
			s = tm.enter("SELECT $word;", "is not set")
			if !strings.Contains(s, "variable $word is not set") {
				t.Errorf("no error for the unset parameter:\n%s", s)
			}
			tm.send("C-d")
			tm.waitExit(0)
		})
	}
}

// Item 2: sqlite3's dot commands, with sqlite3's meaning.
func TestTerminalDotCommands(t *testing.T) {
	for _, width := range widths {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			tm, dir := termShell(t, width, "--db db")
			s := tm.enter(".help", ".width")
			for _, d := range []string{".bail", ".changes", ".echo", ".exit", ".headers", ".help", ".import", ".indexes", ".mode", ".nullvalue",
				".once", ".open", ".output", ".param", ".quit", ".read", ".schema", ".shell", ".system", ".tables", ".timer", ".width"} {
				if !strings.Contains(s, "\n  "+d+" ") {
					t.Errorf(".help lacks %s", d)
				}
			}
			want := func(s, stmt, out string) {
				t.Helper()
				if got := after(s, "laiondb> "+stmt+"\n"); !strings.HasPrefix(got, out) {
					t.Errorf("after %s:\n%s\nwant it to start with:\n%s", stmt, got, out)
				}
			}
			tm.enter(".headers off", "")
			want(tm.enter("SELECT 7 AS seven;", "1 row"), "SELECT 7 AS seven;", "7\n1 row (")
			tm.enter(".headers on", "")
			tm.enter(".mode box", "")
			tm.enter(".nullvalue ∅", "")
			want(tm.enter("SELECT NULL AS n, 1 AS one;", "1 row"), "SELECT NULL AS n, 1 AS one;",
				"┌───┬─────┐\n│ n │ one │\n├───┼─────┤\n│ ∅ │   1 │\n└───┴─────┘\n1 row (")
			tm.enter(".mode table", "")
			tm.enter(".width 3 -6", "")
			want(tm.enter("SELECT 12345 AS n, 'abcdefgh' AS s;", "1 row"), "SELECT 12345 AS n, 'abcdefgh' AS s;",
				"    n |      s\n------+-------\n12345 | abcde…\n1 row (")
			tm.enter(".width", "")
			tm.enter(".timer off", "")
			tm.enter(".changes on", "")
			tm.typeLine("CREATE SET few AS")
			tm.waitFor("the continuation prompt", func(s string) bool { return lastLine(s) == "...>" })
			s = tm.enter("SELECT * FROM laion WHERE id < 7;", "changes:")
			if got := after(s, "...> SELECT * FROM laion WHERE id < 7;\n"); !strings.HasPrefix(got, "created set few: 7 rows of laion\nchanges: 7   total_changes: 7\n") {
				t.Errorf(".changes on:\n%s", got)
			}
			tm.enter(".changes off", "")
			tm.enter(".echo on", "")
			want(tm.enter("SELECT 2 AS two;", "1 row"), "SELECT 2 AS two;", "SELECT 2 AS two;\ntwo\n---\n  2\n1 row\n")
			tm.enter(".echo off", "")
			tm.enter(".mode csv", "")
			tm.enter(".once out.csv", "")
			tm.enter("SELECT id FROM laion ORDER BY id LIMIT 2;", "2 rows")
			if b, err := os.ReadFile(filepath.Join(dir, "out.csv")); err != nil || string(b) != "id\n0\n1\n" {
				t.Errorf(".once wrote %q, %v", b, err)
			}
			want(tm.enter("SELECT 'back' AS here;", "1 row"), "SELECT 'back' AS here;", "here\nback\n1 row\n")
			want(tm.enter(".shell echo from a shell", "from a shell"), ".shell echo from a shell", "from a shell\n")
			tm.enter(".mode table", "")
			want(tm.enter(".indexes", "0 rows"), ".indexes", "index | table |")
			want(tm.enter(".import shard other", "ingested"), ".import shard other", "ingested 300 rows into other (1 shard)\n")
			want(tm.enter(".tables", "2 rows"), ".tables", "table | ")
			want(tm.enter(".open other.db", "no database"), ".open other.db", "There is no database at other.db yet")
			tm.typeLine(".exit 3")
			tm.waitExit(3)
		})
	}
}

// Item 3: tables fit the terminal without wrapping and without cutting a
// number: text is cut first, then columns are left out with a … column;
// a footer gives the rows and the time.
func TestTerminalTables(t *testing.T) {
	// The values the table must show whole, from a pipe.
	other := filepath.Join(t.TempDir(), "db")
	ingestTestShard(t, other)
	code, csv, stderr := run("query", "--db", other, "--format", "csv", "SELECT id, similarity, width, caption FROM laion ORDER BY id LIMIT 5")
	if code != 0 {
		t.Fatalf("query: %s", stderr)
	}
	for _, width := range widths {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			tm, _ := termShell(t, width, "--db db")
			tm.typeLine("SELECT id, caption, similarity,")
			s := tm.enter("  width FROM laion ORDER BY id LIMIT 5;", "5 rows (")
			shown := after(s, "LIMIT 5;\n")
			noWrap(t, shown, width)
			for _, rec := range strings.Split(strings.TrimSpace(csv), "\n")[1:] {
				f := strings.SplitN(rec, ",", 4)
				sim, _ := strconv.ParseFloat(f[1], 64)
				row := regexp.MustCompile(`(?m)^ *` + f[0] + ` \| .* \| +` + regexp.QuoteMeta(strconv.FormatFloat(sim, 'g', 6, 64)) + ` \| +` + f[2] + `$`)
				if !row.MatchString(shown) {
					t.Errorf("row %s with similarity %s and width %s not shown whole:\n%s", f[0], f[1], f[2], shown)
				}
				if caption := strings.Trim(f[3], `"`); width == 200 && !strings.Contains(shown, caption) {
					t.Errorf("at 200 columns the caption %q is cut:\n%s", caption, shown)
				}
			}
			if width == 60 && !strings.Contains(shown, "…") {
				t.Errorf("at 60 columns no caption is cut:\n%s", shown)
			}

			// Twelve columns: at 60 some are left out, a … column shows
			// where; at 200 all fit, vectors abbreviated.
			tm.typeLine("NEAREST 3 TO (SELECT img FROM laion")
			s = tm.enter("  WHERE id = 0) IN laion(img);", "3 rows")
			shown = after(s, "IN laion(img);\n")
			noWrap(t, shown, width)
			header := strings.SplitN(shown, "\n", 2)[0]
			switch width {
			case 60:
				if !regexp.MustCompile(`^ *id \| .*\| … \|.* score$`).MatchString(header) || !regexp.MustCompile(`\n3 rows, \d+ of 12 columns shown \(\d+\.\d{3} s\)\n`).MatchString(shown) {
					t.Errorf("at 60 columns, want id, …, score and a footer saying what is shown:\n%s", shown)
				}
			case 200:
				if strings.Contains(header, "…") || !strings.Contains(shown, "\n3 rows (") || !vectorShown.MatchString(shown) {
					t.Errorf("at 200 columns, want every column, vectors abbreviated:\n%s", shown)
				}
			}
			tm.send("C-d")
			tm.waitExit(0)
		})
	}
}

// vectorShown is a vector as a table shows it.
var vectorShown = regexp.MustCompile(`\[-?\d\.\d{3} -?\d\.\d{3} -?\d\.\d{3} …\] \(512\)`)

// Item 4: vectors abbreviated; Ctrl-C drops a half-typed statement; a
// statement typed over several lines is one history entry.
func TestTerminalHabits(t *testing.T) {
	for _, width := range widths {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			tm, dir := termShell(t, width, "--db db")
			s := tm.enter("SELECT img, txt FROM laion LIMIT 1;", "1 row")
			if shown := after(s, "LIMIT 1;\n"); len(vectorShown.FindAllString(shown, -1)) != 2 || regexp.MustCompile(`(-?\d\.\d{3} ){4}`).MatchString(shown) {
				t.Errorf("vectors not abbreviated:\n%s", shown)
			}

			tm.typeLine("SELECT 'dropped',")
			tm.typeKeys("  'also dropped'")
			// Wait for the echo: the key must reach the line editor, not
			// arrive between prompts (when the terminal would turn it
			// into SIGINT).
			tm.waitFor("the typed line", func(s string) bool { return lastLine(s) == "...>   'also dropped'" })
			tm.send("C-c")
			s = tm.enter("SELECT 41 + 1 AS answer;", "1 row")
			if !strings.Contains(s, "answer\n------\n    42\n1 row (") || strings.Contains(s, "dropped\n") || strings.Contains(s, "syntax error") {
				t.Errorf("Ctrl-C did not drop the half-typed statement:\n%s", s)
			}

			tm.typeLine("SELECT id, -- the row")
			tm.typeLine("  width FROM laion")
			tm.enter("  ORDER BY id LIMIT 1;", "1 row")
			tm.send("Up")
			tm.waitFor("the statement from history", func(s string) bool {
				return lastLine(s) == "laiondb> SELECT id, width FROM laion ORDER BY id LIMIT 1;"
			})
			tm.send("Enter")
			tm.waitFor("the statement run again", func(s string) bool { return strings.Count(s, "id | width\n---+------\n 0 |   256\n1 row (") == 2 })
			tm.send("C-d")
			tm.waitExit(0)
			hist, err := os.ReadFile(filepath.Join(dir, ".laiondb_history"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(hist), "\nSELECT id, width FROM laion ORDER BY id LIMIT 1;\n") || strings.Contains(string(hist), "dropped") {
				t.Errorf("history:\n%s", hist)
			}
		})
	}
}

// Item 5: a shell on a directory with no database says so when a
// statement reads a table, and creates it with the first statement that
// writes.
func TestTerminalMissingDatabase(t *testing.T) {
	for _, width := range widths {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			tm, dir := termShell(t, width, "--db typo.db")
			s := tm.screen()
			if !strings.Contains(s, "There is no database at typo.db yet: the first statement that writes (INGEST, .import) creates it.") {
				t.Errorf("the banner does not say the database is missing:\n%s", s)
			}
			s = tm.enter("SELECT count(*) FROM laion;", "laion")
			if !strings.Contains(s, "unknown table or set laion: there is no database at typo.db yet") {
				t.Errorf("a read of a missing database:\n%s", s)
			}
			s = tm.enter("SELECT 1 + 1 AS two;", "1 row")
			if !strings.Contains(s, "two\n---\n  2\n1 row (") {
				t.Errorf("a statement that reads no table:\n%s", s)
			}
			if _, err := os.Stat(filepath.Join(dir, "typo.db")); !os.IsNotExist(err) {
				t.Errorf("typo.db exists before anything was written: %v", err)
			}
			tm.enter(".import shard", "ingested 300 rows")
			s = tm.enter("SELECT count(*) AS n FROM laion;", "1 row")
			if !strings.Contains(s, "  n\n---\n300\n1 row (") {
				t.Errorf("after .import:\n%s", s)
			}
			if _, err := os.Stat(filepath.Join(dir, "typo.db", "MANIFEST")); err != nil {
				t.Errorf("the first write did not create typo.db: %v", err)
			}
			tm.send("C-d")
			tm.waitExit(0)
		})
	}
}

// tmux drives one program in a detached tmux session on a private server.
type tmux struct {
	t      *testing.T
	socket string
}

// newTmux runs command in a terminal width columns wide.
func newTmux(t *testing.T, dir string, width int, command string) *tmux {
	tm := &tmux{t: t, socket: fmt.Sprintf("laiondb-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	tm.run("-f", "/dev/null", "new-session", "-d", "-x", strconv.Itoa(width), "-y", "50", "-c", dir, command)
	tm.run("set-option", "-g", "remain-on-exit", "on")
	tm.run("set-option", "-g", "history-limit", "10000")
	return tm
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// send sends tmux key names (Enter, Tab, C-c).
func (tm *tmux) send(keys ...string) { tm.run(append([]string{"send-keys", "-t", "0"}, keys...)...) }

// typeKeys types text literally. tmux takes an argument ending in ";" as
// a command separator, so semicolons go as hex.
func (tm *tmux) typeKeys(text string) {
	for i, part := range strings.Split(text, ";") {
		if i > 0 {
			tm.run("send-keys", "-t", "0", "-H", "3b")
		}
		if part != "" {
			tm.run("send-keys", "-t", "0", "-l", part)
		}
	}
}

func (tm *tmux) typeLine(text string) {
	tm.typeKeys(text)
	tm.send("Enter")
}

// screen is the pane's text, scrollback included, wrapped lines joined,
// trailing blank lines dropped.
func (tm *tmux) screen() string {
	s := tm.run("capture-pane", "-p", "-J", "-S", "-", "-t", "0")
	return strings.TrimRight(s, "\n ") + "\n"
}

// waitFor polls the screen until ok holds. The deadline is generous: it
// only turns a hang into a failure, it does not measure speed.
func (tm *tmux) waitFor(what string, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := tm.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waiting for %s; the screen:\n%s", what, tm.dump())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dump asks the program for its goroutines (SIGQUIT) and returns the
// screen with them, to show where a hang is.
func (tm *tmux) dump() string {
	pid := strings.TrimSpace(tm.run("display-message", "-p", "-t", "0", "#{pane_pid}"))
	if p, err := strconv.Atoi(pid); err == nil && p > 0 {
		if proc, err := os.FindProcess(p); err == nil {
			proc.Signal(syscall.SIGQUIT)
			time.Sleep(time.Second)
		}
	}
	return tm.screen()
}

// waitExit waits for the program to end and checks its exit status.
// tmux reports it once it has reaped the process, which tmux 3.3 now and
// then fails to do; on Linux the zombie's exit code in /proc serves too.
func (tm *tmux) waitExit(status int) {
	tm.t.Helper()
	pid := strings.TrimSpace(tm.run("display-message", "-p", "-t", "0", "#{pane_pid}"))
	deadline := time.Now().Add(time.Minute)
	for {
		got := ""
		if out := strings.Fields(tm.run("display-message", "-p", "-t", "0", "#{pane_dead} #{pane_dead_status}")); len(out) == 2 && out[0] == "1" {
			got = out[1]
		} else if code, ok := zombieExitCode(pid); ok {
			got = strconv.Itoa(code)
		}
		if got != "" {
			if got != strconv.Itoa(status) {
				tm.t.Errorf("exit status %s, want %d; the screen:\n%s", got, status, tm.screen())
			}
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the program did not exit; the screen:\n%s", tm.dump())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// zombieExitCode reads the exit status of a process that has ended but
// not been reaped, from /proc/PID/stat (state Z, last field: the wait
// status).
func zombieExitCode(pid string) (int, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 || f[0] != "Z" {
		return 0, false
	}
	ws, err := strconv.Atoi(f[len(f)-1])
	if err != nil || ws&0x7f != 0 {
		return -1, err == nil // killed by a signal
	}
	return ws >> 8 & 0xff, true
}

// lastLine is the screen's last non-blank line, trimmed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n "), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
