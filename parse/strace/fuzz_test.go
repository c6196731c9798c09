package strace

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lagtrace/lagtrace/internal/lines"
)

func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/strace-layouts/*.strace")
	more, _ := filepath.Glob("../../testdata/strace-layouts/ff.*")
	real, _ := filepath.Glob("../../testdata/real/strace/*.txt")
	for _, name := range append(append(files, more...), real...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		// Whole files are slow to mutate; their first lines carry every
		// kind of line the capture has.
		if len(b) > 16<<10 {
			b = b[:16<<10]
		}
		f.Add(b)
	}
	f.Add([]byte("1 read(3 <unfinished ...>\n2 <... read resumed>) = 1\n1 +++ exited with 0 +++\n"))
	f.Add([]byte("1795647018.442789 clone(flags=SIGCHLDstrace: Process 8892 attached\n, child_tidptr=0x7f) = 8892\n"))
	f.Add([]byte("getdents64(3, {{d_ino=1, d_off=2, d_type=DT_DIR, d_reclen=24, d_name=\"a\"b\"} {d_ino=1, d_off=2, d_type=DT_DIR, d_reclen=24, d_name=\"\"}}, 1) = 48\n"))
	f.Add([]byte("> a(1,\n>> 2) = 3 b(\"x\n> y\", /* 1\n  entries */) = 0 ... c(\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		total := 0
		for lr := lines.NewReader(bytes.NewReader(in)); ; total++ {
			if _, ok := lr.Next(); !ok {
				break
			}
		}
		r := NewReader(bytes.NewReader(in), Options{Name: "fuzz"})
		for steps := 0; r.Next(); steps++ {
			// A line holds at most a few calls that a refill ran
			// together, each 3 bytes at least ("a()").
			if steps > len(in)/3+2*total+2 {
				t.Fatalf("more events (%d) than %d lines of %d bytes allow", steps, total, len(in))
			}
			e := r.Event()
			if e.Line <= 0 || e.Line > total {
				t.Fatalf("event on line %d of %d: %+v", e.Line, total, e)
			}
			if len(e.Dirents) > len(in) {
				t.Fatalf("%d dirents from %d bytes", len(e.Dirents), len(in))
			}
		}
		if r.Err() != nil {
			return
		}
		p := r.Paste()
		if got := r.used + p.Wrap.Count + p.Prose.Count + r.Skipped().Count; got != total {
			t.Fatalf("%d used + %d joined + %d prose + %d skipped = %d, want the %d lines read", r.used, p.Wrap.Count, p.Prose.Count, r.Skipped().Count, got, total)
		}
	})
}
