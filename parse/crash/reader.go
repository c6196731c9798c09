// Package crash reads transcripts of the crash utility (crash-utility/crash)
// as people paste them into incident notes, streaming, one Record per
// command answer: ps tables, bt and foreach bt backtraces (with the stack
// data of bt -F/-FF), kmem object lookups and struct/union/p member dumps.
//
// Formats follow crash's sources: task.c show_ps_data for ps rows
// ("> " marks an active task; ST is RU, IN, UN, ZO, ST, TR, DE, SW, PA, WA,
// ID, NE, with EX appended for exclusive waits), print_task_header for
// "PID: %-7ld  TASK: %lx  CPU: %-3s  COMMAND: \"%s\"", x86_64.c for frames
// (" #%d [%8lx] %s at %lx", a " [module]" suffix, "--- <IRQ stack> ---"
// markers, register blocks) and memory.c format_stack_entry for the words
// of bt -F ("[cache]") and bt -FF ("[address:cache]"), which crash prints
// before the frame line that ends the range, so they belong to the frame
// printed above them.
//
// A "crash> " prompt starts each answer. Transcripts are often edited, so
// the reader also takes answers without their prompt: a "PID:" line starts
// a backtrace, a ps header a table, "FREE / [ALLOCATED]" a kmem answer,
// "name = value," lines a struct answer, and a "struct TYPE ADDR" line
// without its prompt is taken as the command it is. The incident notes
// this package was written for also use a human shorthand, kept as it is:
// a "# PID" comment line, then that task's "[address:cache]" stack words
// and the kmem and struct answers about them, without commands; the
// reader turns the words into a Backtrace with Abbreviated set and infers
// each struct answer's address from the kmem answer before it. Text after
// " # " on a line is a human comment and is ignored.
//
// Anything else is counted in Skipped, with the first such line; answers
// of commands the reader does not model (mod, sys, log, ...) come out as
// Other records, so nothing is dropped silently.
package crash

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/internal/lines"
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

// Record is one of *PS, *Backtrace, *Kmem, *Struct or *Other.
type Record interface {
	// Start is the 1-based line where the record begins.
	Start() int
}

// PS is the table of a ps command.
type PS struct {
	Command string
	Line    int
	Rows    []PSRow
}

// PSRow is one task of a ps table.
type PSRow struct {
	PID, PPID int
	// CPU is -1 when crash printed "?".
	CPU  int
	Task string
	// State is the ST column: "UN", "IN", "RU", "UNEX" ...
	State string
	// Active is the leading ">" (or "-" for an offline CPU) crash puts on
	// tasks running on a CPU when the dump was taken.
	Active bool
	// Mem is the %MEM column as printed; VSZ and RSS are in KiB.
	Mem      string
	VSZ, RSS int64
	// Comm is the name without the brackets crash puts around kernel
	// threads; Kernel says they were there.
	Comm   string
	Kernel bool
	Line   int
}

// Backtrace is one task's answer to bt (one of several, for foreach bt).
type Backtrace struct {
	Command string
	PID     int
	Task    string
	// CPU is -1 when unknown.
	CPU  int
	Comm string
	// Frames are innermost first, as crash prints them.
	Frames []Frame
	// Loose are stack words seen before any frame line, as in an answer
	// trimmed to its slab annotations.
	Loose []Slab
	// Abbreviated marks a backtrace made from the "# PID" shorthand or a
	// bt answer without its "PID:" line: PID comes from the comment or the
	// command, and Task, CPU and Comm are unknown.
	Abbreviated bool
	Line        int
}

// Frame is one "#N [SP] FUNC at ADDR" line, or a "--- <...> ---" marker.
type Frame struct {
	// Num is the frame number; -1 for a marker.
	Num int
	// SP is the stack address in brackets, Addr the text address, both
	// lower-case hex without "0x".
	SP, Func, Addr string
	// Module is the "[sunrpc]" suffix without brackets.
	Module string
	// Via is the "(via system_call)" note crash adds for entry stubs.
	Via string
	// Marker is the text of a "--- <IRQ stack> ---" line, without dashes.
	Marker string
	// Source is the "file.c: 51" line bt -l prints under the frame.
	Source string
	// Regs are the register block printed after the frame (exception or
	// system call entry), in order; "exception RIP" holds the
	// "[exception RIP: foo+12]" line's value.
	Regs []Field
	// Data are the slab objects bt -F/-FF found among the stack words
	// printed after this frame: its own stack frame.
	Data []Slab
	Line int
}

