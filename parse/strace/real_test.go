package strace_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/internal/detect"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// pasteGaps are decorations an excerpt's README entry names that the paste
// layer (internal/paste, not this package) does not recognise yet, with the
// reason. The test fails when one is said after all, so that the entry is
// removed.
var pasteGaps = map[string][]string{}

// realEntry is what testdata/real/README.md expects of a strace excerpt.
type realEntry struct {
	path     string
	kind     string
	paste    []string
	syscalls int // -1 when not given
	listings []string
}

func readRealStrace(t *testing.T) []realEntry {
	t.Helper()
	f, err := os.Open("../../testdata/real/README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []realEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "### "); ok {
			out = append(out, realEntry{path: strings.TrimSpace(p), syscalls: -1})
			continue
		}
		w, ok := strings.CutPrefix(line, "- want: ")
		if !ok || len(out) == 0 {
			continue
		}
		e := &out[len(out)-1]
		key, val, _ := strings.Cut(strings.TrimSpace(w), "=")
		switch {
		case key == "kind":
			e.kind = val
		case key == "paste":
			e.paste = strings.Split(val, ",")
		case key == "syscalls":
			e.syscalls, _ = strconv.Atoi(val)
		case strings.HasPrefix(w, "listing "):
			e.listings = append(e.listings, strings.TrimPrefix(w, "listing "))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(out, func(e realEntry) bool { return e.kind != "strace" })
}

// listing is one getdents listing as the README counts it: the calls on
// one descriptor of one process, up to the "= 0" that ends the directory.
type listing struct {
	pid, fd, calls, entries int
	complete                bool
}

func (l listing) matches(want string) bool {
	for _, f := range strings.Fields(want) {
		k, v, _ := strings.Cut(f, "=")
		n, _ := strconv.Atoi(v)
		ok := true
		switch k {
		case "pid":
			ok = l.pid == n
		case "fd":
			ok = l.fd == n
		case "calls":
			ok = l.calls == n
		case "entries":
			ok = l.entries == n
		case "complete":
			ok = l.complete == (v == "yes")
		}
		if !ok {
			return false
		}
	}
	return true
}

func (l listing) String() string {
	done := "no"
	if l.complete {
		done = "yes"
	}
	return fmt.Sprintf("pid=%d fd=%d calls=%d entries=%d complete=%s", l.pid, l.fd, l.calls, l.entries, done)
}

// TestRealStrace reads every strace excerpt of the real corpus as lagtrace
// does (its kind detected from the head, then the reader) and checks what
// testdata/real/README.md expects of the reader: the kind, the paste
// decorations said, the number of calls and the getdents listings.
func TestRealStrace(t *testing.T) {
	entries := readRealStrace(t)
	if len(entries) < 12 {
		t.Fatalf("%d strace excerpts in testdata/real/README.md; want 12 or more", len(entries))
	}
	for _, e := range entries {
		t.Run(filepath.Base(e.path), func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("../../testdata/real", e.path))
			if err != nil {
				t.Fatal(err)
			}
			if k := detect.Detect(text[:min(len(text), detect.HeadSize)]); k != detect.Strace {
				t.Errorf("detected as %s", k)
			}
			r := strace.NewReader(bytes.NewReader(text), strace.Options{Name: e.path})
			calls := 0
			var done, open []listing
			at := map[[2]int]int{} // (pid, fd) -> index in open
			for r.Next() {
				ev := r.Event()
				if ev.Kind != strace.Call {
					continue
				}
				calls++
				if n := string(ev.Name); n != "getdents64" && n != "getdents" || !ev.RetOK || ev.RetVal < 0 {
					continue
				}
				k := [2]int{ev.PID, ev.Fd}
				i, ok := at[k]
				if !ok {
					i = len(open)
					at[k] = i
					open = append(open, listing{pid: ev.PID, fd: ev.Fd})
				}
				l := &open[i]
				l.calls++
				l.entries += ev.DirentCount
				if ev.RetVal == 0 {
					l.complete = true
					done = append(done, *l)
					*l = listing{pid: ev.PID, fd: ev.Fd}
				}
			}
			if err := r.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			for _, l := range open {
				if l.calls > 0 {
					done = append(done, l)
				}
			}
			if e.syscalls >= 0 && calls != e.syscalls {
				t.Errorf("%d calls, want %d", calls, e.syscalls)
			}
			for _, w := range e.listings {
				i := slices.IndexFunc(done, func(l listing) bool { return l.matches(w) })
				if i < 0 {
					t.Errorf("listing %s not found in %v", w, done)
					continue
				}
				done = slices.Delete(done, i, i+1)
			}
			names := r.Paste().Names()
			var missing []string
			for _, d := range e.paste {
				if !slices.Contains(names, d) {
					missing = append(missing, d)
				}
			}
			if diff := cmp.Diff(pasteGaps[e.path], missing); diff != "" {
				t.Errorf("paste decorations not said (-known gaps +got), said %v:\n%s", names, diff)
			}
			if sk := r.Skipped(); sk.Count > 0 {
				t.Logf("skipped %d lines; first at %d: %q", sk.Count, sk.FirstLine, sk.FirstText)
			}
		})
	}
}
