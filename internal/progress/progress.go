// Package progress shows how far the reading of a run's inputs has got, on
// one line of a terminal:
//
//	reading B.strace.gz, E.strace.gz: 96.1 MB of 290.8 MB on disk (33%) at 48.0 MB/s, about 4 s left
//
// Nothing is written unless the writer is a terminal and the run has
// lasted more than a second, so pipes, CI logs and quick runs stay clean.
// Rates appear once there is a second of data to measure, and a compressed
// file counts its compressed bytes against its size on disk. Inputs read at
// once (two hosts) share the line, with the totals.
//
//	m := progress.New(os.Stderr)
//	defer m.Close()
//	log := m.Writer() // messages that erase the line first
//	r := m.Track(f, "B.strace.gz", size, nil)
//	defer r.Done()
//	parse(r)
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/lagtrace/lagtrace/render"
)

// Delay is how long a run lasts before the line appears, and how much
// reading a rate needs before it is shown.
const Delay = time.Second

// redraw is the least time between two drawings of the line.
const redraw = 100 * time.Millisecond

// Meter draws the line of one run. Its methods are safe for concurrent use.
type Meter struct {
	w     io.Writer
	tty   bool
	width func() int
	now   func() time.Time
	start time.Time

	mu     sync.Mutex
	inputs []*Reader
	first  time.Time // of the first byte read
	last   time.Time // of the last drawing
	shown  int       // columns of the line on screen; 0 when none
}

// New returns the meter of a run writing to w, a terminal or not.
func New(w io.Writer) *Meter {
	tty, width := terminal(w)
	return newMeter(w, tty, width, time.Now)
}

func newMeter(w io.Writer, tty bool, width func() int, now func() time.Time) *Meter {
	return &Meter{w: w, tty: tty, width: width, now: now, start: now()}
}

// terminal reports whether w is a terminal's file descriptor, as an
// *os.File on one is, and how to ask its width.
func terminal(w io.Writer) (bool, func() int) {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, func() int { return 0 }
	}
	return true, func() int {
		n, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return n
	}
}

// Reader passes reads through and counts them for its meter. Like most
// readers it is read by one goroutine at a time.
type Reader struct {
	m     *Meter
	r     io.Reader
	name  string
	size  int64
	count func() int64
	n     atomic.Int64
	done  atomic.Bool
}

// Track returns r wrapped so that reading it counts on the line. name is
// input-derived and shown escaped. size is what the count will reach, or
// -1 when unknown (the bytes read are shown then). count, if not nil, is
// the count instead of the bytes passed through: the compressed bytes read
// from under a decoder, against the file's size. Call Done when finished
// reading.
func (m *Meter) Track(r io.Reader, name string, size int64, count func() int64) *Reader {
	t := &Reader{m: m, r: r, name: render.Terminal(name), size: size, count: count}
	m.mu.Lock()
	m.inputs = append(m.inputs, t)
	m.mu.Unlock()
	return t
}

// Read reads from the wrapped reader.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n.Add(int64(n))
	if r.m.tty {
		r.m.tick(n > 0)
	}
	return n, err
}

// Bytes is how many bytes have been read through r so far.
func (r *Reader) Bytes() int64 { return r.n.Load() }

func (r *Reader) counted() int64 {
	if r.count != nil {
		return r.count()
	}
	return r.n.Load()
}

// Done ends r's part in the line, erasing the line when no input is left
// being read. It is safe to call more than once.
func (r *Reader) Done() {
	if r.done.Swap(true) || !r.m.tty {
		return
	}
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	if len(r.m.active()) == 0 {
		r.m.erase()
	}
}

// tick redraws the line if it is due.
func (m *Meter) tick(data bool) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if data && m.first.IsZero() {
		m.first = now
	}
	if now.Sub(m.start) < Delay || m.shown > 0 && now.Sub(m.last) < redraw {
		return
	}
	m.last = now
	m.draw(m.line(now))
}

func (m *Meter) active() []*Reader {
	var out []*Reader
	for _, r := range m.inputs {
		if !r.done.Load() {
			out = append(out, r)
		}
	}
	return out
}

// line says what is being read, how much of it and how fast.
func (m *Meter) line(now time.Time) string {
	act := m.active()
	if len(act) == 0 {
		return ""
	}
	var n, size int64
	compressed := false
	for _, r := range m.inputs {
		n += r.counted()
		if r.size < 0 || size < 0 {
			size = -1
		} else {
			size += r.size
		}
		compressed = compressed || r.count != nil && r.size >= 0
	}
	var b strings.Builder
	b.WriteString("reading " + act[0].name)
	switch len(act) {
	case 1:
	case 2:
		b.WriteString(", " + act[1].name)
	default:
		fmt.Fprintf(&b, " and %d more", len(act)-1)
	}
	b.WriteString(": " + Bytes(n))
	if size > 0 {
		b.WriteString(" of " + Bytes(size))
		if compressed {
			b.WriteString(" on disk")
		}
		fmt.Fprintf(&b, " (%d%%)", min(100, n*100/size))
	}
	if took := now.Sub(m.first); !m.first.IsZero() && took >= Delay {
		rate := float64(n) / took.Seconds()
		b.WriteString(" at " + Bytes(int64(rate)) + "/s")
		if size > n && rate > 0 {
			fmt.Fprintf(&b, ", about %s left", left(float64(size-n)/rate))
		}
	}
	return b.String()
}

// left writes a remaining time in whole seconds (at least one) or
// minutes.
func left(s float64) string {
	if s < 90 {
		return fmt.Sprintf("%d s", max(1, int(s+0.5)))
	}
	return fmt.Sprintf("%d min", int(s/60+0.5))
}

// draw writes line over the one on screen, cut to the terminal's width
// (less one column, so that the terminal does not wrap it) and padded with
// spaces over a longer one: no escape sequences, so even TERM=dumb shows
// it right.
func (m *Meter) draw(line string) {
	width := m.width()
	if width <= 0 {
		width = 80
	}
	if n := utf8.RuneCountInString(line); n > width-1 {
		line = string([]rune(line)[:max(0, width-2)]) + "…"
	}
	cols := utf8.RuneCountInString(line)
	pad := strings.Repeat(" ", max(0, m.shown-cols))
	io.WriteString(m.w, "\r"+line+pad)
	m.shown = cols
	if cols == 0 {
		m.erase()
	}
}

// erase blanks the line, if one is shown, and puts the cursor at its start.
func (m *Meter) erase() {
	if m.shown > 0 {
		io.WriteString(m.w, "\r"+strings.Repeat(" ", m.shown)+"\r")
		m.shown = 0
	}
}

// Close erases the line.
func (m *Meter) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.erase()
}

// Writer returns the meter's writer for messages (skipped lines, files
// left out): each write erases the line first, so that a message never
// lands in the middle of it; the next read draws it again below.
func (m *Meter) Writer() io.Writer {
	if !m.tty {
		return m.w
	}
	return messages{m}
}

type messages struct{ m *Meter }

func (w messages) Write(p []byte) (int, error) {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	w.m.erase()
	return w.m.w.Write(p)
}

// Bytes writes a byte count in SI units: 512 B, 2.9 kB, 145.0 MB, 1.2 GB.
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", v, " kMGTP"[i])
}