// Slab is a stack word bt -F or -FF annotated as pointing into a slab
// cache: "[ffff91fe2bb65b00:filp]" (-FF), or "[filp]" (-F, Addr empty).
type Slab struct {
	Addr, Cache string
	// Stack is the stack address of the data line, when printed.
	Stack string
	Line  int
}

// Kmem is the answer to "kmem ADDR": which slab object holds ADDR.
type Kmem struct {
	Command string
	// Query is the address asked about; for an answer without its command
	// it is empty.
	Query string
	// Cache is the NAME column of the CACHE row, when printed.
	Cache string
	// Object is the start of the object holding Query; Allocated says it
	// was in brackets under "FREE / [ALLOCATED]".
	Object    string
	Allocated bool
	Line      int
	// ObjectLine is the line of the object address.
	ObjectLine int
}

// Struct is the answer to struct, union or p: the members printed.
type Struct struct {
	Command string
	// Type is the struct name ("file"), empty when the answer came without
	// its command; Addr is the object's address.
	Type, Addr string
	// Inferred says Addr was not in a command but taken from the kmem
	// answer (or slab word) just before, in the "# PID" shorthand.
	Inferred bool
	Fields   []Field
	Line     int
}

// Field is one member line: "f_inode = 0xffff91fca5985500," (Name,
// Value) or, from struct -o, "[ffff91fca5985500] struct inode vfs_inode;"
// (Name, Type, and Addr when crash printed an address, Offset when it
// printed an offset). Nested members are named with dots: "f_path.dentry".
// Register blocks use Name and Value.
type Field struct {
	Name, Value, Type string
	Addr, Offset      string
	Line              int
}

// Other is the answer of a command the reader does not model.
type Other struct {
	Command string
	// Lines counts the lines of its answer.
	Lines int
	Line  int
}

// Start implements Record.
func (p *PS) Start() int { return p.Line }

// Start implements Record.
func (b *Backtrace) Start() int { return b.Line }

// Start implements Record.
func (k *Kmem) Start() int { return k.Line }

// Start implements Record.
func (s *Struct) Start() int { return s.Line }

// Start implements Record.
func (o *Other) Start() int { return o.Line }

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
const maxProbe = 64

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

// Reader reads Records from a transcript.
type Reader struct {
	lr   *lines.Reader
	opts Options

	mode    mode
	cmd     string
	cmdPID  int    // PID argument of a bt command
	cmdAddr string // address argument of kmem / struct
	cmdType string // struct type of the command

	cur     Record // the record being built
	out     []Record
	lastObj string // last kmem object or slab word, for the shorthand
	depth   []string
	kstate  kmemState

	seen     bool // something crash-like has been read
	nonBlank int
	firstNB  int
	firstTxt string
	skips    Skips
	err      error
	done     bool
	rec      Record
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opts Options) *Reader {
	lr := lines.NewReader(r)
	lr.Max = opts.MaxLine
	return &Reader{lr: lr, opts: opts}
}

// Record returns the record the last successful Next read. Records are
// not reused: a caller may keep them.
func (r *Reader) Record() Record { return r.rec }

// Err returns the first error: reading, or ErrFormat (wrapped, with the
// file name and line) when the input is not a crash transcript.
func (r *Reader) Err() error { return r.err }

// Skipped reports the lines the reader could not place.
func (r *Reader) Skipped() Skips { return r.skips }

// Next advances to the next record and reports whether there is one.
func (r *Reader) Next() bool {
	for len(r.out) == 0 {
		if r.done {
			return false
		}
		line, ok := r.lr.Next()
		if !ok {
			r.done = true
			if err := r.lr.Err(); err != nil {
				r.err = fmt.Errorf("%s:%d: %w", r.name(), r.lr.Number(), err)
				return false
			}
			if !r.seen && r.nonBlank > 0 {
				r.formatError()
				return false
			}
			r.flush()
			continue
		}
		if r.lr.Long > 0 {
			r.skip(r.lr.Number(), lines.Describe(line, r.lr.Long, r.opts.MaxLine))
			continue
		}
		r.handle(string(line), r.lr.Number())
		if r.err != nil {
			r.done = true
			r.out = nil
			return false
		}
	}
	r.rec, r.out = r.out[0], r.out[1:]
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
		r.out = append(r.out, r.cur)
		r.cur = nil
	}
	r.depth = r.depth[:0]
	r.kstate = kmemNone
}

