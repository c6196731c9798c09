package dmesg

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/paste"
)

// ErrNotKernelLog is wrapped in a *FormatError when the input does not
// look like a kernel log.
var ErrNotKernelLog = errors.New("not a kernel log")

// FormatError locates why the input was refused.
type FormatError struct {
	File string
	Line int
	Err  error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Options configure a Reader.
type Options struct {
	// Name labels errors ("B-dmesg.txt"); "-" or "" reads as "input".
	Name string
	// Year is given to syslog stamps, which carry none.
	Year int
	// MaxLine is the longest line read, in bytes (lines.DefaultMax when
	// 0); a longer line is counted in Skipped with its length.
	MaxLine int
	// Reuse lets Next reuse the memory of the record it returned before
	// (its stack's frames) for the records after it: the caller keeps
	// nothing of a Record past the next call to Next. A log that repeats
	// its reports for days then reads in the memory of a few.
	Reuse bool
}

const (
	// sniffLines is how far the reader looks for a kernel-log line before
	// it refuses the input.
	sniffLines = 256
	// noiseWindow is how many unrelated lines in a row a report tolerates
	// before it is taken to have ended at its last line.
	noiseWindow = 8
	// otherCallerWindow is the same for lines of other printk callers.
	otherCallerWindow = 4096
	maxFrames         = 1024
	maxFree           = 8
	maxLocks          = 1024
)

// Reader reads records from a kernel log.
type Reader struct {
	src  *paste.Reader
	opts Options

	queue []*Record
	rec   *Record
	// cur is the record being built from the current printk caller's
	// lines; parked are those of other callers, whose lines interleave
	// with cur's on a console (at most maxParked).
	cur    *build
	parked []*build
	// expectTask is set after lines that announce task dumps in the old
	// format (SysRq-w), so that a bare task line starts a record.
	expectTask int
	// block says the current line begins a block of text (it follows a
	// blank line, a fence, a prompt or prose, or begins the input), where
	// a bare stack is a task of its own; prose says the current line was
	// counted as prose; text that a text line came before it.
	block, prose, text bool

	// warning is the last lockdep WARNING title, at warningLine, for the
	// warning record that follows it.
	warning     []byte
	warningLine int

	// syms holds the names of the frames read, shared by every stack.
	syms symbols
	// free holds the frames of records the caller is done with (see
	// Options.Reuse), for the stacks to come.
	free [][]Frame
	// arena is the unused part of the block stacks' frames are cut from.
	arena []Frame

	kernelSeen bool
	err        error
	skips      Skips
	n          int
	p          prefix
}

// build is a record being read.
type build struct {
	rec *Record
	// caller is the printk caller id of its first line, if any.
	caller []byte
	// frames says the stack has begun; pendArm is an ARM32 "from"
	// frame waiting for the next line or the end of the stack.
	frames  bool
	pendArm Frame
	hasArm  bool
	// ctx is the interrupt context the stack is in, NoContext for the
	// task's own frames.
	ctx Context
	// symDup says the last frame came from a 2.6.0 "[sym+157/342]" line,
	// which the next line prints again with its address.
	symDup bool
	// words says the last line of the record was stack words or
	// registers, which a mailer may have cut.
	words bool
	// pending counts unrelated lines since the last line of this record;
	// other, lines of other callers.
	pending, other int
}

// maxParked bounds the records of other printk callers kept open.
const maxParked = 8

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opts Options) *Reader {
	if opts.Name == "" || opts.Name == "-" {
		opts.Name = "input"
	}
	src := paste.NewReader(r)
	src.SetMaxLine(opts.MaxLine)
	return &Reader{src: src, opts: opts, block: true, syms: symbols{}}
}

