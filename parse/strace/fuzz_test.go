package strace

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/strace-layouts/*.strace")
	more, _ := filepath.Glob("../../testdata/strace-layouts/ff.*")
	for _, name := range append(files, more...) {
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
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), Options{Name: "fuzz"})
		nonBlank := 0
		for i, l := range bytes.Split(in, []byte("\n")) {
			if i == bytes.Count(in, []byte("\n")) && len(l) == 0 {
				break
			}
			if !isBlank(trimCR(l)) {
				nonBlank++
			}
		}
		covered := map[int]bool{}
		for steps := 0; r.Next(); steps++ {
			if steps > 2*nonBlank+2 {
				t.Fatalf("more events (%d) than lines allow (%d)", steps, nonBlank)
			}
			e := r.Event()
			if e.Line <= 0 {
				t.Fatalf("event without a line: %+v", e)
			}
			covered[e.Line] = true
			if e.ResumeLine > 0 {
				covered[e.ResumeLine] = true
			}
			for _, c := range e.ContLines {
				if c > 0 {
					covered[c] = true
				}
			}
			if len(e.Dirents) > len(in) {
				t.Fatalf("%d dirents from %d bytes", len(e.Dirents), len(in))
			}
		}
		if r.Err() != nil {
			return
		}
		if got := len(covered) + r.Skipped().Count; got != nonBlank {
			t.Fatalf("%d lines in events + %d skipped = %d, want %d non-blank lines", len(covered), r.Skipped().Count, got, nonBlank)
		}
	})
}
