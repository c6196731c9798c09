package progress

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clock is a fake time source the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }

// frames splits what the meter wrote into the lines it drew, each
// without the padding that erased a longer one.
func frames(out string) []string {
	var fs []string
	for _, f := range strings.Split(out, "\r") {
		if f = strings.TrimRight(f, " "); f != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

func meterFor(out *bytes.Buffer, tty bool, c *clock) *Meter {
	return newMeter(out, tty, func() int { return 120 }, c.now)
}

// step reads n bytes of r after moving the clock by d.
func step(t *testing.T, c *clock, r io.Reader, d time.Duration, n int) {
	t.Helper()
	c.add(d)
	if _, err := io.ReadFull(r, make([]byte, n)); err != nil {
		t.Fatal(err)
	}
}

func TestLine(t *testing.T) {
	const mb = 1_000_000
	data := strings.Repeat("x", 10*mb)
	type input struct {
		name  string
		size  int64
		count bool // counts through a count func, at half the bytes read
	}
	tests := []struct {
		name   string
		inputs []input
		want   []string // the first frame drawn and the last
	}{
		{
			name:   "one file",
			inputs: []input{{"B.strace", 10 * mb, false}},
			want: []string{
				"reading B.strace: 2.0 MB of 10.0 MB (20%)",
				"reading B.strace: 3.0 MB of 10.0 MB (30%) at 2.0 MB/s, about 4 s left",
			},
		},
		{
			name:   "compressed counts bytes on disk",
			inputs: []input{{"B.strace.gz", 5 * mb, true}},
			want: []string{
				"reading B.strace.gz: 1.0 MB of 5.0 MB on disk (20%)",
				"reading B.strace.gz: 1.5 MB of 5.0 MB on disk (30%) at 1.0 MB/s, about 4 s left",
			},
		},
		{
			name:   "size unknown",
			inputs: []input{{"stdin", -1, false}},
			want: []string{
				"reading stdin: 2.0 MB",
				"reading stdin: 3.0 MB at 2.0 MB/s",
			},
		},
		{
			name:   "two hosts share the line",
			inputs: []input{{"B.strace", 10 * mb, false}, {"E.strace", 10 * mb, false}},
			want: []string{
				"reading B.strace, E.strace: 2.0 MB of 20.0 MB (10%)",
				"reading B.strace, E.strace: 6.0 MB of 20.0 MB (30%) at 4.0 MB/s, about 4 s left",
			},
		},
		{
			name:   "name escaped",
			inputs: []input{{"B\x1b[31m.strace", -1, false}},
			want: []string{
				"reading B^[[31m.strace: 2.0 MB",
				"reading B^[[31m.strace: 3.0 MB at 2.0 MB/s",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Unix(1795647071, 0)}
			var out bytes.Buffer
			m := meterFor(&out, true, c)
			var rs []*Reader
			for _, in := range tt.inputs {
				var count func() int64
				var r *Reader
				if in.count {
					count = func() int64 { return r.Bytes() / 2 }
				}
				r = m.Track(strings.NewReader(data), in.name, in.size, count)
				rs = append(rs, r)
			}
			// Reading starts 1.2 s into the run (a tarball was being
			// looked into): the first frame has no second of data yet, so
			// no rate; half a second later it has none either; at 1.5 s
			// of data it has one.
			c.add(1200 * time.Millisecond)
			for _, r := range rs {
				step(t, c, r, 0, 2*mb)
			}
			for _, r := range rs {
				step(t, c, r, 500*time.Millisecond/time.Duration(len(rs)), 0)
			}
			for _, r := range rs {
				step(t, c, r, time.Second/time.Duration(len(rs)), mb)
			}
			got := frames(out.String())
			if len(got) < 2 {
				t.Fatalf("drew %q", out.String())
			}
			got = []string{got[0], got[len(got)-1]}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("frames (-want +got):\n%s", diff)
			}
			if bytes.IndexByte(out.Bytes(), 0x1b) >= 0 {
				t.Errorf("output carries an escape byte: %q", out.String())
			}
			out.Reset()
			for _, r := range rs {
				r.Done()
				r.Done()
			}
			if !strings.HasSuffix(out.String(), "\r") || strings.TrimSpace(out.String()) != "" {
				t.Errorf("Done wrote %q; want the line blanked", out.String())
			}
		})
	}
}

func TestNothingDrawn(t *testing.T) {
	for _, tt := range []struct {
		name string
		tty  bool
		wait time.Duration
	}{
		{"quick run on a terminal", true, 900 * time.Millisecond},
		{"slow run into a pipe", false, 5 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Unix(1795647071, 0)}
			var out bytes.Buffer
			m := meterFor(&out, tt.tty, c)
			r := m.Track(strings.NewReader(strings.Repeat("x", 4000)), "x", 4000, nil)
			step(t, c, r, 0, 1000)
			step(t, c, r, tt.wait, 3000)
			r.Done()
			m.Close()
			fmt.Fprintln(m.Writer(), "a message")
			if got := out.String(); got != "a message\n" {
				t.Errorf("wrote %q; want only the message", got)
			}
			if r.Bytes() != 4000 {
				t.Errorf("Bytes() = %d; want 4000", r.Bytes())
			}
		})
	}
}

// A message written while the line is shown erases it first; the line
// comes back at the next read.
func TestMessagesEraseTheLine(t *testing.T) {
	c := &clock{t: time.Unix(1795647071, 0)}
	var out bytes.Buffer
	m := meterFor(&out, true, c)
	r := m.Track(strings.NewReader(strings.Repeat("x", 4000)), "B.strace", 4000, nil)
	step(t, c, r, 2*time.Second, 1000)
	fmt.Fprintln(m.Writer(), "lagtrace: B.strace: skipped 1 lines")
	step(t, c, r, 0, 1000)
	want := "\rreading B.strace: 1.0 kB of 4.0 kB (25%)" +
		"\r" + strings.Repeat(" ", 40) + "\rlagtrace: B.strace: skipped 1 lines\n" +
		"\rreading B.strace: 2.0 kB of 4.0 kB (50%)"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// A line longer than the terminal is cut one column short of its edge, so
// the terminal does not wrap it onto a second line.
func TestLineFitsTheTerminal(t *testing.T) {
	c := &clock{t: time.Unix(1795647071, 0)}
	var out bytes.Buffer
	m := newMeter(&out, true, func() int { return 30 }, c.now)
	r := m.Track(strings.NewReader(strings.Repeat("x", 4000)), strings.Repeat("long-name-", 10), -1, nil)
	step(t, c, r, 2*time.Second, 1000)
	got := frames(out.String())
	if len(got) != 1 || len([]rune(got[0])) != 29 || !strings.HasSuffix(got[0], "…") {
		t.Errorf("frames %q; want one of 29 columns ending in …", got)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 2_900_000: "2.9 MB", 145_000_000: "145.0 MB", 1_200_000_000: "1.2 GB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q; want %q", n, got, want)
		}
	}
}