// Next advances to the next record; it returns false at the end of the
// input or on an error (see Err).
func (r *Reader) Next() bool {
	if r.opts.Reuse && r.rec != nil && r.rec.Task != nil && cap(r.rec.Task.Frames) > 0 && len(r.free) < maxFree {
		r.free = append(r.free, r.rec.Task.Frames[:0])
	}
	r.rec = nil
	for len(r.queue) == 0 {
		if r.err != nil {
			return false
		}
		if !r.src.Next() {
			r.finishAll()
			if err := r.src.Err(); err != nil {
				r.err = fmt.Errorf("%s:%d: %w", r.opts.Name, r.n+1, err)
			} else if !r.kernelSeen && r.n > 0 {
				r.err = &FormatError{File: r.opts.Name, Line: 1, Err: fmt.Errorf("%w: no kernel timestamp, kernel syslog line or kernel report in %d lines", ErrNotKernelLog, r.n)}
			}
			if len(r.queue) == 0 {
				if r.err == nil {
					r.err = io.EOF
				}
				return false
			}
			break
		}
		l := r.src.Line()
		r.n = l.Num
		if l.Long > 0 {
			r.skip([]byte(lines.Describe(l.Text, l.Long, r.opts.MaxLine)))
			continue
		}
		switch l.Kind {
		case paste.Fence, paste.Prompt:
			// A pasted block, or the output of a command, ends here.
			r.finishAll()
			r.block = true
		case paste.Blank:
			r.line(nil)
			r.block = true
		default:
			r.prose = false
			r.line(l.Text)
			r.block, r.text = r.prose, true
		}
	}
	r.rec = r.queue[0]
	r.queue[0] = nil
	r.queue = r.queue[1:]
	if len(r.queue) == 0 {
		r.queue = r.queue[:0:0]
	}
	return true
}

// Record returns the record Next advanced to. It is not reused.
func (r *Reader) Record() *Record { return r.rec }

// Err returns the error that stopped Next: a read error wrapped with the
// file and line, or a *FormatError wrapping ErrNotKernelLog. It is nil at
// the end of a kernel log.
func (r *Reader) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

// Skipped counts the lines inside records that could not be read.
func (r *Reader) Skipped() Skips { return r.skips }

// Lines returns the number of input lines read so far, noise and lines
// joined to the one before them included.
func (r *Reader) Lines() int { return r.src.Number() }

// Paste says which paste decorations (mail quoting, indentation, fences,
// prompts, wrapped lines) were removed, and counts the lines that were no
// kernel log text at all (prose between the pasted blocks).
func (r *Reader) Paste() paste.Report { return r.src.Report() }

func (r *Reader) skip(line []byte) {
	if r.skips.Count == 0 {
		r.skips.FirstLine = r.n
		t := line
		if len(t) > 200 {
			t = t[:200]
		}
		r.skips.FirstText = string(t)
	}
	r.skips.Count++
}

var (
	nulByte        = []byte{0}
	showingLocks   = []byte("Showing all locks held in the system")
	suppressed     = []byte("Future hung task reports are suppressed")
	taskColon      = []byte("task:")
	heldBy         = []byte(" held by ")
	showBlocked    = []byte("Show Blocked State")
	callTrace      = []byte("Call Trace:")
	callTraceArm   = []byte("Call trace:")
	echoDisables   = []byte("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\"")
	tainted        = []byte("Tainted: ")
	notTainted     = []byte("Not tainted")
	coredump       = []byte("Blocked by coredump.")
	workqueue      = []byte("Workqueue: ")
	sched          = []byte("Sched_ext: ")
	taskOpen       = []byte("<TASK>")
	taskClose      = []byte("</TASK>")
	equalsLine     = []byte("=====")
	disablesSuffix = []byte("disables this message.")
)