func (r *Reader) skip(n int, t string) {
	r.skips.Count++
	if r.skips.Count == 1 {
		r.skips.FirstLine, r.skips.FirstText = n, clip(t)
	}
}

func (r *Reader) handle(line string, n int) {
	t := strings.TrimSpace(line)
	if t == "" {
		// A blank line ends struct answers and the shorthand's groups;
		// ps tables and backtraces survive it (foreach separates tasks
		// with one, and a new "PID:" line starts the next anyway).
		if _, ok := r.cur.(*Struct); ok {
			r.flush()
		}
		return
	}
	r.nonBlank++
	if r.nonBlank == 1 {
		r.firstNB, r.firstTxt = n, clip(t)
	}
	if !r.seen && r.nonBlank > maxProbe {
		r.formatError()
		return
	}

	if t == "crash>" {
		r.seen = true
		r.command("", n)
		return
	}
	if cmd, ok := strings.CutPrefix(t, "crash> "); ok {
		r.seen = true
		r.command(strings.TrimSpace(cmd), n)
		return
	}
	// "# 3678549": the shorthand's task comment. Other "#" lines are prose.
	if rest, ok := strings.CutPrefix(t, "# "); ok {
		if pid, ok := atoi(strings.TrimSpace(rest)); ok {
			r.flush()
			r.mode, r.cmd = modeBT, ""
			r.cur = &Backtrace{PID: pid, CPU: -1, Abbreviated: true, Line: n}
			r.seen = true
			return
		}
		r.skip(n, t)
		return
	}
	t = stripComment(t)
	if isStructCommand(t) {
		r.seen = true
		r.command(t, n)
		return
	}

	other, inOther := r.cur.(*Other)
	if inOther && !looksLikeAnswer(t) {
		other.Lines++
		return
	}
	if r.lineAny(t, n) {
		r.seen = true
		return
	}
	if inOther && r.cur == Record(other) {
		other.Lines++
		return
	}
	r.skip(n, t)
}

// stripComment drops a human " # comment" after crash's text.
func stripComment(t string) string {
	if i := strings.Index(t, " # "); i > 0 {
		return strings.TrimSpace(t[:i])
	}
	if strings.HasSuffix(t, " #") {
		return strings.TrimSpace(t[:len(t)-2])
	}
	return t
}

// isStructCommand matches "struct TYPE[.member] ADDR [flags]" typed
// without its prompt.
func isStructCommand(t string) bool {
	f := strings.Fields(t)
	if len(f) < 3 || (f[0] != "struct" && f[0] != "union") {
		return false
	}
	_, ok := hexAddr(f[2])
	return ok
}

// looksLikeAnswer says whether a line inside an unmodelled command's
// answer is in fact the start of something the reader models, as when a
// prompt was cut from the transcript.
func looksLikeAnswer(t string) bool {
	return strings.HasPrefix(t, "PID: ") || isPSHeader(t) || t == "FREE / [ALLOCATED]"
}

// command starts the answer of a command line.
func (r *Reader) command(cmd string, n int) {
	r.flush()
	r.cmd, r.cmdPID, r.cmdAddr, r.cmdType = cmd, 0, "", ""
	f := strings.Fields(stripComment(cmd))
	verb := ""
	if len(f) > 0 {
		verb = f[0]
	}
	switch verb {
	case "ps":
		r.mode = modePS
	case "bt", "foreach":
		r.mode = modeBT
		if verb == "bt" {
			for _, a := range f[1:] {
				if pid, ok := atoi(a); ok {
					r.cmdPID = pid
					break
				}
			}
		}
	case "kmem":
		r.mode = modeKmem
		for _, a := range f[1:] {
			if addr, ok := hexAddr(a); ok {
				r.cmdAddr = addr
			}
		}
	case "struct", "union", "p", "px", "print":
		r.mode = modeStruct
		if len(f) >= 3 && verb != "p" && verb != "px" && verb != "print" {
			r.cmdType, _, _ = strings.Cut(f[1], ".")
			r.cmdAddr, _ = hexAddr(f[2])
		}
	case "":
		r.mode = modeNone
	default:
		r.mode = modeOther
		r.cur = &Other{Command: cmd, Line: n}
	}
}

