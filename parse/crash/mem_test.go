package crash

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkRetained reads a transcript made of the fixtures repeated to
// 32 MiB and keeps every record, as correlate's ingest does to join kmem
// and struct answers to backtraces; it reports the heap the records hold
// per input byte (retained-B/B), the figure that makes a 400 MB
// transcript cost gigabytes.
func BenchmarkRetained(b *testing.B) {
	var data []byte
	names, _ := filepath.Glob(filepath.Join(fixtures, "*.txt"))
	real, _ := filepath.Glob("../../testdata/real/crash/*.txt")
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
	b.SetBytes(int64(len(data)))
	var kept []Record
	for b.Loop() {
		kept = nil
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		r := NewReader(bytes.NewReader(data), Options{Name: "bench"})
		for r.Next() {
			kept = append(kept, r.Record())
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(data)), "retained-B/B")
		b.ReportMetric(float64(len(kept)), "records")
	}
	runtime.KeepAlive(kept)
}
