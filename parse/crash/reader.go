package crash

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/paste"
)

// ErrFormat is wrapped by the error a Reader returns when its input is not
// a crash transcript.
var ErrFormat = errors.New("not a crash transcript")

// Options configure a Reader.
type Options struct {
	// Name labels errors.
	Name string
	// MaxLine is the longest line read, in bytes (lines.DefaultMax when
	// 0); a longer line is counted in Skipped with its length.
	MaxLine int
}

// Skips counts lines the reader could not parse and locates the first.
type Skips struct {
	Count int
	// FirstLine is the 1-based line number of the first skipped line;
	// FirstText is its start, at most 200 bytes, as read.
	FirstLine int
	FirstText string
}

// maxProbe is how many non-blank lines may pass without anything crash
// prints before the reader decides the input is something else.
const maxProbe = 256

// maxIntern bounds the table of repeated names (functions, modules,
// caches, member names), and maxStacks the table of stack addresses that
// name fragments, so that distinct names cannot grow memory without
// limit.
const (
	maxIntern = 1 << 14
	maxStacks = 1 << 16
)

// mode is the kind of answer the current command gives.
type mode uint8

const (
	modeNone mode = iota
	modePS
	modeBT
	modeKmem
	modeStruct
	modeOther
)

// kmemState is where a kmem answer is.
type kmemState uint8

const (
	kmemNone  kmemState = iota
	kmemCache           // after the CACHE header: the cache row
	kmemFree            // after FREE / [ALLOCATED]: the object
	kmemTable           // SLAB and PAGE rows
)

// status is what a line turned out to be.
type status uint8

const (
	// none: nothing crash prints.
	none status = iota
	// used: part of a record.
	used
	// near: begins like something crash prints, and does not parse.
	near
)

// stackRef is the task of a backtrace whose frames printed a stack
// address.
type stackRef struct {
	pid        int
	task, comm string
	cpu, line  int
}

// Reader reads Records from a transcript.
type Reader struct {
	src  *paste.Reader
	opts Options

	mode      mode
	cmd       string
	cmdPID    int    // PID argument of a bt command
	cmdHasPID bool   // cmdPID was given
	cmdTask   string // task address argument of a bt command
	cmdAddr   string // address argument of kmem / struct
	cmdSym    string // symbol argument of struct
	cmdType   string // struct type of the command
	// perTask says the unmodelled command prints "PID: ... TASK:" headers
	// of its own (task, files, vm, ps -p ...), which start no backtrace.
	perTask bool
	// quote is the mail quoting of the current line, and psQuote that of
	// the ps command, header and rows around it: a row quoted once more
	// begins with crash's ">" (an active task), which the paste layer
	// took for quoting.
	quote, psQuote int

	cur     Record // the record being built
	out     []Record
	lastObj string // last kmem object or slab word, for the shorthand
	// depth names the members a struct answer is inside; deeper counts
	// the levels beyond maxDepth.
	depth  []string
	deeper int
	kstate kmemState
	ctx    *Context // the summary block being read
	stacks map[string]stackRef

	seen     bool // something crash-like has been read
	nonBlank int
	firstNB  int
	firstTxt string
	// used counts lines used (records, prompts, fences, blank lines);
	// with Paste's Prose and Wrap counts and Skipped it accounts for
	// every line read.
	used  int
	skips Skips
	err   error
	done  bool
	rec   Record

	intern map[string]string
	// line holds the current line while a join reads the next one;
	// joined is the join.
	line, joined []byte
	scratch      []byte
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opts Options) *Reader {
	src := paste.NewReader(r)
	src.SetMaxLine(opts.MaxLine)
	return &Reader{
		src:    src,
		opts:   opts,
		stacks: make(map[string]stackRef),
		intern: make(map[string]string),
	}
}

// Record returns the record the last successful Next read. Records are
// not reused: a caller may keep them.
func (r *Reader) Record() Record { return r.rec }

// Err returns the first error: reading, or ErrFormat (wrapped, with the
// file name and line) when the input is not a crash transcript.
func (r *Reader) Err() error { return r.err }

