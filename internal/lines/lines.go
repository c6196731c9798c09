// Package lines reads text one line at a time, with lines as long as a
// capture holds and memory bounded by a cap, not by the input.
//
// bufio.Scanner stops at 64 KiB by default, and strace -v -s 40960 writes
// lines of 66 KB and more, so every parser reads through this instead.
// Lines end in "\n" or "\r\n"; a file whose lines end in a bare "\r" (old
// Mac editors, serial-console and terminal captures) is recognised at its
// first line end and split there too:
//
//	"a\nb\r\nc"   -> "a", "b", "c" (Truncated: no final line end)
//	"a\rb\rc\r"   -> "a", "b", "c"
//	"a\r\r\nb\n"  -> "a", "b"      (a serial console's doubled "\r")
//
// A line longer than Reader.Max (DefaultMax, 64 MiB) is read through without
// being kept: Next returns its first bytes and Reader.Long says how long it
// was, so that the parser counts it as a skipped line.
package lines

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// DefaultMax is the longest line a Reader keeps unless Max says otherwise:
// a thousand times strace's longest real lines (66 KB with -s 40960), small
// enough that a file of one endless line cannot exhaust a laptop.
const DefaultMax = 64 << 20

// HeadSize is how much of a line longer than Max Next still returns, for a
// skip report to quote.
const HeadSize = 256

const (
	minBuf  = 4 << 10   // a /proc/PID/stack file is a few hundred bytes
	readBuf = 256 << 10 // big reads for big files
)

// Reader yields lines without their terminator.
// The slice returned by Next is valid only until the following call.
type Reader struct {
	// Max is the longest line kept, in bytes without its terminator; 0 means
	// DefaultMax. Set it before the first call to Next.
	Max int
	// Truncated reports whether the last line returned had no line end,
	// as when a capture was stopped mid-write.
	Truncated bool
	// Long is the length in bytes of the last line returned when it was
	// longer than Max, and 0 otherwise. Next then returned only the line's
	// first HeadSize bytes.
	Long int64

	rd   io.Reader
	buf  []byte
	r, w int // buf[r:w] is read but not yet returned
	n    int
	err  error // sticky; io.EOF at the end
	// mode is how lines end, decided at the first line end.
	mode mode
	head []byte // the start of a line over Max
}

type mode uint8

const (
	undecided mode = iota
	lf             // "\n", with any "\r" before it dropped
	cr             // "\r", "\n" or "\r\n"
)

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{rd: r}
}

// Next returns the next line, or ok=false at the end of input or on error.
func (r *Reader) Next() (line []byte, ok bool) {
	r.Truncated, r.Long = false, 0
	if r.buf == nil {
		r.buf = make([]byte, minBuf)
	}
	scanned := 0 // bytes of buf[r:w] known to hold no line end
	var skipped int64
	for {
		if i, end, found := r.find(scanned); found {
			line = r.buf[r.r : r.r+i]
			r.r += end
			return r.line(line, skipped), true
		}
		scanned = r.w - r.r
		switch {
		case r.mode == undecided:
			scanned = max(0, scanned-maxCRRun-1) // decide needs what follows a "\r"
		case r.mode == cr && scanned > 0 && r.buf[r.w-1] == '\r':
			scanned-- // the "\n" of a "\r\n" may come with the next read
		}
		if r.err != nil {
			rest := r.buf[r.r:r.w]
			r.r = r.w
			if skipped == 0 && len(rest) == 0 {
				return nil, false
			}
			r.Truncated = true
			return r.line(rest, skipped), true
		}
		if skipped > 0 || scanned > r.max() {
			// Over the cap: keep the head, count the rest, drop it.
			if skipped == 0 {
				r.head = r.head[:0]
			}
			r.keepHead(r.buf[r.r : r.r+scanned])
			skipped += int64(scanned)
			r.r += scanned
			scanned = 0
		}
		r.fill()
	}
}

// line finishes a line whose last part is b, after skipped bytes already
// dropped.
func (r *Reader) line(b []byte, skipped int64) []byte {
	r.n++
	if skipped == 0 && len(b) <= r.max() {
		if r.mode == lf {
			b = bytes.TrimRight(b, "\r")
		}
		return b
	}
	if skipped == 0 {
		r.head = r.head[:0]
	}
	r.keepHead(b)
	r.Long = skipped + int64(len(b))
	return r.head
}

