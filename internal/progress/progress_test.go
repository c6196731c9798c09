package progress

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clock is a fake time source the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestIndicator(t *testing.T) {
	const name = "B.strace\x1b[31m" // input-derived: must reach the terminal escaped
	data := strings.Repeat("x", 4000)
	tests := []struct {
		name     string
		tty      bool
		size     int64
		wait     time.Duration // before the second read
		wantDraw bool
	}{
		{name: "quick read on a terminal", tty: true, size: 4000, wait: 500 * time.Millisecond},
		{name: "slow read on a terminal", tty: true, size: 4000, wait: 2 * time.Second, wantDraw: true},
		{name: "slow read, size unknown", tty: true, size: -1, wait: 2 * time.Second, wantDraw: true},
		{name: "size too small", tty: true, size: 10, wait: 2 * time.Second, wantDraw: true},
		{name: "slow read into a pipe", tty: false, size: 4000, wait: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Unix(1795647071, 0)}
			var out bytes.Buffer
			r := wrap(strings.NewReader(data), name, tt.size, &out, tt.tty, c.now)
			buf := make([]byte, 1000)
			if _, err := r.Read(buf); err != nil {
				t.Fatal(err)
			}
			if out.Len() != 0 {
				t.Errorf("drew before %v: %q", Delay, out.String())
			}
			c.t = c.t.Add(tt.wait)
			rest, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			r.Done()
			r.Done()
			if diff := cmp.Diff(data, string(buf)+string(rest)); diff != "" {
				t.Errorf("bytes passed through (-want +got):\n%s", diff)
			}
			if got := r.Bytes(); got != int64(len(data)) {
				t.Errorf("Bytes() = %d; want %d", got, len(data))
			}
			drew := out.Len() > 0
			if drew != tt.wantDraw {
				t.Errorf("drew = %v; want %v (output %q)", drew, tt.wantDraw, out.String())
			}
			if drew && !strings.Contains(out.String(), "B.strace^[[31m") {
				t.Errorf("output does not show the escaped name: %q", out.String())
			}
			if bytes.IndexByte(out.Bytes(), 0x1b) >= 0 {
				t.Errorf("output carries a raw escape byte: %q", out.String())
			}
		})
	}
}

// A bytes.Buffer is no terminal: Wrap never draws on it.
func TestWrapNotTerminal(t *testing.T) {
	var out bytes.Buffer
	r := Wrap(strings.NewReader("abc"), "x", 3, &out)
	if r.tty {
		t.Error("a bytes.Buffer was taken for a terminal")
	}
	io.ReadAll(r)
	r.Done()
	if out.Len() != 0 {
		t.Errorf("wrote %q", out.String())
	}
}