// Skipped reports the lines that began like crash output and did not
// parse.
func (r *Reader) Skipped() Skips { return r.skips }

// Paste says which paste decorations (mail quoting, indentation, fences,
// prompts, cut lines) were removed, and counts the lines that were no
// crash output at all (prose and comments between the commands).
func (r *Reader) Paste() paste.Report { return r.src.Report() }

// Next advances to the next record and reports whether there is one.
func (r *Reader) Next() bool {
	for len(r.out) == 0 {
		if r.done {
			return false
		}
		if !r.src.Next() {
			r.done = true
			if err := r.src.Err(); err != nil {
				r.err = fmt.Errorf("%s:%d: %w", r.name(), r.src.Number(), err)
				return false
			}
			if !r.seen && r.nonBlank > 0 {
				r.formatError()
				return false
			}
			r.flush()
			continue
		}
		r.read(r.src.Line())
		if r.err != nil {
			r.done = true
			r.out = nil
			return false
		}
	}
	r.rec, r.out = r.out[0], r.out[1:]
	if len(r.out) == 0 {
		r.out = r.out[:0:0]
	}
	return true
}

func (r *Reader) name() string {
	if r.opts.Name == "" {
		return "<input>"
	}
	return r.opts.Name
}

func (r *Reader) formatError() {
	r.err = fmt.Errorf("%s:%d: %w: %q", r.name(), r.firstNB, ErrFormat, r.firstTxt)
}

// flush emits the record being built, if any.
func (r *Reader) flush() {
	if r.cur != nil {
		trim(r.cur)
		r.out = append(r.out, r.cur)
		r.cur = nil
	}
	r.depth, r.deeper = r.depth[:0], 0
	r.kstate = kmemNone
	r.ctx = nil
}

// trim gives a finished record's lists their exact size: a caller may
// keep every record of a large transcript, and appending leaves up to
// half of each list unused.
func trim(rec Record) {
	switch x := rec.(type) {
	case *Backtrace:
		x.Frames = exact(x.Frames)
		for i := range x.Frames {
			x.Frames[i].Regs = exact(x.Frames[i].Regs)
			x.Frames[i].Data = exact(x.Frames[i].Data)
		}
	case *PS:
		x.Rows = exact(x.Rows)
	case *Struct:
		x.Fields = exact(x.Fields)
	}
}

func exact[T any](s []T) []T {
	if cap(s)-len(s) < 4 {
		return s
	}
	return append([]T(nil), s...)
}

func (r *Reader) skip(n int, t string) {
	r.skips.Count++
	if r.skips.Count == 1 {
		r.skips.FirstLine, r.skips.FirstText = n, clip(t)
	}
}

// read consumes one line. Every line ends in exactly one of r.used, the
// paste Report's Prose, or r.skips.
func (r *Reader) read(l *paste.Line) {
	if l.Long > 0 {
		r.skip(l.Num, lines.Describe(l.Text, l.Long, r.opts.MaxLine))
		return
	}
	t := strings.TrimSpace(unsafeString(l.Text))
	kind := l.Kind
	if t == "" && kind == paste.Text {
		// Only white space the paste layer kept ("\v", "\f").
		kind = paste.Blank
	}
	switch kind {
	case paste.Blank:
		r.used++
		// A blank line ends struct answers, task summaries and the
		// shorthand's groups; ps tables and backtraces survive it
		// (foreach separates tasks with one, and a new "PID:" line
		// starts the next anyway).
		if _, ok := r.cur.(*Struct); ok {
			r.flush()
		}
		if _, ok := r.cur.(*Context); ok {
			r.flush()
		}
		r.ctx = nil
		return
	case paste.Fence:
		r.used++
		r.flush()
		r.setMode(modeNone, "")
		return
	}
	r.quote = l.Quote
	r.nonBlank++
	if r.nonBlank == 1 {
		r.firstNB, r.firstTxt = l.Num, clip(t)
	}
	if !r.seen && r.nonBlank > maxProbe {
		r.formatError()
		return
	}
	if l.Kind == paste.Prompt {
		r.prompt(t, strings.TrimSpace(unsafeString(l.Command)), l.Num)
		return
	}
	r.text(t, l.Num)
}

