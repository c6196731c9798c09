package procstack

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/paste"
)

// ErrFormat is wrapped by the error a Reader returns when its input is not
// /proc/PID/stack text at all.
var ErrFormat = errors.New("not /proc/PID/stack text")

// Options configure a Reader.
type Options struct {
	// Name labels errors, and a raw snapshot without headers takes its PID
	// from it when PID is zero and the name is a PID (see PIDFromName).
	Name string
	// PID is the task of frames that no header names; 0 for none.
	PID int
	// MaxLine is the longest line read, in bytes (lines.DefaultMax when
	// 0); a longer line is counted in Skipped with its length.
	MaxLine int
}

// Frame is one line of a stack, innermost first.
type Frame struct {
	// Func is the symbol ("iterate_dir"), or the raw "0x..." text the
	// kernel prints when it cannot resolve one.
	Func string
	// Offset and Size are the "+0x86/0x2a0" after the symbol.
	Offset, Size uint64
	// Module is the "[sunrpc]" suffix without brackets (and without a
	// build ID the kernel may print after it); empty for the core kernel.
	Module string
	// Addr is the return address older kernels print; 0 when hidden.
	Addr uint64
	// Line is the 1-based input line.
	Line int
}

// Sample is one snapshot of one task's stack.
type Sample struct {
	// PID is the task the stack belongs to, numbered as the kernel numbers
	// tasks: for a thread it is the thread's ID (the TID of a
	// "/proc/TGID/task/TID/stack" or "TGID[TID]/stack" header), as in a
	// hung-task report or a crash backtrace.
	PID int
	// HasPID is false when nothing in the input names the task: PID is
	// then 0, which is never a task's PID here, and the sample is named by
	// its place (Line, its first frame's line).
	HasPID bool
	// TGID is the process (thread group) when a header names both it and
	// the thread; 0 otherwise.
	TGID int
	// Comm and State are what a ps line (or a header's annotation) said:
	// the name (or, from ps aux, the whole command) and the STAT column
	// ("D", "S+").
	Comm, State string
	// Time is the last time stamp seen before the sample, in nanoseconds
	// since the Unix epoch; HasTime is false when there was none.
	Time    int64
	HasTime bool
	Frames  []Frame
	// Line is the 1-based line where the sample starts: the header that
	// names its task, or its first frame when no header named it.
	Line int
}

// Clone returns a copy of s that stays valid after the Reader moves on.
func (s *Sample) Clone() *Sample {
	c := *s
	c.Frames = append([]Frame(nil), s.Frames...)
	return &c
}

// Skips counts lines the reader could not parse and locates the first.
type Skips struct {
	Count int
	// FirstLine is the 1-based line number of the first skipped line;
	// FirstText is its start, at most 200 bytes, as read.
	FirstLine int
	FirstText string
}

// maxProbe is how many non-blank lines may pass without a single frame
// before the reader decides the input is something else (as the kernel
// log reader does).
const maxProbe = 256

// maxIntern bounds the table of symbol and module names, and maxRows the
// table of ps rows, so that a stream of distinct names or tasks cannot
// grow memory without limit.
const (
	maxIntern = 1 << 14
	maxRows   = 1 << 16
)

// context says what the lines being read are the text of.
type context uint8

const (
	// ctxStacks: stack text, headers and ps rows.
	ctxStacks context = iota
	// ctxOther: the output of a command that reads no stack, or a file
	// under a tail header that is not a stack: only a frame, a prompt, a
	// fence, a header or a blank line ends it; the rest is prose.
	ctxOther
)

// Reader reads Samples from text. The Sample returned by Sample and its
// Frames are reused: they are valid until the next call to Next.
type Reader struct {
	src  *paste.Reader
	opts Options
	// defPID is the task of stacks no header names (Options.PID, or the
	// file name's PID).
	defPID int

	cur     Sample
	pending header // task named by the last header, for the next sample
	hasHdr  bool
	open    bool // cur has started (has frames)
	bottom  bool // the last frame ended a stack
	time    int64
	hasTime bool
	out     Sample // the sample handed to the caller

	ctx  context
	cols columns       // of the ps header row above, until a blank line
	rows map[int]psRow // ps rows by PID, for headers that give a PID only

	frames   int // frames seen so far
	nonBlank int
	firstNB  int
	firstTxt string
	// used counts lines used (frames, headers, time stamps, blank, fence
	// and prompt lines); with Paste's Prose and Wrap counts and Skipped
	// it accounts for every line read.
	used   int
	skips  Skips
	err    error
	done   bool
	intern map[string]string
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opts Options) *Reader {
	src := paste.NewReader(r)
	src.SetMaxLine(opts.MaxLine)
	rd := &Reader{
		src:    src,
		opts:   opts,
		defPID: opts.PID,
		rows:   make(map[int]psRow),
		intern: make(map[string]string),
	}
	if rd.defPID == 0 {
		rd.defPID, _ = PIDFromName(opts.Name)
	}
	return rd
}

