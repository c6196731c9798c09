package crash

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkRetained reads a transcript made of the fixtures and the real
// excerpts repeated to 32 MiB and reports the heap the kept records hold
// per input byte (retained-B/B). "all" keeps every record, as correlate's
// ingest did to join kmem and struct answers to the backtraces before
// them; "index" feeds an Index and keeps every record but the backtraces
// (which a caller converts as they come), the figure that bounds a large
// transcript's memory.
func BenchmarkRetained(b *testing.B) {
	var data []byte
	names, _ := filepath.Glob(filepath.Join(fixtures, "*.txt"))
	real, _ := filepath.Glob(filepath.Join(real, "*.txt"))
	for _, name := range append(names, real...) {
		d, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		data = append(append(data, d...), '\n')
	}
	for len(data) < 32<<20 {
		data = append(data, data...)
	}
	for _, tc := range []struct {
		name string
		keep func(Record) bool
	}{
		{"all", func(Record) bool { return true }},
		{"index", func(rec Record) bool { _, bt := rec.(*Backtrace); return !bt }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var kept []Record
			var x *Index
			for b.Loop() {
				kept, x = nil, nil
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				r := NewReader(bytes.NewReader(data), Options{Name: "bench"})
				x = new(Index)
				for r.Next() {
					x.Add(r.Record())
					if tc.keep(r.Record()) {
						kept = append(kept, r.Record())
					}
				}
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(data)), "retained-B/B")
			}
			runtime.KeepAlive(kept)
			runtime.KeepAlive(x)
		})
	}
}