// prompt reads a prompt line: a crash command, the "# PID" shorthand, a
// shell command reading a task's stack, a "# " comment, or another
// shell's command.
func (r *Reader) prompt(t, cmd string, n int) {
	switch {
	case strings.HasPrefix(t, "crash>"):
		r.seen = true
		r.used++
		r.command(cmd, n)
		r.psQuote = r.quote
		return
	case t[0] == '#':
		if pid, ok := atoi(cmd); ok {
			// "# 3678549": the shorthand's task comment.
			r.used++
			r.flush()
			r.setMode(modeBT, "")
			r.cur = &Backtrace{PID: pid, HasPID: true, CPU: -1, Abbreviated: true, Line: n}
			r.seen = true
			return
		}
	}
	if pid, ok := catStack(cmd); ok {
		r.used++
		r.flush()
		r.setMode(modeBT, cmd)
		r.cmdPID, r.cmdHasPID = pid, true
		return
	}
	if t[0] == '#' {
		// A comment between commands.
		r.src.Prose()
		return
	}
	// Another shell's command: its output is not crash's.
	r.used++
	r.flush()
	r.setMode(modeNone, "")
}

// text reads a line that is not a prompt.
func (r *Reader) text(t string, n int) {
	if t[0] == '#' && (len(t) == 1 || !isDigit(t[1])) {
		// "## 选择一个等待信号量锁的进程": a comment.
		r.src.Prose()
		return
	}
	t = stripComment(t)
	if isStructCommand(t) {
		r.seen = true
		r.used++
		r.command(t, n)
		return
	}
	other, inOther := r.cur.(*Other)
	if inOther && !r.answerStarts(t) {
		other.Lines++
		r.used++
		return
	}
	switch r.lineAny(t, n) {
	case used:
		r.seen = true
		r.used++
	case near:
		// t may be stale: a join looked ahead. The paste reader keeps the
		// line.
		r.skip(n, strings.TrimSpace(unsafeString(r.src.Line().Text)))
	default:
		if o, ok := r.cur.(*Other); ok {
			o.Lines++
			r.used++
			return
		}
		r.src.Prose()
	}
}

// answerStarts says whether a line inside an unmodelled command's answer
// is in fact the start of something the reader models, as when a prompt
// was cut from the transcript.
func (r *Reader) answerStarts(t string) bool {
	return strings.HasPrefix(t, "PID: ") && strings.Contains(t, "TASK: ") && !r.perTask ||
		isPSHeader(t) || t == "FREE / [ALLOCATED]"
}

// lineAny places a line by its shape.
func (r *Reader) lineAny(t string, n int) status {
	switch {
	case strings.HasPrefix(t, "PID:"):
		return r.pidLine(t, n)
	case r.ctx != nil && r.contextLine(t):
		return used
	case isPSHeader(t):
		if ps, ok := r.cur.(*PS); !ok || len(ps.Rows) > 0 {
			r.flush()
			r.adopt(modePS)
			r.cur = &PS{Command: r.cmd, Line: n}
		}
		r.psQuote = r.quote
		return used
	case t[0] == '#' && len(t) > 1 && isDigit(t[1]):
		return r.frameLine(t, n)
	case strings.HasPrefix(t, "--- <") && strings.HasSuffix(t, "> ---"):
		bt := r.backtrace(n)
		bt.Frames = append(bt.Frames, Frame{Num: -1, Marker: r.str(strings.TrimSuffix(strings.TrimPrefix(t, "--- "), " ---")), Line: n})
		return used
	}
	if st := r.kmemLine(t, n); st != none {
		return st
	}
	if st := r.fieldLine(t, n); st != none {
		return st
	}
	if st := r.dataLine(t, n); st != none {
		return st
	}
	if r.regLine(t, n) {
		return used
	}
	if bt, ok := r.cur.(*Backtrace); ok && len(bt.Frames) > 0 && isSourceLine(t) {
		bt.Frames[len(bt.Frames)-1].Source = r.clone(t)
		return used
	}
	// Last: a ps row may look ahead to join the next line.
	return r.psRowLine(t, n)
}

