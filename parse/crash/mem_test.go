package crash

import (
	"bytes"
	"os"
	"runtime"
	"testing"

	"github.com/lagtrace/lagtrace/internal/lines"
)

// benchData is the fixtures and the real excerpts repeated to 32 MiB.
func benchData(b *testing.B) []byte {
	var data []byte
	for _, name := range fixtureNames(b) {
		d, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		data = append(append(data, d...), '\n')
	}
	for len(data) < 32<<20 {
		data = append(data, data...)
	}
	return data
}

func BenchmarkReader(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), Options{})
		for r.Next() {
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

// BenchmarkLineCount is the floor: reading the same bytes line by line.
func BenchmarkLineCount(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		lr := lines.NewReader(bytes.NewReader(data))
		for _, ok := lr.Next(); ok; _, ok = lr.Next() {
		}
	}
}

// BenchmarkRetained reads a transcript made of the fixtures and the real
// excerpts repeated to 32 MiB and reports the heap the kept records hold
// per input byte (retained-B/B). "all" keeps every record, as correlate's
// ingest did to join kmem and struct answers to the backtraces before
// them; "index" feeds an Index and keeps every record but the backtraces
// (which a caller converts as they come), the figure that bounds a large
// transcript's memory.
func BenchmarkRetained(b *testing.B) {
	data := benchData(b)
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