// keepHead adds the start of b to the head of a long line, up to HeadSize.
func (r *Reader) keepHead(b []byte) {
	r.head = append(r.head, b[:min(len(b), HeadSize-len(r.head))]...)
}

// find looks for the end of the line that starts at r.r, beyond the first
// scanned bytes, and returns the line's length and the length with its
// terminator.
func (r *Reader) find(scanned int) (n, end int, found bool) {
	b := r.buf[r.r:r.w]
	if r.mode == undecided && !r.decide(b[scanned:]) {
		return 0, 0, false
	}
	if r.mode == lf {
		i := bytes.IndexByte(b[scanned:], '\n')
		if i < 0 {
			return 0, 0, false
		}
		return scanned + i, scanned + i + 1, true
	}
	i := indexEOL(b[scanned:])
	if i < 0 {
		return 0, 0, false
	}
	i += scanned
	if b[i] == '\n' {
		return i, i + 1, true
	}
	if i+1 < len(b) {
		if b[i+1] == '\n' {
			return i, i + 2, true
		}
		return i, i + 1, true
	}
	if r.err != nil {
		return i, i + 1, true // a final "\r"
	}
	return 0, 0, false // wait for the byte after the "\r"
}

// maxCRRun is the longest run of "\r" before a "\n" that still marks a
// "\r\n" file.
const maxCRRun = 8

// decide sets the mode from the first line end in b, reporting false when b
// does not show it yet. A short run of "\r" followed by "\n" is a "\r\n"
// file (serial consoles write "\r\r\n"); a "\r" followed by anything else
// makes every "\r" a line end.
func (r *Reader) decide(b []byte) bool {
	i := indexEOL(b)
	if i < 0 {
		if r.err != nil {
			r.mode = lf
			return true
		}
		return false
	}
	if b[i] == '\n' {
		r.mode = lf
		return true
	}
	run := 0
	for i < len(b) && b[i] == '\r' && run <= maxCRRun {
		i++
		run++
	}
	switch {
	case run > maxCRRun:
		r.mode = cr
	case i < len(b) && b[i] == '\n':
		r.mode = lf
	case i < len(b):
		r.mode = cr
	case r.err != nil:
		r.mode = cr // the input ends in "\r"s: they end lines
	default:
		return false
	}
	return true
}

// indexEOL returns the index of the first "\r" or "\n" in b, or -1.
func indexEOL(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.IndexByte(b, '\r')
	}
	if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
		return j
	}
	return i
}

func (r *Reader) max() int {
	if r.Max <= 0 {
		return DefaultMax
	}
	return r.Max
}

// fill reads more input after what is unread, moving it to the front of
// the buffer or growing the buffer when it is full. The buffer grows to
// readBuf as soon as a read fills it, and beyond only to hold a long line,
// never past Max plus one read.
func (r *Reader) fill() {
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if r.w == len(r.buf) {
		size := len(r.buf) * 2
		if size > readBuf {
			size = min(size, r.max()+readBuf)
		}
		if size > len(r.buf) {
			nb := make([]byte, size)
			copy(nb, r.buf[:r.w])
			r.buf = nb
		}
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			r.err = fmt.Errorf("lines: reader returned %d bytes for a %d-byte buffer", n, len(r.buf)-r.w)
			return
		}
		r.w += n
		if err != nil {
			r.err = err
			return
		}
		if n > 0 {
			if r.w == len(r.buf) && len(r.buf) < readBuf {
				r.grow()
			}
			return
		}
	}
	r.err = io.ErrNoProgress
}

// grow enlarges a small buffer that a read filled: the input is not a
// small file, and big reads make the fewest system calls.
func (r *Reader) grow() {
	nb := make([]byte, readBuf)
	r.w = copy(nb, r.buf[r.r:r.w])
	r.r = 0
	r.buf = nb
}

// Number is the 1-based number of the line last returned by Next.
func (r *Reader) Number() int { return r.n }

// Err returns the first read error other than io.EOF.
func (r *Reader) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

// Describe says what a line over the cap was, for a skip report: its
// length, the cap, and the start of line, the head Next returned.
func Describe(head []byte, length int64, max int) string {
	if max <= 0 {
		max = DefaultMax
	}
	return fmt.Sprintf("a line of %s bytes, over the %s limit (--max-line), begins %q", thousands(length), Size(int64(max)), head[:min(len(head), 40)])
}

// Size renders a byte count the way --max-line and --max-extract accept
// it: "64MiB", "1GiB", "1500B".
func Size(n int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}