// line is the per-line step. Noise must leave it after a few byte
// comparisons: this is the hot path.
func (r *Reader) line(line []byte) {
	msg := splitPrefix(line, &r.p)
	// A line cut by a mailer or a terminal is joined to its continuation;
	// a lockdep entry can be cut twice ("#0: addr" / "(class){..}, at:" /
	// "site").
	for range 4 {
		c := cutKind(msg)
		if c == notCut {
			break
		}
		var ok bool
		if line, msg, ok = r.join(c); !ok {
			break
		}
	}
	if r.p.kernel {
		r.kernelSeen = true
	} else if !r.kernelSeen && r.n <= sniffLines {
		if bytes.IndexByte(line, 0) >= 0 {
			r.err = &FormatError{File: r.opts.Name, Line: r.n, Err: fmt.Errorf("%w: binary data", ErrNotKernelLog)}
			return
		}
	} else if !r.kernelSeen && r.n > sniffLines && r.cur == nil {
		r.err = &FormatError{File: r.opts.Name, Line: 1, Err: fmt.Errorf("%w: no kernel timestamp, kernel syslog line or kernel report in the first %d lines", ErrNotKernelLog, sniffLines)}
		return
	}
	if r.p.other {
		if r.cur != nil {
			r.unrelated()
		}
		return
	}
	if r.p.caller != nil {
		r.switchCaller(r.p.caller)
	}
	if r.cur != nil && r.cont(msg, line) {
		return
	}
	if !r.start(msg, line) && !r.p.kernel && len(msg) > 0 {
		if kernelMessage(trimSpace(msg)) {
			r.kernelSeen = true
		} else {
			r.src.Prose()
			r.prose = true
		}
	}
}

// join asks the paste layer to join the next line to the current one,
// which looks cut as c says, and returns the current line and its message
// again, joined or not: reading ahead moved them out of the line reader's
// buffer, so slices taken before are no longer valid.
func (r *Reader) join(c cut) (line, msg []byte, ok bool) {
	ok = r.src.Join(func(next, joined []byte) bool { return joins(c, next, joined) })
	line = r.src.Line().Text
	return line, splitPrefix(line, &r.p), ok
}

// switchCaller makes the record of printk caller id the current one: the
// lines of concurrent reports interleave on a console, and each caller's
// lines are read as a report of their own.
func (r *Reader) switchCaller(id []byte) {
	if r.cur != nil && (r.cur.caller == nil || bytes.Equal(r.cur.caller, id)) {
		return
	}
	for _, b := range r.parked {
		if !bytes.Equal(b.caller, id) {
			b.other++
		}
	}
	var next *build
	for i, b := range r.parked {
		if bytes.Equal(b.caller, id) {
			next = b
			r.parked = append(r.parked[:i], r.parked[i+1:]...)
			break
		}
	}
	if r.cur != nil {
		r.cur.other++
		r.parked = append(r.parked, r.cur)
	}
	r.cur = next
	if next != nil {
		// The lines of other callers between its lines were interleaved.
		if t := next.rec.Task; t != nil {
			t.Interleaved += next.other
		}
		next.other = 0
	}
	// A record whose caller has been silent for long has ended, as has
	// the oldest when too many are open.
	drop := len(r.parked) - maxParked
	keep := r.parked[:0]
	for i, b := range r.parked {
		if i < drop || b.other > otherCallerWindow {
			r.queue = append(r.queue, r.close(b))
			continue
		}
		keep = append(keep, b)
	}
	for i := len(keep); i < len(r.parked); i++ {
		r.parked[i] = nil
	}
	r.parked = keep
}

