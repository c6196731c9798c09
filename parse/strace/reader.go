package strace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/lagtrace/lagtrace/internal/lines"
)

// ErrNotStrace is the error Err returns, wrapped as
// "NAME:LINE: not strace output: <quoted start of line>", when none of the
// first sniffLines non-blank lines of the input parses as strace output.
var ErrNotStrace = errors.New("not strace output")

// sniffLines is how many non-blank lines may fail to parse before the input
// is declared not to be strace output at all.
const sniffLines = 64

// DefaultMaxPending is how many unfinished calls the reader holds at once,
// waiting for their resumed lines, when Options.MaxPending is 0.
const DefaultMaxPending = 1 << 16

// maxTables bounds how many processes' descriptor tables are kept: past it,
// a new process's paths are not followed (Dropped.FdTables counts them).
const maxTables = 1 << 16

// maxFd bounds the fd tables: a descriptor above it is not tracked, so a
// hostile "close(2147483647)" cannot make the reader allocate gigabytes.
const maxFd = 1 << 16

// Options configure a Reader.
type Options struct {
	// Name is the file name used in error messages ("B.strace").
	Name string
	// PID is the process of unprefixed lines (as known from an -ff file
	// name); 0 means unknown, and the reader then learns it when it can.
	PID int
	// Date is the day the trace started, for -t/-tt clock stamps; when zero
	// Event.Time of a Clock trace counts from midnight.
	Date time.Time
	// MaxLine is the longest line read, in bytes (lines.DefaultMax when
	// 0); a longer line is counted in Skipped with its length.
	MaxLine int
	// MaxPending bounds the unfinished calls held for their resumed lines
	// (memory, when millions of processes each leave one); past it, an
	// unfinished line is delivered at once as Unfinished, its resumed
	// line later as a call without its start, and Dropped counts it.
	// 0 means DefaultMaxPending.
	MaxPending int
}

// Dropped counts what the reader stopped following to bound its memory.
// No line is lost: each is still delivered in some event.
type Dropped struct {
	// Unjoined is how many unfinished calls were delivered before their
	// resumed line came, because MaxPending calls were already waiting.
	Unjoined int
	// FdTables is how many times a process's descriptors could not be
	// followed because tables of maxTables processes were already kept:
	// its calls' Path is then only what -y printed.
	FdTables int
}

// Reader reads strace output one Event at a time.
type Reader struct {
	lr   *lines.Reader
	opts Options
	ev   Event
	err  error

	skips   Skips
	dropped Dropped

	timeKind  TimeKind
	timeKnown bool
	dateBase  int64 // Unix ns of Options.Date's midnight, or 0
	lastClock int64 // last clock stamp seen, ns since the first midnight
	dayOffset int64
	relSum    int64

	parsedAny     bool
	failedBefore  int // non-blank lines that failed before the first success
	firstLineNo   int
	firstLineText []byte

	unprefixedPID int
	prefixedFirst bool // a "[pid N]" or pid-column line came before any unprefixed one
	lastPID       int

	pending map[int]*pendingCall
	pool    []*pendingCall
	fds     map[int]*fdTable
	fdPool  []*fdTable

	split     []byte // start of a call line cut by a "strace: Process" notice
	splitLine int
	splitCont int // line the split call continued on, for the event
	hasSplit  bool

	held    []byte // a line to handle again after delivering an orphan
	heldNo  int
	hasHeld bool

	eof     bool
	flush   []*pendingCall // orphans left at EOF, in line order
	flushed *pendingCall   // the orphan delivered last, to recycle

	argsBuf []byte
	arena   []byte
	dirents []Dirent
	pathBuf []byte
}

// pendingCall is an "<unfinished ...>" line waiting for its resumed line.
type pendingCall struct {
	pid      int
	line     int
	contLine int
	text     []byte // name, then the args part, then comm
	nameEnd  int
	argsEnd  int
	hasComm  bool
	time     int64
	hasTime  bool
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opts Options) *Reader {
	rd := &Reader{
		lr:            lines.NewReader(r),
		opts:          opts,
		unprefixedPID: opts.PID,
		pending:       make(map[int]*pendingCall),
		fds:           make(map[int]*fdTable),
	}
	rd.lr.Max = opts.MaxLine
	if rd.opts.MaxPending <= 0 {
		rd.opts.MaxPending = DefaultMaxPending
	}
	if !opts.Date.IsZero() {
		y, m, d := opts.Date.Date()
		rd.dateBase = time.Date(y, m, d, 0, 0, 0, 0, opts.Date.Location()).UnixNano()
	}
	return rd
}

