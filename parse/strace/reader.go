package strace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/paste"
)

// ErrNotStrace is the error Err returns, wrapped as
// "NAME:LINE: not strace output: <quoted start of line>", when the first
// sniffLines lines with text hold no strace output (neither a line strace
// writes nor a summary table), or the whole input holds none.
var ErrNotStrace = errors.New("not strace output")

// sniffLines is how many lines of text (prose, or lines that do not parse)
// may come before the first strace line before the input is declared not
// to be strace output at all: a ticket or a mail says a lot before it
// pastes the trace.
const sniffLines = 256

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
//
// It reads through the paste layer (internal/paste), which removes mail
// quoting, indentation, fences and prompts. Every input line ends in
// exactly one of: a line used (events, blank lines, decorations, summary
// tables), a continuation joined to the line before it (Paste().Wrap), a
// line of no strace text (Paste().Prose: prose between the pasted blocks,
// "# ..." or "//" annotations, "..." where lines were left out), or a
// skipped line (Skipped: it looks like strace and does not parse).
type Reader struct {
	src  *paste.Reader
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
	failedBefore  int // lines of text before the first strace line
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

	// The unit being read: the text of one input line, with the lines
	// that a mailer or terminal cut from it joined on. A unit holds one
	// call, or several when a mailer refilled them into one paragraph.
	unit    []byte
	unitBuf []byte // owns unit once lines are joined to it
	owned   bool   // unit is in unitBuf
	off     int    // how much of unit has been read
	unitNum int
	col     int // input column where unit begins (what the paste layer and quote marks took)
	parts   []part
	inUnit  bool
	outcome outcome
	// inTrace says a strace line came since the last fence or command
	// prompt (annotations and prose between calls do not end a trace): a
	// call-like line that does not parse is then a skipped line, not
	// prose.
	inTrace bool
	// pasted says the text shows signs of pasting (quoting, indentation,
	// fences, prompts, prose, cut lines): only then may a mailer have run
	// calls into one line.
	pasted bool
	// used counts the lines used; with Paste's Wrap and Prose and
	// Skipped it accounts for every line read.
	used int
	// quote counts lines whose quote marks after indentation this
	// reader removed ("     > getdents64(...)"), which the paste layer
	// cannot tell from -k frames.
	quote   paste.Tally
	summary table

	eof     bool
	flush   []*pendingCall // orphans left at EOF, in line order
	flushed *pendingCall   // the orphan delivered last, to recycle

	argsBuf []byte
	arena   []byte
	dirents []Dirent
	pathBuf []byte
}

// part says that the joined line num begins at offset off of the unit.
type part struct{ off, num int }

// outcome is how the current unit is accounted for.
type outcome uint8

const (
	unitUsed outcome = iota
	unitProse
	unitSkipped
)

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
		src:           paste.NewReader(r),
		opts:          opts,
		unprefixedPID: opts.PID,
		pending:       make(map[int]*pendingCall),
		fds:           make(map[int]*fdTable),
	}
	rd.src.SetMaxLine(opts.MaxLine)
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

// Paste says which paste decorations (mail quoting, indentation, fences,
// prompts, lines cut by a mailer) were removed, and counts the lines that
// were no strace text at all (prose between the pasted blocks,
// annotations).
func (r *Reader) Paste() paste.Report {
	rep := r.src.Report()
	if q := r.quote; q.Count > 0 {
		if rep.Quote.Count == 0 || q.FirstLine < rep.Quote.FirstLine {
			rep.Quote.FirstLine, rep.Quote.FirstText = q.FirstLine, q.FirstText
		}
		rep.Quote.Count += q.Count
	}
	return rep
}

// Summaries counts the strace -c summary tables read.
func (r *Reader) Summaries() Summaries { return r.summary.sums }

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
		if r.hasHeld {
			r.hasHeld = false
			var p parsed
			parseLine(r.held, &p)
			if r.handleParsed(&p, r.held, r.heldNo) {
				return true
			}
			continue
		}
		if (!r.inUnit || r.off >= len(r.unit)) && !r.nextUnit() {
			continue
		}
		if r.piece() {
			return true
		}
	}
}

