package dmesg

import (
	"bytes"
	"os"
	"testing"

	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/paste"
)

// benchLog builds a log of about size bytes from real lines: the VM's own
// boot messages as noise, with a real report (the seed's 4.19 one and the
// 6.16 blocker one) after every 200 noise lines. With syslog set, every
// line gets the syslog prefix of the 5.18 journal fixture and its
// bracket stamp dropped, and a cron line of the Raspberry Pi syslog is
// mixed in, as in /var/log/messages.
func benchLog(b *testing.B, size int, syslog bool) []byte {
	read := func(name string) [][]byte {
		data, err := os.ReadFile("../../testdata/dmesg/" + name)
		if err != nil {
			b.Fatal(err)
		}
		return bytes.SplitAfter(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	}
	noise := read("vm-6.18-boot-noise.txt")
	var reports [][]byte
	reports = append(reports, read("seed-4.19.txt")...)
	reports = append(reports, read("x86-6.16-dmesg-T-blocker.txt")...)
	host := []byte("May 30 22:34:42 sh-tglh-0a70-hda-01 kernel: ")
	cron := []byte("Sep  5 18:58:01 raspberrypi CRON[5890]: (root) CMD (sudo python /home/pi/code/RPi/pull.py)\n")
	var out bytes.Buffer
	add := func(l []byte) {
		if !syslog {
			out.Write(l)
			return
		}
		if e := bytes.IndexByte(l, ']'); e > 0 && e+2 <= len(l) {
			l = l[e+2:]
		}
		out.Write(host)
		out.Write(l)
	}
	for n := 0; out.Len() < size; n++ {
		for i := 0; i < 200; i++ {
			add(noise[(n*200+i)%len(noise)])
			if syslog && i%50 == 0 {
				out.Write(cron)
			}
		}
		for _, l := range reports {
			add(l)
		}
	}
	return out.Bytes()
}

func BenchmarkReader(b *testing.B) {
	for _, tc := range []struct {
		name   string
		syslog bool
	}{{"dmesg", false}, {"syslog", true}} {
		data := benchLog(b, 64<<20, tc.syslog)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				r := NewReader(bytes.NewReader(data), Options{})
				n := 0
				for r.Next() {
					n++
				}
				if r.Err() != nil || n == 0 {
					b.Fatalf("%d records, err %v", n, r.Err())
				}
			}
		})
	}
}

// BenchmarkLineCount is the floor: reading the same bytes line by line.
func BenchmarkLineCount(b *testing.B) {
	for _, tc := range []struct {
		name   string
		syslog bool
	}{{"dmesg", false}, {"syslog", true}} {
		data := benchLog(b, 64<<20, tc.syslog)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				lr := lines.NewReader(bytes.NewReader(data))
				n := 0
				for _, ok := lr.Next(); ok; _, ok = lr.Next() {
					n++
				}
				if n == 0 {
					b.Fatal("no lines")
				}
			}
		})
	}
}

// BenchmarkPaste measures what the paste normaliser adds to reading lines,
// on the clean log BenchmarkReader reads: "lines" is the bare line reader,
// "paste" the normaliser over it. Their difference over
// BenchmarkReader/dmesg is the normaliser's share of the reader's time
// (measured on 2026-12-02, GOMAXPROCS=1, minimum of 8 interleaved runs of
// BenchmarkReader/dmesg: 193 ms/op before the normaliser, 201 ms/op with
// it, +4%).
func BenchmarkPaste(b *testing.B) {
	data := benchLog(b, 64<<20, false)
	b.Run("lines", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			lr := lines.NewReader(bytes.NewReader(data))
			for {
				if _, ok := lr.Next(); !ok {
					break
				}
			}
		}
	})
	b.Run("paste", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			pr := paste.NewReader(bytes.NewReader(data))
			for pr.Next() {
			}
		}
	})
}