// Sample returns the sample the last successful Next read.
func (r *Reader) Sample() *Sample { return &r.out }

// Err returns the first error: reading, or ErrFormat (wrapped, with the
// file name and line) when the input holds no stack.
func (r *Reader) Err() error { return r.err }

// Skipped reports the lines inside stacks that could not be parsed.
func (r *Reader) Skipped() Skips { return r.skips }

// Paste says which paste decorations (mail quoting, indentation, fences,
// prompts, cut lines) were removed, and counts the lines that were no
// stack text at all.
func (r *Reader) Paste() paste.Report { return r.src.Report() }

// Next advances to the next sample and reports whether there is one.
func (r *Reader) Next() bool {
	if r.done {
		return false
	}
	for r.src.Next() {
		if r.line(r.src.Line()) {
			return true
		}
		if r.err != nil {
			r.done = true
			return false
		}
	}
	r.done = true
	if err := r.src.Err(); err != nil {
		r.err = fmt.Errorf("%s:%d: %w", r.name(), r.src.Number(), err)
		return false
	}
	if r.frames == 0 && r.nonBlank > 0 {
		r.formatError(r.firstNB, r.firstTxt)
		return false
	}
	return r.emit()
}

func (r *Reader) name() string {
	if r.opts.Name == "" {
		return "<input>"
	}
	return r.opts.Name
}

func (r *Reader) formatError(n int, text string) {
	r.err = fmt.Errorf("%s:%d: %w: %q", r.name(), n, ErrFormat, text)
}

// emit moves cur to out if it holds frames and reports whether it did.
func (r *Reader) emit() bool {
	if !r.open {
		return false
	}
	r.out, r.cur = r.cur, r.out
	r.cur.Frames = r.cur.Frames[:0]
	r.open = false
	r.bottom = false
	return true
}

// line consumes one line; it reports true when a sample is complete in
// r.out. Every line ends in exactly one of r.used, the paste Report's
// Prose, or r.skips.
func (r *Reader) line(l *paste.Line) bool {
	if l.Long > 0 {
		r.skip(l.Num, lines.Describe(l.Text, l.Long, r.opts.MaxLine))
		return false
	}
	t := strings.TrimRight(unsafeString(l.Text), " \t\r\v\f")
	kind := l.Kind
	if t == "" && kind == paste.Text {
		// Only white space the paste layer kept ("\v", "\f").
		kind = paste.Blank
	}
	switch kind {
	case paste.Blank:
		r.used++
		r.cols = columns{}
		r.ctx = ctxStacks
		return r.emit()
	case paste.Fence:
		r.used++
		r.cols = columns{}
		r.ctx = ctxStacks
		return r.emit()
	}
	r.nonBlank++
	if r.nonBlank == 1 {
		r.firstNB, r.firstTxt = l.Num, clip(t)
	}
	if l.Kind == paste.Prompt {
		r.used++
		return r.prompt(unsafeString(l.Command), l.Num)
	}
	return r.text(t, l.Num)
}

// prompt starts the output of a shell command: a header when it reads a
// stack, stack text when it lists tasks or dates the samples, the text of
// something else otherwise.
func (r *Reader) prompt(cmd string, n int) bool {
	done := r.emit()
	r.cols = columns{}
	r.hasHdr = false
	h, what := commandHeader(cmd)
	switch what {
	case readsStack:
		h.line = n
		r.setHeader(h)
		r.ctx = ctxStacks
	case listsTasks:
		r.ctx = ctxStacks
	default:
		r.ctx = ctxOther
	}
	return done
}

// text consumes a line of text.
func (r *Reader) text(t string, n int) bool {
	if i := strings.Index(t, "[<"); i >= 0 {
		if i == 0 {
			return r.frame(t, n, true)
		}
		if p, ok := framePrefix(t[:i]); ok {
			done := false
			if p.hasPID {
				if r.open && (r.cur.PID != p.pid || !r.cur.HasPID) {
					done = r.emit()
				}
				p.line = n
				r.setHeader(p)
			}
			return r.frame(t[i:], n, false) || done
		}
	}
	if r.frames == 0 && r.nonBlank > maxProbe {
		r.formatError(r.firstNB, r.firstTxt)
		return false
	}
	if h, isStack, ok := parseTail(t, r.str); ok {
		r.used++
		done := r.emit()
		r.cols = columns{}
		r.hasHdr = false
		r.ctx = ctxOther
		if isStack {
			h.line = n
			r.setHeader(h)
			r.ctx = ctxStacks
		}
		return done
	}
	if h, ok := parsePath(t); ok {
		r.used++
		h.line = n
		done := r.emit()
		r.setHeader(h)
		r.ctx = ctxStacks
		return done
	}
	if r.ctx == ctxOther {
		r.src.Prose()
		return false
	}
	return r.stackText(t, n)
}