// Event returns the event Next found. It and everything it points to are
// valid only until the next call to Next.
func (r *Reader) Event() *Event { return &r.ev }

// Err returns the first read error, or an error wrapping ErrNotStrace.
func (r *Reader) Err() error { return r.err }

// Skipped counts the lines that could not be parsed so far.
func (r *Reader) Skipped() Skips { return r.skips }

// Dropped counts what the reader stopped following to bound its memory.
func (r *Reader) Dropped() Dropped { return r.dropped }

// TimeKind says what Event.Time counts from; it is decided by the first line
// with a stamp and is NoTime until then.
func (r *Reader) TimeKind() TimeKind { return r.timeKind }

// Next advances to the next event and reports whether there is one. It
// returns false at the end of the input or on an error (see Err).
func (r *Reader) Next() bool {
	if r.flushed != nil {
		r.release(r.flushed)
		r.flushed = nil
	}
	for {
		if r.err != nil {
			return false
		}
		if r.eof {
			return r.nextFlush()
		}
		var line []byte
		var n int
		if r.hasHeld {
			r.hasHeld = false
			line, n = r.held, r.heldNo
		} else {
			var ok bool
			line, ok = r.lr.Next()
			if !ok {
				if err := r.lr.Err(); err != nil {
					r.err = fmt.Errorf("%s:%d: %w", r.opts.Name, r.lr.Number()+1, err)
					return false
				}
				r.eof = true
				if !r.parsedAny && r.failedBefore > 0 {
					// A short file of which no line parsed is not a trace
					// with a few bad lines: it is not a trace at all.
					r.err = fmt.Errorf("%s:%d: %w: %q", r.opts.Name, r.firstLineNo, ErrNotStrace, r.firstLineText)
					return false
				}
				r.startFlush()
				continue
			}
			n = r.lr.Number()
			if r.lr.Long > 0 {
				r.skip([]byte(lines.Describe(line, r.lr.Long, r.opts.MaxLine)), n)
				continue
			}
		}
		if isBlank(line) {
			continue
		}
		if r.handle(line, n) {
			return true
		}
	}
}

// skip records a line that could not be parsed, and decides whether the
// input is strace output at all.
func (r *Reader) skip(line []byte, n int) {
	if r.skips.Count == 0 {
		r.skips.FirstLine = n
		r.skips.FirstText = string(line[:min(len(line), 200)])
	}
	r.skips.Count++
	if r.parsedAny {
		return
	}
	if r.failedBefore == 0 {
		r.firstLineNo = n
		r.firstLineText = append(r.firstLineText[:0], line[:min(len(line), 60)]...)
	}
	r.failedBefore++
	if r.failedBefore >= sniffLines {
		r.err = fmt.Errorf("%s:%d: %w: %q", r.opts.Name, r.firstLineNo, ErrNotStrace, r.firstLineText)
	}
}

// handle turns one non-blank line into an event, and reports whether the
// event is ready. A line whose PID has a call pending that it orphans is held
// back, the orphan is delivered, and the line is handled on the next call.
func (r *Reader) handle(line []byte, n int) bool {
	var p parsed
	if !parseLine(line, &p) {
		if r.hasSplit {
			// The rest of a call that strace's own notice interrupted.
			r.hasSplit = false
			r.split = append(r.split, line...)
			if parseLine(r.split, &p) && p.kind == Call {
				r.splitCont = n
				return r.handleParsed(&p, r.split, r.splitLine)
			}
		}
		if i := bytes.Index(line, []byte("strace: Process ")); i > 0 && parseLine(line[i:], &p) {
			// Writing to stderr, strace's "Process N attached" can land
			// in the middle of a call line, whose rest follows on the
			// next line:
			//   1795647018.442789 clone(child_stack=NULL, flags=...|SIGCHLDstrace: Process 8892 attached
			//   , child_tidptr=0x7f763ebeca10) = 8892
			r.split = append(r.split[:0], line[:i]...)
			r.splitLine = n
			r.hasSplit = true
			return r.handleParsed(&p, line, n)
		}
		r.skip(line, n)
		return false
	}
	r.hasSplit = false
	return r.handleParsed(&p, line, n)
}