// nextUnit reads the next input line and reports whether it holds text to
// read; the others (blank lines, fences, prompts, lines over MaxLine) are
// accounted for here.
func (r *Reader) nextUnit() bool {
	r.endUnit()
	if !r.src.Next() {
		if err := r.src.Err(); err != nil {
			r.err = fmt.Errorf("%s:%d: %w", r.opts.Name, r.src.Number()+1, err)
			return false
		}
		r.eof = true
		if !r.parsedAny && r.failedBefore > 0 {
			// A short file with no strace line is not a trace with a few
			// bad lines: it is not a trace at all.
			r.err = r.notStrace()
			return false
		}
		r.startFlush()
		return false
	}
	l := r.src.Line()
	if l.Long > 0 {
		r.skip([]byte(lines.Describe(l.Text, l.Long, r.opts.MaxLine)), l.Num)
		return false
	}
	switch l.Kind {
	case paste.Blank:
		r.used++
		r.summary.end()
		return false
	case paste.Fence:
		r.used++
		r.summary.end()
		r.inTrace, r.pasted = false, true
		return false
	case paste.Prompt:
		r.pasted = true
		r.prompt(l)
		return false
	}
	t := l.Text
	if t[0] == '>' && !isStackFrame(t) {
		// Quote marks after indentation: Gnus's "     > ", or a reply
		// quoting them again ("> " then "    >> ").
		t, _ = unquoteMarks(t)
		r.pasted = true
		if l.Quote == 0 {
			tally(&r.quote, l.Num, l.Text)
		}
	}
	if isBlank(t) {
		// A quote mark alone (" >"), or white space the paste layer
		// kept ("\v").
		r.used++
		return false
	}
	if l.Quote > 0 || l.Indent > 1 || l.Indent == 1 && t[0] != '>' && t[0] != '<' {
		// Not strace's own indentation: a -k frame's " > ", the
		// " <unfinished ...>" after a notice.
		r.pasted = true
	}
	r.inUnit, r.outcome = true, unitUsed
	r.unit, r.owned, r.off, r.unitNum = t, false, 0, l.Num
	r.col = l.Indent + len(l.Text) - len(t)
	r.parts = r.parts[:0]
	return true
}

// endUnit accounts for the unit just read.
func (r *Reader) endUnit() {
	if r.inUnit && r.outcome == unitUsed {
		r.used++
	}
	r.inUnit = false
}

// prompt reads a prompt line: a command (used, and read for what it says
// of the trace), or a "# " comment.
func (r *Reader) prompt(l *paste.Line) {
	r.summary.end()
	if l.Text[0] == '#' && !isCommand(l.Command) {
		// "# , = readdirplus": an annotation between the lines.
		r.src.Prose()
		r.notYet(l.Num, l.Text)
		return
	}
	r.inTrace = false
	r.used++
	if pid, ok := attachedPID(l.Command); ok && !r.parsedAny && r.unprefixedPID == 0 {
		r.unprefixedPID = pid
	}
}

// attachedPID returns the process of "strace -p PID ..." (one process),
// which the lines without a PID prefix belong to.
func attachedPID(cmd []byte) (int, bool) {
	f := bytes.Fields(cmd)
	i := slices.IndexFunc(f, func(w []byte) bool { return string(w) == "strace" || bytes.HasSuffix(w, []byte("/strace")) })
	if i < 0 {
		return 0, false
	}
	pid, found := 0, 0
	for j := i + 1; j < len(f); j++ {
		var v []byte
		switch w := f[j]; {
		case string(w) == "-p" || string(w) == "--attach":
			if j+1 < len(f) {
				j++
				v = f[j]
			}
		case bytes.HasPrefix(w, []byte("--attach=")):
			v = w[len("--attach="):]
		case bytes.HasPrefix(w, []byte("-p")):
			v = w[2:]
		default:
			continue
		}
		n, m := parseUint(v)
		if m == 0 || m != len(v) || n == 0 || n > 1<<22 {
			return 0, false // "-p 1,2", "-p $(pidof x)": not one process
		}
		pid, found = int(n), found+1
	}
	return pid, found == 1
}

