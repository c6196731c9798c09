// Package progress shows how far a slow read has got. Nothing is written
// unless the writer is a terminal and the read has taken more than a
// second, so pipes, CI logs and quick runs stay clean:
//
//	r := progress.Wrap(f, src.Name, src.Size, os.Stderr)
//	defer r.Done()
//	parse(r)
package progress

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/lagtrace/lagtrace/render"
)

// Delay is how long a read runs before the indicator appears.
const Delay = time.Second

// Reader passes reads through and draws the indicator. It is not safe for
// concurrent use, like most readers.
type Reader struct {
	r     io.Reader
	w     io.Writer
	name  string
	size  int64
	tty   bool
	now   func() time.Time
	start time.Time
	n     int64
	bar   *progressbar.ProgressBar
	done  bool
}

// Wrap returns r wrapped so that reading it shows progress on w once the
// read has lasted Delay, if w is a terminal. name is input-derived and
// shown escaped; size is the number of bytes r will yield, or -1 if
// unknown (a spinner with a byte count is shown then). Call Done when
// finished reading, to erase the indicator.
func Wrap(r io.Reader, name string, size int64, w io.Writer) *Reader {
	return wrap(r, name, size, w, isTerminal(w), time.Now)
}

func wrap(r io.Reader, name string, size int64, w io.Writer, tty bool, now func() time.Time) *Reader {
	return &Reader{r: r, w: w, name: name, size: size, tty: tty, now: now, start: now()}
}

// isTerminal is true for a writer backed by a terminal's file descriptor,
// as *os.File is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// Read reads from the wrapped reader.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if !r.tty || r.done {
		return n, err
	}
	if r.size >= 0 && r.n > r.size {
		// The size was wrong (a growing file): count bytes instead of
		// drawing a bar stuck at its end.
		r.size = -1
		if r.bar != nil {
			r.bar.Clear()
			r.bar.Exit()
			r.bar = r.newBar()
		}
	}
	if r.bar == nil {
		if r.now().Sub(r.start) < Delay {
			return n, err
		}
		r.bar = r.newBar()
	}
	r.bar.Set64(r.n)
	return n, err
}

func (r *Reader) newBar() *progressbar.ProgressBar {
	total := r.size
	if total < 0 {
		total = -1 // progressbar's "length unknown"
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(r.w),
		progressbar.OptionSetDescription(render.Terminal(r.name)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		// No spinner goroutine: the bar is redrawn only from Read.
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionClearOnFinish(),
	)
}

// Done erases the indicator, if one was drawn. It is safe to call more
// than once.
func (r *Reader) Done() {
	if r.done {
		return
	}
	r.done = true
	if r.bar != nil {
		r.bar.Clear()
		r.bar.Exit()
	}
}

// Bytes is how many bytes have been read so far.
func (r *Reader) Bytes() int64 { return r.n }
