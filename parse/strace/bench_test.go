package strace

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/paste"
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

// BenchmarkReader reads the whole capture. Before issue 11's fast path
// (commit b4af351) it ran at 1135 MB/s, 35 allocs/op, on the project's VM
// (load average 0.4, 2026-12-02); bench/reader.sh runs that commit's
// benchmark and this one alternately in one run: 1.90x (median of 5, load
// average 2.35-3.56).
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

// shortInput is real captures of short lines (65 to 183 bytes on
// average: sh starting two ls, -k frames, -r and -Y layouts, strace's
// stderr), repeated to 4 MB, where what a reader spends per line shows.
func shortInput(b *testing.B) []byte {
	b.Helper()
	var one []byte
	for _, name := range []string{"f-r-v.strace", "decode-pids-comm.strace", "stderr-f-ttt-v.strace", "k.strace"} {
		d, err := os.ReadFile("../../testdata/strace-layouts/" + name)
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, d...)
	}
	return bytes.Repeat(one, (4<<20)/len(one)+1)
}

// BenchmarkReaderShort reads shortInput.
func BenchmarkReaderShort(b *testing.B) {
	data := shortInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := NewReader(bytes.NewReader(data), Options{Name: "bench"})
		n := 0
		for r.Next() {
			n++
		}
		if r.Err() != nil || n < 10000 {
			b.Fatalf("%d events, err %v", n, r.Err())
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

// BenchmarkLines is the line reader the Reader used before it read
// through the paste layer, and BenchmarkPasteLines the paste layer over
// it, on the same capture: their difference, against BenchmarkReader, is
// what reading through the paste layer costs a clean trace.
func BenchmarkLines(b *testing.B)      { benchLines(b, benchInput(b)) }
func BenchmarkLinesShort(b *testing.B) { benchLines(b, shortInput(b)) }

func benchLines(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		lr := lines.NewReader(bytes.NewReader(data))
		n := 0
		for {
			l, ok := lr.Next()
			if !ok {
				break
			}
			n += len(l)
		}
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}

func BenchmarkPasteLines(b *testing.B)      { benchPasteLines(b, benchInput(b)) }
func BenchmarkPasteLinesShort(b *testing.B) { benchPasteLines(b, shortInput(b)) }

func benchPasteLines(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pr := paste.NewReader(bytes.NewReader(data))
		n := 0
		for pr.Next() {
			n += len(pr.Line().Text)
		}
		if n == 0 || !pr.Report().Empty() {
			b.Fatalf("%d bytes, %v", n, pr.Report().Names())
		}
	}
}

// direntArray is one getdents64 result of ls-20k's capture: 580 entries
// in the strace ≥ 4.11 layout.
func direntArray(b *testing.B) []byte {
	b.Helper()
	data := benchInput(b)
	for _, line := range bytes.Split(data, []byte("\n")) {
		if i := bytes.Index(line, []byte("getdents64(3, [")); i >= 0 && bytes.Count(line, []byte("d_name=")) > 500 {
			return line[i+len("getdents64(3, [") : bytes.LastIndexByte(line, ']')+1]
		}
	}
	b.Fatal("no getdents64 line with 500 entries")
	return nil
}

// BenchmarkFastEntry is the dirent fast path over one 580-entry array;
// BenchmarkGeneralEntry is the general parser over the same bytes.
func BenchmarkFastEntry(b *testing.B) { benchEntries(b, true) }

func BenchmarkGeneralEntry(b *testing.B) { benchEntries(b, false) }

func benchEntries(b *testing.B, fast bool) {
	arr := direntArray(b)
	var r Reader
	r.arena = make([]byte, 0, len(arr))
	b.SetBytes(int64(len(arr)))
	b.ResetTimer()
	for range b.N {
		s, n := arr, 0
		r.arena = r.arena[:0]
		for len(s) > 0 && s[0] == '{' {
			var d Dirent
			var ok bool
			if fast {
				s, ok = fastEntry(s[1:], &d)
			} else {
				s, ok = r.parseEntry(s[1:], &d, false, true)
			}
			if !ok {
				b.Fatalf("entry %d not read", n)
			}
			n++
			s = bytes.TrimPrefix(s, []byte(", "))
		}
		if n < 500 {
			b.Fatalf("%d entries", n)
		}
	}
}
