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
	maxLocks          = 1024
)

// Reader reads records from a kernel log.
type Reader struct {
	src  *paste.Reader
	opts Options

	queue []*Record
	rec   *Record
	cur   *Record // the record being built
	// curCaller is the printk caller id of cur's first line, if any.
	curCaller []byte
	// frames says cur's stack has begun; pendArm is an ARM32 "from"
	// frame waiting for the next line or the end of the stack.
	frames  bool
	pendArm *Frame
	// pending counts unrelated lines since cur's last line; other counts
	// lines of other callers.
	pending, other int
	// expectTask is set after lines that announce task dumps in the old
	// format (SysRq-w), so that a bare task line starts a record.
	expectTask int

	kernelSeen bool
	err        error
	skips      Skips
	n          int
	p          prefix
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opts Options) *Reader {
	if opts.Name == "" || opts.Name == "-" {
		opts.Name = "input"
	}
	src := paste.NewReader(r)
	src.SetMaxLine(opts.MaxLine)
	return &Reader{src: src, opts: opts}
}

// Next advances to the next record; it returns false at the end of the
// input or on an error (see Err).
func (r *Reader) Next() bool {
	r.rec = nil
	for len(r.queue) == 0 {
		if r.err != nil {
			return false
		}
		if !r.src.Next() {
			r.finish()
			if err := r.src.Err(); err != nil {
				r.err = fmt.Errorf("%s:%d: %w", r.opts.Name, r.n+1, err)
			} else if !r.kernelSeen && r.n > 0 {
				r.err = &FormatError{File: r.opts.Name, Line: 1, Err: fmt.Errorf("%w: no kernel timestamp, kernel syslog line or hung-task report in %d lines", ErrNotKernelLog, r.n)}
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
			r.finish()
		case paste.Blank:
			r.line(nil)
		default:
			r.line(l.Text)
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

// Lines returns the number of lines read so far, noise included.
func (r *Reader) Lines() int { return r.n }

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
	if c := cutKind(msg); c != notCut && r.src.Join(func(next, joined []byte) bool { return joins(c, next, joined) }) {
		line = r.src.Line().Text
		msg = splitPrefix(line, &r.p)
	}
	if r.p.kernel {
		r.kernelSeen = true
	} else if !r.kernelSeen && r.n <= sniffLines {
		if bytes.IndexByte(line, 0) >= 0 {
			r.err = &FormatError{File: r.opts.Name, Line: r.n, Err: fmt.Errorf("%w: binary data", ErrNotKernelLog)}
			return
		}
	} else if !r.kernelSeen && r.n > sniffLines && r.cur == nil {
		r.err = &FormatError{File: r.opts.Name, Line: 1, Err: fmt.Errorf("%w: no kernel timestamp, kernel syslog line or hung-task report in the first %d lines", ErrNotKernelLog, sniffLines)}
		return
	}
	if r.p.other {
		if r.cur != nil {
			r.unrelated()
		}
		return
	}
	if r.cur != nil {
		if r.curCaller != nil && r.p.caller != nil && !bytes.Equal(r.curCaller, r.p.caller) {
			r.other++
			if r.cur.Task != nil {
				r.cur.Task.Interleaved++
			}
			if r.other > otherCallerWindow {
				r.finish()
			}
			return
		}
		if r.cont(msg, line) {
			return
		}
	}
	if !r.start(msg, line) && !r.p.kernel && len(msg) > 0 {
		r.src.Prose()
	}
}

// start checks whether msg begins a record (or, for "Show Blocked State",
// announces some) and reports whether it did.
func (r *Reader) start(msg, line []byte) bool {
	if r.expectTask > 0 {
		r.expectTask--
	}
	if len(msg) == 0 {
		return false
	}
	switch c := msg[0]; {
	case c == 'I':
		if !bytes.HasPrefix(msg, infoTask) {
			return false
		}
		t, b, ok := parseInfoTask(msg)
		if !ok {
			return false
		}
		r.kernelSeen = true
		if b != nil {
			r.emit(&Record{Kind: KindBlocker, Line: r.n, Text: string(msg), Time: r.p.stamp(r.opts.Year), Blocker: b})
			return true
		}
		r.begin(&Record{Kind: KindTask, Task: t}, msg)
	case c == 't':
		if !bytes.HasPrefix(msg, taskColon) {
			return false
		}
		t := &Task{}
		if !parseTaskLine(msg, t) {
			return false
		}
		t.TaskLine = r.n
		r.begin(&Record{Kind: KindTask, Task: t}, msg)
	case c == 'F':
		if !bytes.HasPrefix(msg, suppressed) {
			return false
		}
		r.emit(&Record{Kind: KindSuppressed, Line: r.n, Text: string(msg), Time: r.p.stamp(r.opts.Year)})
	case isDigit(c) || c == 'n':
		if bytes.Index(msg, heldBy) < 0 {
			return false
		}
		h, ok := parseHeldHeader(msg)
		if !ok {
			return false
		}
		r.begin(&Record{Kind: KindHeldLocks, Locks: h}, msg)
	case c == 'S':
		if !bytes.Contains(msg, showBlocked) {
			return false
		}
		r.expectTask = noiseWindow * 4
	default:
		if r.expectTask == 0 || len(msg) <= 16 {
			return false
		}
		t := &Task{}
		if !parseTaskOld(msg, t) {
			return false
		}
		t.TaskLine = r.n
		r.begin(&Record{Kind: KindTask, Task: t}, msg)
	}
	return true
}

func (r *Reader) begin(rec *Record, msg []byte) {
	r.finish()
	r.kernelSeen = true
	rec.Line = r.n
	rec.Text = string(msg)
	rec.Time = r.p.stamp(r.opts.Year)
	r.cur = rec
	if r.p.caller != nil {
		r.curCaller = append(r.curCaller[:0], r.p.caller...)
	} else {
		r.curCaller = nil
	}
	r.frames = false
	r.pendArm = nil
	r.pending, r.other = 0, 0
}

func (r *Reader) emit(rec *Record) {
	r.finish()
	r.kernelSeen = true
	r.queue = append(r.queue, rec)
}

// finish queues the record being built.
func (r *Reader) finish() {
	if r.cur == nil {
		return
	}
	if t := r.cur.Task; t != nil && r.pendArm != nil {
		r.addFrame(t, *r.pendArm)
	}
	r.queue = append(r.queue, r.cur)
	r.cur = nil
	r.pendArm = nil
	r.curCaller = r.curCaller[:0]
}

// unrelated notes a line that is no part of cur.
func (r *Reader) unrelated() {
	r.pending++
	if r.pending > noiseWindow {
		r.finish()
	}
}

// related marks msg as part of cur: unrelated lines since the last one
// were interleaved.
func (r *Reader) related() {
	if r.pending > 0 && r.cur.Task != nil {
		r.cur.Task.Interleaved += r.pending
	}
	r.pending = 0
}

// cont offers msg to the record being built; false means msg is not
// part of it and may start another record.
func (r *Reader) cont(msg, line []byte) bool {
	if len(msg) == 0 {
		return true
	}
	if r.cur.Locks != nil {
		return r.contLocks(msg, line)
	}
	t := r.cur.Task
	if bytes.HasPrefix(msg, infoTask) || bytes.HasPrefix(msg, suppressed) {
		return false
	}
	trim := trimSpace(msg)
	if t.TaskLine == 0 && !r.frames {
		switch {
		case bytes.HasPrefix(trim, tainted) || bytes.HasPrefix(trim, notTainted):
			t.Tainted = string(trim)
			r.related()
			return true
		case bytes.HasPrefix(msg, echoDisables) && bytes.HasSuffix(msg, disablesSuffix):
			r.related()
			return true
		case bytes.Equal(trim, coredump):
			t.Coredump = true
			r.related()
			return true
		}
		if parseTaskLine(msg, t) {
			t.TaskLine = r.n
			r.related()
			return true
		}
	} else if bytes.HasPrefix(msg, taskColon) {
		return false // the next task's dump
	}
	switch {
	case bytes.Equal(trim, callTrace) || bytes.Equal(trim, callTraceArm):
		r.frames = true
		r.related()
		return true
	case bytes.HasPrefix(trim, sched):
		// print_scx_info: "Sched_ext: qmap (enabled+all)"
		r.related()
		return true
	case bytes.HasPrefix(trim, workqueue):
		t.Workqueue = string(trim[len(workqueue):])
		r.related()
		return true
	case bytes.Equal(trim, taskClose):
		r.related()
		r.finish()
		return true
	case isBracketTag(trim):
		r.related()
		return true
	case bytes.HasPrefix(msg, showingLocks) || bytes.Index(msg, heldBy) >= 0 && len(msg) > 0 && (isDigit(msg[0]) || msg[0] == 'n'):
		return false
	}
	if f, caller, arm, ok := parseFrame(msg); ok && (r.frames || t.TaskLine != 0) {
		r.frames = true
		r.related()
		if arm {
			// Each ARM32 line names a callee and its caller; the caller is
			// the next line's callee, so it is kept only for the last line.
			if r.pendArm == nil || len(t.Frames) == 0 {
				r.addFrame(t, f)
			} else {
				pa := *r.pendArm
				pa.Unreliable = pa.Unreliable || f.Unreliable
				if f.Offset != 0 && pa.Offset == 0 {
					pa.Offset, pa.Size = f.Offset, f.Size
				}
				r.addFrame(t, pa)
			}
			r.pendArm = &caller
		} else {
			if r.pendArm != nil {
				r.addFrame(t, *r.pendArm)
				r.pendArm = nil
			}
			r.addFrame(t, f)
		}
		return true
	}
	if isRegisterLine(trim) || isStackWords(trim) {
		t.Registers++
		r.related()
		return true
	}
	if r.frames && looksLikeFrame(trim) {
		r.skip(line)
		r.related()
		return true
	}
	if !r.p.kernel {
		// Not kernel text at all: prose, or a program's output on the
		// console between the report's lines.
		r.src.Prose()
	}
	r.unrelated()
	return r.cur != nil
}

func (r *Reader) addFrame(t *Task, f Frame) {
	if len(t.Frames) >= maxFrames {
		t.DroppedFrames++
		return
	}
	t.Frames = append(t.Frames, f)
}

func (r *Reader) contLocks(msg, line []byte) bool {
	h := r.cur.Locks
	trim := trimSpace(msg)
	if len(trim) > 0 && trim[0] == '#' {
		l, ok := parseLock(trim)
		if !ok {
			r.skip(line)
			return true
		}
		if len(h.Locks) < maxLocks {
			h.Locks = append(h.Locks, l)
		}
		r.pending = 0
		return true
	}
	if bytes.HasPrefix(trim, equalsLine) {
		r.finish()
		return true
	}
	r.finish()
	return false
}

// isBracketTag is "<TASK>", "<IRQ>", "</IRQ>", "<NMI>", "<EOI>", "<EOE>"...
func isBracketTag(b []byte) bool {
	if len(b) < 3 || b[0] != '<' || b[len(b)-1] != '>' {
		return false
	}
	in := b[1 : len(b)-1]
	if len(in) > 0 && in[0] == '/' {
		in = in[1:]
	}
	if len(in) == 0 || len(in) > 8 {
		return false
	}
	for _, c := range in {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// isRegisterLine is a register dump line: "RIP: 0033:0x7f612a9e5575",
// "RAX: ffffffffffffffda RBX: ...", "Code: Bad RIP value.", arm64
// "pc : ...", "x29: ...".
func isRegisterLine(b []byte) bool {
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
		if _, ok := hexVal(ch); !ok && ch != ':' && ch != 'x' && ch != '[' && ch != '<' && ch != '>' && ch != ']' {
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

// looksLikeFrame says a line that failed to parse was meant as a frame.
func looksLikeFrame(b []byte) bool {
	return bytes.HasPrefix(b, []byte("[<")) || bytes.HasPrefix(b, []byte("? ")) || bytes.Contains(b, []byte("+0x"))
}

// Sniff reports whether head, the start of an input, looks like a kernel
// log: a line in it has a kernel timestamp or syslog kernel prefix, or is
// a hung-task header.
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
		if p.kernel || bytes.HasPrefix(msg, infoTask) {
			return true
		}
	}
	return false
}