// isRegisterLine is a register dump line: "RIP: 0033:0x7f612a9e5575",
// "RAX: ffffffffffffffda RBX: ...", "Code: Bad RIP value.", arm64
// "pc : ...", "x29: ...".
func isRegisterLine(b []byte) bool {
	if len(b) > 3 && b[0] >= 'a' && b[0] <= 'z' && isArmRegs(b) {
		return true
	}
	c := bytes.IndexByte(b, ':')
	if c < 2 || c > 8 || c+1 >= len(b) || b[c+1] != ' ' {
		return false
	}
	name := trimRightSpace(b[:c])
	if len(name) < 2 {
		return false
	}
	if string(name) == "Code" {
		return true
	}
	// The value must be hex ("0033:0x7f612a9e5575", "ffffffffffffffda"),
	// so that "NET: Registered ..." is not taken for a register.
	val := trimSpace(b[c+1:])
	if sp := bytes.IndexByte(val, ' '); sp >= 0 {
		val = val[:sp]
	}
	if len(val) == 0 {
		return false
	}
	for _, ch := range val {
		if _, ok := hexVal(ch); !ok && ch != ':' && ch != 'x' && ch != '[' && ch != '<' && ch != '>' && ch != ']' && ch != '(' && ch != ')' {
			return false
		}
	}
	upper, lower := true, true
	for _, ch := range name {
		if !(ch >= 'A' && ch <= 'Z' || isDigit(ch) || ch == '_') {
			upper = false
		}
		if !(ch >= 'a' && ch <= 'z' || isDigit(ch)) {
			lower = false
		}
	}
	if upper {
		return name[0] != '_' && !isDigit(name[0])
	}
	if lower {
		switch string(name) {
		case "pc", "lr", "sp", "pstate":
			return true
		}
		return name[0] == 'x' && isDigit(name[1])
	}
	return false
}

// isArmRegs is the ARM32 unwinder's register line after a frame,
// "r10:c0fead70 r9:c2854c94 r8:df9a1dac r7:c2814b40", "r4:c2814b40".
func isArmRegs(b []byte) bool {
	n := 0
	for _, w := range bytes.Fields(b) {
		c := bytes.IndexByte(w, ':')
		if c < 2 || c > 3 || len(w)-c-1 != 8 {
			return false
		}
		name := string(w[:c])
		if name != "fp" && name != "ip" && name != "sp" && name != "lr" && name != "pc" && (name[0] != 'r' || !isDigit(name[1])) {
			return false
		}
		if _, ok := hexNum(w[c+1:]); !ok {
			return false
		}
		n++
	}
	return n > 0
}

// isStackWords is a line of raw stack words (3.x " ffff88007a2dd140
// 0000000000000086 ..."), an ARM32 exception dump ("ffa0: 00000000 ..."),
// or "Exception stack(0x... to 0x...)".
func isStackWords(b []byte) bool {
	if bytes.HasPrefix(b, []byte("Exception stack(")) || bytes.HasPrefix(b, []byte("Stack : ")) || string(b) == "..." {
		return true
	}
	if len(b) < 8 {
		return false
	}
	words := 0
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		tok := b
		if sp >= 0 {
			tok, b = b[:sp], trimSpace(b[sp+1:])
		} else {
			b = nil
		}
		if words == 0 && len(tok) > 1 && tok[len(tok)-1] == ':' {
			tok = tok[:len(tok)-1]
		}
		if len(tok) < 4 {
			return false
		}
		if _, ok := hexNum(tok); !ok {
			return false
		}
		words++
	}
	return words >= 2
}

// looksLikeFrame says a line that failed to parse was meant as a frame:
// it begins as one ("[<", "? ") or names an offset in its first word
// ("+0x", or "/0x" as in a hand-copied "__switch_to_0x104/0x1c8 (T)").
// "NMI backtrace for cpu 2 skipped: idling at default_idle+0xb/0x10" is not.
func looksLikeFrame(b []byte) bool {
	if bytes.HasPrefix(b, []byte("[<")) || bytes.HasPrefix(b, []byte("? ")) {
		return true
	}
	w := b
	if sp := bytes.IndexByte(b, ' '); sp >= 0 {
		w = b[:sp]
	}
	return bytes.Contains(w, []byte("+0x")) || bytes.Contains(w, []byte("/0x"))
}