// lineAny places a line by its shape; it reports false for a line it
// does not know.
func (r *Reader) lineAny(t string, n int) bool {
	switch {
	case strings.HasPrefix(t, "PID: "):
		return r.btHeader(t, n)
	case isPSHeader(t):
		r.flush()
		r.adopt(modePS)
		r.cur = &PS{Command: r.cmd, Line: n}
		return true
	case t[0] == '#' && len(t) > 1 && isDigit(t[1]):
		return r.frameLine(t, n)
	case strings.HasPrefix(t, "--- <") && strings.HasSuffix(t, "> ---"):
		bt := r.backtrace(n)
		bt.Frames = append(bt.Frames, Frame{Num: -1, Marker: strings.TrimSuffix(strings.TrimPrefix(t, "--- "), " ---"), Line: n})
		return true
	}
	if r.kmemLine(t, n) {
		return true
	}
	if r.fieldLine(t, n) {
		return true
	}
	if r.dataLine(t, n) {
		return true
	}
	if r.regLine(t, n) {
		return true
	}
	if ps, ok := r.cur.(*PS); ok {
		if row, ok := parsePSRow(t, n); ok {
			ps.Rows = append(ps.Rows, row)
			return true
		}
	}
	if bt, ok := r.cur.(*Backtrace); ok && len(bt.Frames) > 0 && isSourceLine(t) {
		bt.Frames[len(bt.Frames)-1].Source = t
		return true
	}
	return false
}

// adopt switches to mode m for an answer recognised by its shape; one
// that does not fit the current command belongs to no command.
func (r *Reader) adopt(m mode) {
	if r.mode != m {
		r.mode, r.cmd, r.cmdPID, r.cmdAddr, r.cmdType = m, "", 0, "", ""
	}
}

// cmdIf returns the current command if it gives answers of mode m.
func (r *Reader) cmdIf(m mode) string {
	if r.mode == m {
		return r.cmd
	}
	return ""
}

func isPSHeader(t string) bool {
	return strings.HasPrefix(t, "PID ") && strings.Contains(t, " PPID ") && strings.Contains(t, " CPU ")
}

// btHeader parses "PID: 3632440  TASK: ffff91fde98a1780  CPU: 5   COMMAND: "rsync"".
func (r *Reader) btHeader(t string, n int) bool {
	r.adopt(modeBT)
	bt := &Backtrace{Command: r.cmd, CPU: -1, Line: n}
	rest := t
	comm := ""
	if i := strings.Index(rest, "COMMAND: "); i >= 0 {
		comm = rest[i+len("COMMAND: "):]
		rest = rest[:i]
		if len(comm) >= 2 && comm[0] == '"' && comm[len(comm)-1] == '"' {
			comm = comm[1 : len(comm)-1]
		}
	}
	f := strings.Fields(rest)
	for i := 0; i+1 < len(f); i += 2 {
		switch f[i] {
		case "PID:":
			pid, ok := atoi(f[i+1])
			if !ok {
				return false
			}
			bt.PID = pid
		case "TASK:":
			bt.Task, _ = hexAddr(f[i+1])
		case "CPU:":
			if c, ok := atoi(f[i+1]); ok {
				bt.CPU = c
			}
		}
	}
	bt.Comm = comm
	r.flush()
	r.cur = bt
	return true
}

// backtrace returns the backtrace being built, starting one from the
// command's PID when the "PID:" line was cut.
func (r *Reader) backtrace(n int) *Backtrace {
	if bt, ok := r.cur.(*Backtrace); ok {
		return bt
	}
	r.flush()
	bt := &Backtrace{Command: r.cmdIf(modeBT), PID: r.cmdPID, CPU: -1, Abbreviated: true, Line: n}
	r.cur = bt
	return bt
}