// stackText consumes a line of stack text that is not a frame: a header,
// a time stamp, a ps line, or prose.
func (r *Reader) stackText(t string, n int) bool {
	if h, ok := parsePIDLine(t); ok {
		return r.header(h, n)
	}
	if ns, ok := parseTime(t); ok {
		r.used++
		done := r.emit()
		r.time, r.hasTime = ns, true
		return done
	}
	if c, ok := parseColumns(t); ok {
		r.used++
		r.cols = c
		return false
	}
	if row, ok := r.psRow(t); ok {
		if len(r.rows) < maxRows {
			r.rows[row.pid] = row
		}
		return r.header(row.header(), n)
	}
	if r.open && !r.bottom && !isLabel(t) {
		// Inside a stack, a line that is none of the above is a frame
		// that did not parse.
		r.skip(n, t)
		return false
	}
	r.src.Prose()
	return false
}

// header starts the task a header line names.
func (r *Reader) header(h header, n int) bool {
	r.used++
	h.line = n
	done := r.emit()
	r.setHeader(h)
	return done
}

// setHeader makes h the task of the next stack; a header that gives only
// a PID takes the Comm and State of that PID's ps row, if one was read.
func (r *Reader) setHeader(h header) {
	if h.hasPID && h.comm == "" && h.state == "" {
		if row, ok := r.rows[h.pid]; ok {
			h.comm, h.state = row.comm, row.state
		}
	}
	r.pending, r.hasHdr = h, true
}

func (r *Reader) skip(n int, t string) {
	r.skips.Count++
	if r.skips.Count == 1 {
		r.skips.FirstLine, r.skips.FirstText = n, clip(t)
	}
}

// frame parses a frame line; it reports true when the frame ended or
// started a sample and so completed one.
// bare says the line is the frame alone, with no prefix, and so may be
// joined with the next when a mailer cut it.
func (r *Reader) frame(t string, n int, bare bool) bool {
	f, ok := parseFrame(t, r.str)
	if !ok && bare {
		// t may go stale as the join looks ahead: the paste reader keeps
		// the line, joined or not.
		joined := r.joinFrame()
		t = strings.TrimRight(unsafeString(r.src.Line().Text), " \t\r")
		if joined {
			f, ok = parseFrame(t, r.str)
		}
	}
	if !ok {
		r.skip(n, t)
		return false
	}
	r.used++
	r.frames++
	r.ctx = ctxStacks
	if f.Func == "" {
		// The ULONG_MAX terminator of old kernels: the stack ends here.
		return r.emit()
	}
	done := false
	if r.open && r.bottom && !isBottom(f.Func) {
		done = r.emit()
	}
	if !r.open {
		r.start(n)
	}
	f.Line = n
	r.cur.Frames = append(r.cur.Frames, f)
	r.bottom = isBottom(f.Func)
	return done
}

// joinFrame re-joins a frame line a mailer or terminal cut
// ("[<ffffffffa06dd166>]", then "nfs4_call_sync_sequence+0x56/0x80
// [nfsv4]"): the next line must not be a frame of its own, and the join
// must parse.
func (r *Reader) joinFrame() bool {
	id := func(s string) string { return s }
	return r.src.Join(func(next, joined []byte) bool {
		if strings.Contains(unsafeString(next), "[<") {
			return false
		}
		_, ok := parseFrame(strings.TrimRight(unsafeString(joined), " \t\r"), id)
		return ok
	})
}

func (r *Reader) start(n int) {
	c := &r.cur
	c.Frames = c.Frames[:0]
	c.Time, c.HasTime = r.time, r.hasTime
	switch {
	case r.hasHdr:
		h := r.pending
		c.PID, c.HasPID, c.TGID, c.Comm, c.State, c.Line = h.pid, h.hasPID, h.tgid, h.comm, h.state, h.line
		r.hasHdr = false
		if !h.hasPID {
			c.Line = n
		}
	case r.defPID != 0:
		c.PID, c.HasPID, c.TGID, c.Comm, c.State, c.Line = r.defPID, true, 0, "", "", n
	default:
		c.PID, c.HasPID, c.TGID, c.Comm, c.State, c.Line = 0, false, 0, "", "", n
	}
	r.open = true
}

// str interns b, so the names repeated in every sample (symbols,
// modules, ps names and states) cost one allocation each.
func (r *Reader) str(b string) string {
	if s, ok := r.intern[b]; ok {
		return s
	}
	s := strings.Clone(b)
	if len(r.intern) < maxIntern {
		r.intern[s] = s
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// atoi parses a non-negative decimal of at most 18 digits.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func clip(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.Clone(s)
}

// unsafeString views a line without copying it; every string kept past
// the line's lifetime is cloned (str, clip).
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