// piece reads the next call (or line) of the unit, and reports whether an
// event is ready.
func (r *Reader) piece() bool {
	start := r.off
	if start > 0 {
		// The rest of a line a refill ran calls together on.
		start = skipGap(r.unit, start)
		if start >= len(r.unit) {
			r.off = len(r.unit)
			return false
		}
	} else if r.summary.active() || r.summary.header || (r.unit[0] == '%' || r.unit[0] == 's') && isHeader(r.unit) {
		if row, ok := r.tableLine(); ok {
			r.off = len(r.unit)
			return row
		}
	}
	n := r.lineAt(start)
	s := r.first(r.unit[start:])
	var p parsed
	ok := parseLine(s, &p)
	if !ok && start == 0 && len(s) == len(r.unit) {
		if done, handled := r.notice(s, n); handled {
			r.off = len(r.unit)
			return done
		}
	}
	// A line cut inside the call, or inside its return value's
	// parentheses ("= -1 ENXIO (No such device or").
	if (!ok || p.kind == Call && len(s) == len(r.unit)-start && retOpen(p.ret)) && r.join(start) {
		s = r.first(r.unit[start:])
		ok = parseLine(s, &p)
	}
	if !ok {
		r.fail(r.unit[start:], n, start)
		r.off = len(r.unit)
		return false
	}
	r.hasSplit = false
	r.off = start + len(s)
	r.inTrace = true
	return r.handleParsed(&p, s, n)
}

// first returns the first call of s, when s is pasted text in which a
// mailer's refill may have run calls into one line; s otherwise (strace
// writes one call a line).
func (r *Reader) first(s []byte) []byte {
	if !r.pasted {
		return s
	}
	args, _, ok := callStart(s)
	if !ok {
		return s
	}
	return s[:callEnd(s, args)]
}

// notice reads a line that strace's own notice cut, and its continuation:
//
//	1795647018.442789 clone(child_stack=NULL, flags=...|SIGCHLDstrace: Process 8892 attached
//	, child_tidptr=0x7f763ebeca10) = 8892
//
// Writing to stderr, strace's "Process N attached" can land in the middle
// of a call line, whose rest follows on the next line. handled says the
// line was read so; done that an event is ready.
func (r *Reader) notice(s []byte, n int) (done, handled bool) {
	var p parsed
	if r.hasSplit {
		r.hasSplit = false
		if bytes.HasPrefix(s, unfinishedMark[1:]) {
			// " <unfinished ...>", whose space the paste layer took
			// for indentation.
			r.split = append(r.split, ' ')
		}
		r.split = append(r.split, s...)
		if parseLine(r.split, &p) && p.kind == Call {
			r.splitCont = n
			r.inTrace = true
			return r.handleParsed(&p, r.split, r.splitLine), true
		}
	}
	if i := bytes.Index(s, []byte("strace: Process ")); i > 0 && parseLine(s[i:], &p) {
		r.split = append(r.split[:0], s[:i]...)
		r.splitLine = n
		r.hasSplit = true
		r.inTrace = true
		return r.handleParsed(&p, s[i:], n), true
	}
	return false, false
}

// join joins to the call that begins at start of the unit the lines that
// continue it, while it is cut; it reports whether it joined any.
func (r *Reader) join(start int) bool {
	args, _, ok := callStart(r.unit[start:])
	if !ok {
		return false
	}
	st := stateOf(r.unit[start:], args)
	limit := r.opts.MaxLine
	if limit <= 0 {
		limit = lines.DefaultMax
	}
	joined := false
	for k := 0; k < maxJoins && st.open() && len(r.unit) < limit; k++ {
		if !r.owned {
			// Reading ahead reuses the buffer the unit is in.
			r.unitBuf = append(r.unitBuf[:0], r.unit...)
			r.unit, r.owned = r.unitBuf, true
		}
		if !r.src.Join(func(next, j []byte) bool { return r.accept(&st, start, next, j) }) {
			break
		}
		joined = true
	}
	return joined
}