// kernelMessages begin the lines the kernel prints around its reports
// that are no record of their own (lockdep's explanations, NMI backtrace
// and panic banners, oops headers). In pasted text without prefixes they
// are log text, not prose.
var kernelMessages = [...]string{
	"WARNING: ", "BUG: ", "INFO: ", "Oops: ", "Kernel panic - not syncing", "---[ end ",
	"NMI backtrace for cpu", "Sending NMI from CPU", "Showing all locks held", "Showing busy workqueues",
	"stack backtrace:", "other info that might help us debug this", "the existing dependency chain",
	"but task is already holding lock", "which lock already depends on the new lock",
	"Possible unsafe locking scenario", "Possible interrupt unsafe locking scenario",
	"*** DEADLOCK ***", "May be due to missing lock nesting notation", "Chain exists of:",
	"-> #", "--> ", "lock(", "CPU0", "CPU1", "----", "====",
	"Modules linked in:", "irq event stamp:", "hardirqs last", "softirqs last", "Hardware name:",
	"Tainted: [", "sysrq: ", "IP: ", "PGD ", "last sysfs file:", "Backtrace:", "Exception stack",
	"Freezing of tasks failed", "Restarting tasks", "Tasks blocked on", "(detected by ", "rcu: ",
	"\"echo 0 > ",
}

// kernelMessage says msg, a line without prefixes, is one of the lines
// kernelMessages begin, a lockdep acquire line ("ffff8880231e4d40
// (team->team_lock_key#2){+.+.}-{3:3}, at: ..."), its "comm/pid is
// trying to acquire lock:" or a report's "release #N Not tainted".
func kernelMessage(msg []byte) bool {
	if len(msg) == 0 {
		return false
	}
	for _, m := range kernelMessages {
		if msg[0] == m[0] && bytes.HasPrefix(msg, []byte(m)) {
			return true
		}
	}
	switch {
	case bytes.Contains(msg, []byte(" is trying to acquire lock:")), bytes.Contains(msg, []byte(" --> ")),
		bytes.Contains(msg, []byte(" #")) && (bytes.HasSuffix(msg, []byte("Not tainted")) || bytes.Contains(msg, []byte(" Tainted: "))):
		return true
	}
	_, ok := parseAcquire(msg)
	return ok
}

// parseAcquire reads lockdep's acquire line, an entry without its "#N: ":
// "ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_add_slave+0x9c/0x20e0".
func parseAcquire(b []byte) (Lock, bool) {
	if len(b) < 8 || !isHex(b[0]) {
		return Lock{}, false
	}
	return parseLock(append([]byte("#0: "), b...))
}

func isHex(c byte) bool { _, ok := hexVal(c); return ok }

// Sniff reports whether head, the start of an input, looks like a kernel
// log: a line in it has a kernel timestamp or syslog kernel prefix, or is
// kernel text that begins a record (a hung-task header or task line, a
// "Call Trace:", a dump_stack header, a lockdep listing, an unreliable
// "? " frame) as pasted text shows it without prefixes.
func Sniff(head []byte) bool {
	var p prefix
	for len(head) > 0 {
		nl := bytes.IndexByte(head, '\n')
		line := head
		if nl >= 0 {
			line, head = head[:nl], head[nl+1:]
		} else {
			head = nil
		}
		if bytes.IndexByte(line, 0) >= 0 {
			return false
		}
		msg := splitPrefix(line, &p)
		if p.kernel || kernelText(trimSpace(msg)) {
			return true
		}
	}
	return false
}

// kernelText says msg, a line without prefixes, is one only the kernel
// writes.
func kernelText(msg []byte) bool {
	if len(msg) == 0 {
		return false
	}
	switch msg[0] {
	case 'I':
		return bytes.HasPrefix(msg, infoTask)
	case 'C':
		if bytes.Equal(msg, callTrace) || bytes.Equal(msg, callTraceArm) {
			return true
		}
		_, ok := parseDumpHeader(msg)
		return ok
	case 't':
		return bytes.HasPrefix(msg, taskColon) && parseTaskColon(msg, &Task{})
	case '?':
		f, _, _, ok := parseFrame(msg, nil)
		return ok && f.Unreliable && (f.Offset != 0 || f.Size != 0)
	case '"':
		return bytes.HasPrefix(msg, echoDisables)
	}
	if isDigit(msg[0]) && bytes.Contains(msg, heldBy) {
		_, ok := parseHeldHeader(msg)
		return ok
	}
	return false
}