// handleParsed turns a parsed line into an event; see handle.
func (r *Reader) handleParsed(pp *parsed, line []byte, n int) bool {
	p := *pp
	r.parsedAny = true

	pid := r.pidOf(&p)
	if p.process > 0 {
		// strace's notices name their process, whatever line they land on.
		pid = p.process
	}
	if p.kind != Stack && p.kind != Info {
		r.lastPID = pid
	}

	// A new line from a process with a call pending means the call will
	// not be resumed; strace's notices and -k frames say nothing about it,
	// except "Process N detached".
	orphans := p.kind == Call || p.kind == Signal || p.kind == Exit || p.detached > 0
	if pc, ok := r.pending[pid]; ok && orphans {
		resumes := p.resumed && string(p.name) == string(pc.text[:pc.nameEnd])
		if !resumes {
			delete(r.pending, pid)
			r.held = append(r.held[:0], line...)
			r.heldNo = n
			r.hasHeld = true
			r.orphan(pc)
			r.flushed = pc
			return true
		}
	}

	ev := &r.ev
	r.reset(ev)
	ev.Kind = p.kind
	ev.Line = n
	ev.ContLines[0] = r.splitCont
	r.splitCont = 0
	ev.PID = pid
	ev.Comm = p.comm
	stamp, hasStamp := r.stamp(&p)

	switch p.kind {
	case Stack, Info, Signal:
		ev.Time, ev.HasTime = stamp, hasStamp
		ev.Name = p.name
		if p.kind == Info && p.detached > 0 {
			r.dropPID(p.detached)
		}
		return true
	case Exit:
		ev.Time, ev.HasTime = stamp, hasStamp
		ev.ExitCode = p.exitCode
		ev.KilledBy = p.killedBy
		r.dropPID(pid)
		return true
	}

	// A system call.
	if p.unfinished {
		pc := r.acquire()
		pc.pid = pid
		pc.line = n
		pc.contLine = ev.ContLines[0]
		pc.text = append(pc.text[:0], p.name...)
		pc.nameEnd = len(pc.text)
		pc.text = append(pc.text, p.args...)
		pc.argsEnd = len(pc.text)
		pc.hasComm = p.comm != nil
		pc.text = append(pc.text, p.comm...)
		pc.time, pc.hasTime = stamp, hasStamp
		if len(r.pending) >= r.opts.MaxPending {
			// Too many calls wait already: this one is delivered now, as
			// if orphaned; its resumed line will come without its start.
			r.dropped.Unjoined++
			r.orphan(pc)
			r.flushed = pc
			return true
		}
		r.pending[pid] = pc
		return false
	}
	ev.Name = p.name
	ev.Ret = p.ret
	ev.Duration, ev.HasDuration = p.dur, p.hasDur
	if p.resumed {
		if pc, ok := r.pending[pid]; ok {
			delete(r.pending, pid)
			ev.Line = pc.line
			ev.ResumeLine = n
			ev.ContLines = [2]int{pc.contLine, ev.ContLines[0]}
			ev.Time, ev.HasTime = pc.time, pc.hasTime
			ev.Return, ev.HasReturn = stamp, hasStamp
			r.argsBuf = append(r.argsBuf[:0], pc.text[pc.nameEnd:pc.argsEnd]...)
			r.argsBuf = append(r.argsBuf, p.args...)
			ev.Args = r.argsBuf
			if ev.Comm == nil && pc.hasComm {
				ev.Comm = pc.text[pc.argsEnd:]
			}
			r.finishCall(ev)
			r.release(pc)
			return true
		}
		// Resumed without its start (the trace began mid-call): the
		// entry time is unknown.
		ev.ResumeLine = n
		ev.ContLines = [2]int{0, ev.ContLines[0]}
		ev.Return, ev.HasReturn = stamp, hasStamp
		ev.Args = p.args
		r.finishCall(ev)
		return true
	}
	ev.Time, ev.HasTime = stamp, hasStamp
	ev.Args = p.args
	r.finishCall(ev)
	return true
}

func (r *Reader) reset(ev *Event) {
	*ev = Event{Fd: -1, Dirents: ev.Dirents[:0]}
}

// orphan fills the event with a call whose resumed line never came.
func (r *Reader) orphan(pc *pendingCall) {
	ev := &r.ev
	r.reset(ev)
	ev.Kind = Call
	ev.Line = pc.line
	ev.ContLines[0] = pc.contLine
	ev.PID = pc.pid
	ev.Time, ev.HasTime = pc.time, pc.hasTime
	ev.Name = pc.text[:pc.nameEnd]
	ev.Args = pc.text[pc.nameEnd:pc.argsEnd]
	if pc.hasComm {
		ev.Comm = pc.text[pc.argsEnd:]
	}
	ev.Unfinished = true
	r.fillFd(ev)
}