// accept decides a join the paste layer offers (see paste.Reader.Join):
// next must not parse alone nor begin a line of its own, joined must be
// the variant with the separator sepFor asks for, and the join must be a
// call still open or one that parses.
func (r *Reader) accept(st *callState, start int, next, joined []byte) bool {
	delta := len(joined) - len(r.src.Line().Text) - len(next)
	if len(next) > 0 && next[0] == '>' && !isStackFrame(next) {
		next, _ = unquoteMarks(next)
	}
	var p parsed
	if len(next) == 0 || parseLine(next, &p) || startsLine(next) {
		return false
	}
	sep := sepFor(st, r.unit[start:], next)
	if delta != sep {
		return false
	}
	c := *st
	base := len(r.unit)
	buf := r.unitBuf[:base]
	if sep == 1 {
		buf = append(buf, ' ')
	}
	buf = append(buf, next...)
	r.unitBuf = buf
	c.feed(buf[base:])
	// Only a call that closed is parsed: each join costs its own bytes.
	if !c.open() && !parseLine(buf[start:], &p) {
		return false
	}
	*st = c
	r.unit = buf
	r.parts = append(r.parts, part{off: base + sep, num: r.src.Number()})
	r.pasted = true
	return true
}

// lineAt is the input line that offset off of the unit is on.
func (r *Reader) lineAt(off int) int {
	n := r.unitNum
	for _, p := range r.parts {
		if p.off > off {
			break
		}
		n = p.num
	}
	return n
}

// fail accounts for a piece that does not parse: a skipped line when it
// looks like strace text (a prefix of strace's, a call-like start inside
// a trace, binary bytes, or the rest of a line whose start parsed), prose
// otherwise.
func (r *Reader) fail(s []byte, n, start int) {
	if start > 0 || hasControl(s) || r.looksStrace(s) {
		r.skip(s, n)
		return
	}
	r.outcome = unitProse
	r.pasted = true
	r.src.Prose()
	r.notYet(n, s)
}

// looksStrace reports whether s, which does not parse, is strace text
// damaged all the same: a stamp or "[pid N]" begins it, or a PID column
// and a call, or a call inside a trace.
func (r *Reader) looksStrace(s []byte) bool {
	var p parsed
	rest, ok := parsePrefix(s, &p)
	switch {
	case !ok || p.stampKind != NoTime || bytes.HasPrefix(s, []byte("[pid ")):
		return true
	case p.hasPID:
		return startsLine(rest)
	}
	return r.inTrace && startsLine(rest)
}

// tableLine reads the unit as a line of an strace -c summary table.
func (r *Reader) tableLine() (row, ok bool) {
	ev := &r.ev
	r.reset(ev)
	row, ok = r.summary.line(r.unit, r.col, r.unitNum, ev)
	if !ok {
		return false, false
	}
	if r.summary.active() {
		r.parsedAny, r.inTrace = true, true
	}
	if row {
		ev.Kind = Summary
		ev.Line = r.unitNum
	}
	return row, true
}

// skip records a line that could not be parsed.
func (r *Reader) skip(line []byte, n int) {
	if r.skips.Count == 0 {
		r.skips.FirstLine = n
		r.skips.FirstText = string(line[:min(len(line), 200)])
	}
	r.skips.Count++
	r.outcome = unitSkipped
	r.notYet(n, line)
}

// notYet counts a line of no strace text before the first strace line, and
// decides whether the input is strace output at all.
func (r *Reader) notYet(n int, line []byte) {
	if r.parsedAny {
		return
	}
	if r.failedBefore == 0 {
		r.firstLineNo = n
		r.firstLineText = append(r.firstLineText[:0], line[:min(len(line), 60)]...)
	}
	r.failedBefore++
	if r.failedBefore >= sniffLines {
		r.err = r.notStrace()
	}
}

func (r *Reader) notStrace() error {
	return fmt.Errorf("%s:%d: %w: %q", r.opts.Name, r.firstLineNo, ErrNotStrace, r.firstLineText)
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
// whether the Reader finds an event in it (a line strace writes, or an
// strace -c summary table) before sniffLines lines of other text. Pasted
// traces (mail-quoted, fenced, wrapped) are read as the Reader reads them.
func Sniff(head []byte) bool {
	return NewReader(bytes.NewReader(head), Options{}).Next()
}

// tally counts a line in t, as the paste layer counts its decorations.
func tally(t *paste.Tally, n int, text []byte) {
	if t.Count == 0 {
		t.FirstLine = n
		t.FirstText = string(text[:min(len(text), 120)])
	}
	t.Count++
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