// shaped says whether t, the line after a cut one, stands on its own as
// crash output, in which case it is no continuation.
func shaped(t string) bool {
	switch {
	case t == "":
		return false
	case t[0] == '#', t[0] == '[', t[0] == '{', t[0] == '}',
		strings.HasPrefix(t, "PID:"), strings.HasPrefix(t, "--- <"), strings.Contains(t, " = "):
		return true
	}
	if i := strings.Index(t, ": "); i > 0 {
		if _, ok := hexAddr(t[:i]); ok {
			return true
		}
	}
	_, ok := parsePSRow(t, 0, identity)
	return ok
}

// rejoin offers the next line to t, the current line, as a mailer cut it:
// at a quoted-printable soft break ("=" ending t, dropped) or at a space.
// The join is made when the next line does not stand on its own (alone)
// and the join parses; the joined line is returned, valid until the next
// join. Joined or not, the line returned is t's text.
func (r *Reader) rejoin(t string, parses, alone func(string) bool) (string, bool) {
	// The join reads ahead, reusing the buffer t is in.
	r.line = append(r.line[:0], t...)
	t = unsafeString(r.line)
	k := len(r.src.Line().Text)
	qp := strings.HasSuffix(t, "=")
	ok := r.src.Join(func(next, joined []byte) bool {
		nt := strings.TrimSpace(unsafeString(next))
		if nt == "" || alone(nt) {
			return false
		}
		if qp {
			if len(joined) != k+len(next) {
				return false
			}
			r.joined = append(append(r.joined[:0], t[:len(t)-1]...), nt...)
		} else {
			r.joined = append(r.joined[:0], strings.TrimSpace(unsafeString(joined))...)
		}
		return parses(unsafeString(r.joined))
	})
	if !ok {
		return t, false
	}
	return unsafeString(r.joined), true
}

// str interns a name repeated across records (functions, modules,
// caches, member names, commands), so that each costs one allocation.
func (r *Reader) str(s string) string {
	if v, ok := r.intern[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(r.intern) < maxIntern {
		r.intern[v] = v
	}
	return v
}

// clone copies a value that is rarely repeated (addresses, member
// values), so that a record never holds the line it came from.
func (r *Reader) clone(s string) string { return strings.Clone(s) }

// stripComment drops a human " # comment" or " ## comment" after crash's
// text.
func stripComment(t string) string {
	for i := 1; i < len(t); i++ {
		if t[i] != '#' || t[i-1] != ' ' && t[i-1] != '\t' {
			continue
		}
		if i+1 == len(t) || t[i+1] == ' ' || t[i+1] == '#' {
			return strings.TrimSpace(t[:i])
		}
	}
	return t
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

// hexAddr reads a hex number with or without "0x" and returns it in lower
// case without the prefix. The result may share t's bytes.
func hexAddr(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || len(s) > 16 {
		return "", false
	}
	lower := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c), c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			lower = false
		default:
			return "", false
		}
	}
	if !lower {
		s = strings.ToLower(s)
	}
	return s, true
}

func identity(s string) string { return s }

func clip(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.Clone(s)
}

// unsafeString views a line without copying it; every string a record
// keeps is copied (str, clone).
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Sniff reports whether head, the start of an input with its paste
// decorations removed (paste.Clean), looks like a crash transcript: a
// "crash> " prompt, a bt "PID: ... TASK: " line or a ps header.
func Sniff(head []byte) bool {
	for len(head) > 0 {
		var line []byte
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			line, head = head, nil
		}
		t := strings.TrimSpace(unsafeString(line))
		if strings.HasPrefix(t, "crash> ") || isPSHeader(t) ||
			strings.HasPrefix(t, "PID: ") && strings.Contains(t, " TASK: ") {
			return true
		}
	}
	return false
}