func (r *Reader) startFlush() {
	r.flush = r.flush[:0]
	for _, pc := range r.pending {
		r.flush = append(r.flush, pc)
	}
	clear(r.pending)
	slices.SortFunc(r.flush, func(a, b *pendingCall) int { return a.line - b.line })
}

func (r *Reader) nextFlush() bool {
	if len(r.flush) == 0 {
		return false
	}
	pc := r.flush[0]
	r.flush = r.flush[1:]
	r.orphan(pc)
	r.flushed = pc
	return true
}

func (r *Reader) acquire() *pendingCall {
	if n := len(r.pool); n > 0 {
		pc := r.pool[n-1]
		r.pool = r.pool[:n-1]
		return pc
	}
	return new(pendingCall)
}

func (r *Reader) release(pc *pendingCall) {
	if len(r.pool) < 64 {
		r.pool = append(r.pool, pc)
	}
}

// pidOf decides the PID of a parsed line. Unprefixed lines belong to
// Options.PID; when that is unknown and strace switched from unprefixed to
// "[pid N]" lines (a second process attached while writing to stderr), the
// first PID seen that the unprefixed process did not create is taken to be
// the unprefixed one.
func (r *Reader) pidOf(p *parsed) int {
	if p.kind == Stack {
		return r.lastPID
	}
	if !p.hasPID {
		r.table(r.unprefixedPID, true)
		return r.unprefixedPID
	}
	if r.unprefixedPID == 0 && !r.prefixedFirst {
		if _, ok := r.fds[0]; !ok {
			// A prefixed line before any unprefixed one: not the shape
			// of strace -f writing to stderr, so nothing to learn.
			r.prefixedFirst = true
		} else {
			// While the unprefixed process is unknown, every PID seen is
			// remembered by its table; otherwise tables are made only for
			// processes that open something, so that millions of PIDs
			// doing nothing else cost nothing here.
			if _, known := r.fds[p.pid]; !known {
				r.learnUnprefixed(p.pid)
			}
			r.table(p.pid, true)
		}
	}
	return p.pid
}

// learnUnprefixed moves what was recorded under PID 0 to pid.
func (r *Reader) learnUnprefixed(pid int) {
	r.unprefixedPID = pid
	if t, ok := r.fds[0]; ok {
		delete(r.fds, 0)
		r.fds[pid] = t
	}
	if pc, ok := r.pending[0]; ok {
		delete(r.pending, 0)
		pc.pid = pid
		r.pending[pid] = pc
	}
}

// dropPID forgets a process that exited or was detached.
func (r *Reader) dropPID(pid int) {
	if t, ok := r.fds[pid]; ok {
		delete(r.fds, pid)
		t.reset()
		if len(r.fdPool) < 64 {
			r.fdPool = append(r.fdPool, t)
		}
	}
}

// stamp converts a line's timestamp to nanoseconds of r.timeKind.
func (r *Reader) stamp(p *parsed) (int64, bool) {
	if p.stampKind == NoTime {
		return 0, false
	}
	if !r.timeKnown {
		r.timeKnown = true
		r.timeKind = p.stampKind
	}
	if p.stampKind != r.timeKind {
		return 0, false
	}
	switch r.timeKind {
	case Epoch:
		return p.stamp, true
	case Relative:
		r.relSum += p.stamp
		return r.relSum, true
	case Clock:
		const day = int64(24 * time.Hour)
		t := p.stamp + r.dayOffset
		if t < r.lastClock-day/2 {
			r.dayOffset += day
			t += day
		}
		r.lastClock = t
		return r.dateBase + t, true
	}
	return 0, false
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// PIDFromName returns the PID an -ff output file is named after
// ("out.1234" gives 1234).
func PIDFromName(name string) (int, bool) {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if i == len(name) || i == 0 || name[i-1] != '.' || len(name)-i > 9 {
		return 0, false
	}
	n := 0
	for _, c := range name[i:] {
		n = n*10 + int(c-'0')
	}
	return n, n > 0
}

// Sniff reports whether head, the start of a file, looks like strace output:
// whether any of its first non-blank lines parses.
func Sniff(head []byte) bool {
	var p parsed
	tried := 0
	for len(head) > 0 && tried < sniffLines {
		line := head
		if i := indexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if isBlank(line) {
			continue
		}
		tried++
		if parseLine(trimCR(line), &p) {
			return true
		}
	}
	return false
}