// frameLine parses "#2 [ffffa932c498bd48] rwsem_down_write_failed_killable at ffffffffa74a074d [mod]".
func (r *Reader) frameLine(t string, n int) bool {
	num, rest, ok := strings.Cut(t[1:], " ")
	if !ok {
		return false
	}
	fr := Frame{Line: n}
	if fr.Num, ok = atoi(num); !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " ")
	if !strings.HasPrefix(rest, "[") {
		return false
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return false
	}
	if fr.SP, ok = hexAddr(rest[1:end]); !ok {
		return false
	}
	rest = strings.TrimLeft(rest[end+1:], " ")
	fn, after, ok := strings.Cut(rest, " at ")
	if !ok || fn == "" {
		return false
	}
	// i386 prints "error_code (via invalid_op) at ..."; x86_64 puts the
	// "(via system_call)" after the address.
	if f, via, ok := strings.Cut(fn, " (via "); ok && strings.HasSuffix(via, ")") {
		fn, fr.Via = f, strings.TrimSuffix(via, ")")
	}
	fr.Func = fn
	addr, tail, _ := strings.Cut(after, " ")
	if fr.Addr, ok = hexAddr(addr); !ok {
		return false
	}
	// Trailing decorations: " (via system_call)", " [module]", " *".
	if i := strings.Index(tail, "(via "); i >= 0 {
		if j := strings.IndexByte(tail[i:], ')'); j > 0 {
			fr.Via = tail[i+len("(via ") : i+j]
		}
	}
	for _, w := range strings.Fields(tail) {
		if len(w) > 2 && w[0] == '[' && w[len(w)-1] == ']' {
			fr.Module = w[1 : len(w)-1]
		}
	}
	bt := r.backtrace(n)
	bt.Frames = append(bt.Frames, fr)
	return true
}

// dataLine parses a bt -F/-FF stack data line
// "ffffa932c498be60: 00000000fffffff2 [ffff91fe2bb65b00:filp]", or a
// bare "[ffff91fdfdcbf000:filp]" word of the shorthand.
func (r *Reader) dataLine(t string, n int) bool {
	stack := ""
	words := t
	if i := strings.Index(t, ": "); i > 0 {
		a, ok := hexAddr(t[:i])
		if !ok {
			return false
		}
		stack, words = a, t[i+2:]
	} else if t[0] != '[' {
		return false
	}
	var slabs []Slab
	for _, w := range strings.Fields(words) {
		if w[0] != '[' {
			if _, ok := hexAddr(w); ok || isSymbolWord(w) {
				continue
			}
			return false
		}
		if w[len(w)-1] != ']' {
			return false
		}
		in := w[1 : len(w)-1]
		if _, ok := hexAddr(in); ok && len(in) >= 8 {
			return false // a kmem object line, not a stack word
		}
		s := Slab{Stack: stack, Line: n}
		if a, c, ok := strings.Cut(in, ":"); ok {
			if s.Addr, ok = hexAddr(a); !ok || c == "" {
				return false
			}
			s.Cache = c
		} else {
			if in == "" {
				return false
			}
			s.Cache = in
		}
		slabs = append(slabs, s)
	}
	if stack == "" && len(slabs) == 0 {
		return false
	}
	if _, ok := r.cur.(*Backtrace); !ok && r.mode != modeBT && stack != "" {
		// A data line only follows a bt answer.
		return false
	}
	bt := r.backtrace(n)
	for _, s := range slabs {
		if s.Addr != "" {
			r.lastObj = s.Addr
		}
	}
	if len(bt.Frames) == 0 {
		bt.Loose = append(bt.Loose, slabs...)
	} else {
		f := &bt.Frames[len(bt.Frames)-1]
		f.Data = append(f.Data, slabs...)
	}
	return true
}

