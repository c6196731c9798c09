package dmesg

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReader feeds arbitrary input: the reader must not panic, must end,
// must count every line, and records must be well formed.
func FuzzReader(f *testing.F) {
	real, err := filepath.Glob("../../testdata/real/*/*.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(fixtures(f), real...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), Options{Name: "fuzz"})
		prev := 0
		for r.Next() {
			rec := r.Record()
			if rec == nil {
				t.Fatal("Next returned true with a nil Record")
			}
			if rec.Line < 1 || rec.Line > r.Lines() {
				t.Fatalf("record at line %d of %d lines read", rec.Line, r.Lines())
			}
			if rec.Line < prev && rec.Kind != KindBlocker {
				// Records come in input order, except that a task under
				// construction is queued before the line that ended it.
				t.Logf("record at line %d after one at %d", rec.Line, prev)
			}
			prev = rec.Line
			if (rec.Task != nil) != (rec.Kind == KindTask) || (rec.Blocker != nil) != (rec.Kind == KindBlocker) || (rec.Locks != nil) != (rec.Kind == KindHeldLocks) || (rec.Lockdep != nil) != (rec.Kind == KindLockdep) {
				t.Fatalf("record kind %v does not match its fields", rec.Kind)
			}
			if tk := rec.Task; tk != nil {
				if len(tk.Frames)+len(tk.Interrupt) > maxFrames {
					t.Fatalf("%d frames, more than the cap", len(tk.Frames)+len(tk.Interrupt))
				}
				for _, fr := range tk.Frames {
					if fr.Context != NoContext {
						t.Fatalf("frame %+v of the task's own stack has a context", fr)
					}
				}
				for _, fr := range tk.Interrupt {
					if fr.Context == NoContext {
						t.Fatalf("interrupt frame %+v has no context", fr)
					}
				}
			}
		}
		if n := bytes.Count(data, []byte{'\n'}); r.Err() == nil && r.Lines() < n {
			t.Fatalf("read %d lines of %d", r.Lines(), n)
		}
		if s := r.Skipped(); s.Count > r.Lines() || len(s.FirstText) > 200 {
			t.Fatalf("skips %+v for %d lines", s, r.Lines())
		}
		// Reusing the memory of records read before changes none.
		if diff := cmp.Diff(snapshotRecords(data, false), snapshotRecords(data, true)); diff != "" {
			t.Fatalf("with Options.Reuse (-without +with):\n%s", diff)
		}
	})
}
