package strace

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// benchInput is a real capture: strace -ttt -f -v -s 40960 of ls on a
// directory of 20000 files with 30-character names; its getdents64 lines
// are 66 KB.
func benchInput(b *testing.B) []byte {
	b.Helper()
	f, err := os.Open("../../testdata/strace-layouts/ls-20k.strace.gz")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkReader(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := NewReader(bytes.NewReader(data), Options{Name: "bench"})
		n := 0
		for r.Next() {
			n += len(r.Event().Dirents)
		}
		if r.Err() != nil || n != 20002 {
			b.Fatalf("%d dirents, err %v", n, r.Err())
		}
	}
}

// BenchmarkLineCount is the floor: reading the same bytes and counting
// newlines, nothing more.
func BenchmarkLineCount(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	buf := make([]byte, 256<<10)
	b.ResetTimer()
	for range b.N {
		rd := bytes.NewReader(data)
		n := 0
		for {
			k, err := rd.Read(buf)
			n += bytes.Count(buf[:k], []byte{'\n'})
			if err != nil {
				break
			}
		}
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}