// isSymbolWord matches the "down_read+19" words bt -F prints for text
// addresses.
func isSymbolWord(w string) bool {
	name, off, ok := strings.Cut(w, "+")
	if !ok {
		return isIdent(w)
	}
	_, numOK := atoi(off)
	return isIdent(name) && numOK
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '.' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

// regLine parses register lines "RIP: 00007f612a9bd757  RSP: ..." and
// "[exception RIP: foo+12]".
func (r *Reader) regLine(t string, n int) bool {
	bt, ok := r.cur.(*Backtrace)
	if !ok || len(bt.Frames) == 0 {
		return false
	}
	f := &bt.Frames[len(bt.Frames)-1]
	if v, ok := strings.CutPrefix(t, "[exception RIP: "); ok && strings.HasSuffix(v, "]") {
		f.Regs = append(f.Regs, Field{Name: "exception RIP", Value: strings.TrimSuffix(v, "]"), Line: n})
		return true
	}
	w := strings.Fields(t)
	if len(w)%2 != 0 {
		return false
	}
	regs := make([]Field, 0, len(w)/2)
	for i := 0; i < len(w); i += 2 {
		name, ok := strings.CutSuffix(w[i], ":")
		if !ok || !isIdent(name) {
			return false
		}
		if _, ok := hexAddr(w[i+1]); !ok {
			return false
		}
		regs = append(regs, Field{Name: name, Value: w[i+1], Line: n})
	}
	f.Regs = append(f.Regs, regs...)
	return true
}

func isSourceLine(t string) bool {
	i := strings.LastIndex(t, ": ")
	if i < 0 || !strings.Contains(t[:i], ".") {
		return false
	}
	_, ok := atoi(t[i+2:])
	return ok
}

// kmem starts a kmem answer.
func (r *Reader) kmem(n int) *Kmem {
	r.flush()
	k := &Kmem{Line: n}
	if r.mode == modeKmem {
		k.Command, k.Query = r.cmd, r.cmdAddr
	}
	r.cur = k
	return k
}

// kmemLine parses the parts of a kmem answer: the CACHE table, the SLAB
// and PAGE tables (recognised, not kept), "FREE / [ALLOCATED]" and the
// object line under it: "[ffff91fe2bb65b00]" when allocated,
// "ffff91fe2bb65b00" (maybe with "(cpu 3 cache)") when free.
func (r *Reader) kmemLine(t string, n int) bool {
	switch {
	case strings.HasPrefix(t, "CACHE ") && strings.HasSuffix(t, " NAME"):
		r.kmem(n)
		r.kstate = kmemCache
		return true
	case t == "FREE / [ALLOCATED]":
		if k, ok := r.cur.(*Kmem); !ok || k.Object != "" {
			r.kmem(n)
		}
		r.kstate = kmemFree
		return true
	}
	k, ok := r.cur.(*Kmem)
	if !ok {
		return false
	}
	if strings.HasPrefix(t, "SLAB ") || strings.HasPrefix(t, "PAGE ") {
		r.kstate = kmemTable
		return true
	}
	f := strings.Fields(t)
	switch r.kstate {
	case kmemFree:
		w := f[0]
		alloc := len(w) > 2 && w[0] == '[' && w[len(w)-1] == ']'
		if alloc {
			w = w[1 : len(w)-1]
		}
		a, ok := hexAddr(w)
		if !ok || (alloc && len(f) > 1) {
			return false
		}
		k.Object, k.Allocated, k.ObjectLine = a, alloc, n
		r.lastObj = a
		r.kstate = kmemTable
		return true
	case kmemCache:
		if _, ok := hexAddr(f[0]); ok && len(f) >= 7 {
			k.Cache = f[len(f)-1]
			r.kstate = kmemTable
			return true
		}
	case kmemTable:
		if _, ok := hexAddr(f[0]); ok && len(f) >= 3 {
			return true
		}
	}
	return false
}

// fieldLine parses struct answers: "f_inode = 0xffff91fca5985500,",
// "struct file {", "}," and struct -o lines.
func (r *Reader) fieldLine(t string, n int) bool {
	if strings.HasPrefix(t, "[") && strings.HasSuffix(t, ";") {
		end := strings.IndexByte(t, ']')
		if end < 0 {
			return false
		}
		decl := strings.TrimSuffix(strings.TrimSpace(t[end+1:]), ";")
		sp := strings.LastIndexAny(decl, " *")
		if sp < 0 {
			return false
		}
		fd := Field{Type: strings.TrimSpace(decl[:sp+1]), Name: strings.TrimLeft(decl[sp+1:], "*"), Line: n}
		in := t[1:end]
		if strings.HasPrefix(in, "0x") {
			fd.Offset = in
		} else if a, ok := hexAddr(in); ok {
			fd.Addr = a
		} else {
			return false
		}
		r.structRec(n).Fields = append(r.structRec(n).Fields, fd)
		return true
	}
	if strings.HasSuffix(t, " {") && (strings.HasPrefix(t, "struct ") || strings.HasPrefix(t, "union ")) {
		s := r.structRec(n)
		if s.Type == "" {
			s.Type = strings.Fields(t)[1]
		}
		return true
	}
	if t == "}" || t == "}," {
		if s, ok := r.cur.(*Struct); ok {
			_ = s
			if len(r.depth) > 0 {
				r.depth = r.depth[:len(r.depth)-1]
			}
			return true
		}
		return false
	}
	name, val, ok := strings.Cut(t, " = ")
	if !ok || !isIdent(strings.TrimPrefix(name, ".")) {
		return false
	}
	s := r.structRec(n)
	val = strings.TrimSuffix(val, ",")
	if val == "{" {
		r.depth = append(r.depth, name)
		return true
	}
	full := name
	if len(r.depth) > 0 {
		full = strings.Join(r.depth, ".") + "." + name
	}
	s.Fields = append(s.Fields, Field{Name: full, Value: val, Line: n})
	return true
}

// structRec returns the struct answer being built, starting one if needed.
func (r *Reader) structRec(n int) *Struct {
	if s, ok := r.cur.(*Struct); ok {
		return s
	}
	r.flush()
	s := &Struct{Line: n}
	if r.mode == modeStruct {
		s.Command, s.Type, s.Addr = r.cmd, r.cmdType, r.cmdAddr
	} else {
		s.Addr, s.Inferred = r.lastObj, true
	}
	r.cur = s
	return s
}

// parsePSRow parses "> 3621271  152322   7  ffff91fd6d044680  UN   0.7  409284 128232  rsync".
func parsePSRow(t string, n int) (PSRow, bool) {
	row := PSRow{Line: n}
	if t[0] == '>' || t[0] == '-' {
		row.Active = true
		t = strings.TrimLeft(t[1:], " ")
	}
	var f [8]string
	rest := t
	for i := range f {
		rest = strings.TrimLeft(rest, " ")
		j := strings.IndexByte(rest, ' ')
		if j < 0 {
			return row, false
		}
		f[i], rest = rest[:j], rest[j:]
	}
	comm := strings.TrimSpace(rest)
	var ok bool
	if row.PID, ok = atoi(f[0]); !ok {
		return row, false
	}
	if row.PPID, ok = atoi(f[1]); !ok {
		return row, false
	}
	if f[2] == "?" {
		row.CPU = -1
	} else if row.CPU, ok = atoi(f[2]); !ok {
		return row, false
	}
	if row.Task, ok = hexAddr(f[3]); !ok {
		return row, false
	}
	row.State = f[4]
	if len(row.State) < 2 || !isUpper(row.State) {
		return row, false
	}
	row.Mem = f[5]
	vsz, err1 := strconv.ParseInt(f[6], 10, 64)
	rss, err2 := strconv.ParseInt(f[7], 10, 64)
	if err1 != nil || err2 != nil || comm == "" {
		return row, false
	}
	row.VSZ, row.RSS = vsz, rss
	if len(comm) >= 2 && comm[0] == '[' && comm[len(comm)-1] == ']' {
		comm, row.Kernel = comm[1:len(comm)-1], true
	}
	row.Comm = comm
	return row, true
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// hexAddr reads a hex number with or without "0x" and returns it in lower
// case without the prefix.
func hexAddr(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || len(s) > 16 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !(c|0x20 >= 'a' && c|0x20 <= 'f') {
			return "", false
		}
	}
	return strings.ToLower(s), true
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

// Sniff reports whether head, the start of an input, looks like a crash
// transcript: a "crash> " prompt, a bt "PID: ... TASK: " line or a ps
// header.
func Sniff(head []byte) bool {
	s := string(head)
	for s != "" {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "crash> ") || isPSHeader(t) ||
			strings.HasPrefix(t, "PID: ") && strings.Contains(t, " TASK: ") {
			return true
		}
	}
	return false
}
