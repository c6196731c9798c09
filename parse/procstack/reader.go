// Package procstack reads the kernel stacks people save from
// /proc/PID/stack, streaming, one Sample per snapshot of one task.
//
// The kernel writes one line per frame (fs/proc/base.c, proc_pid_stack).
// Kernels before 4.17 print the return address and end the list with a
// ULONG_MAX entry:
//
//	[<ffffffffa04f69b4>] rpc_wait_bit_killable+0x24/0x40 [sunrpc]
//	[<ffffffffffffffff>] 0xffffffffffffffff
//
// later kernels hide the address behind a literal zero ("[<0>] %pB"):
//
//	[<0>] iterate_dir+0x86/0x2a0
//
// Recent kernels also leave the scheduler's own frames out, so a waiter's
// stack may begin at the call site. The reader only parses; it infers
// nothing.
//
// Snapshots arrive in many wrappings, all of which the reader accepts in
// one file, freely mixed:
//
//   - a single raw snapshot; its PID comes from Options.PID or from the
//     file name (see PIDFromName);
//   - header lines naming the task before each stack: "==> /proc/123/stack <=="
//     (tail -n +1, head), a bare "/proc/123/stack" or
//     "/proc/123/task/124/stack" path, a line holding only a PID, a shell
//     echo of the command ("+ cat /proc/123/stack", "# cat /proc/123/stack");
//   - a ps line before each stack, from "ps -eo pid,stat,comm" (PID, then
//     an optional STAT, then the name) or "ps aux"/"ps u" (USER PID %CPU
//     %MEM VSZ RSS TTY STAT START TIME COMMAND), which also gives State and
//     Comm; ps header lines are recognised and ignored;
//   - grep-style prefixes on every line: "/proc/123/stack:[<0>] ...";
//   - time stamps between rounds of snapshots, which stamp every following
//     sample until the next one: date(1)'s default "Wed Nov 25 22:44:18 UTC
//     2026", RFC 3339 / ISO 8601 ("2026-11-25T22:44:18+00:00", also with a
//     space or nanoseconds), RFC 1123 ("date -R"), and epoch seconds from
//     "date +%s" or "date +%s.%N" (a number of at least nine digits, so it
//     cannot be a PID). Any of them may be wrapped in a separator such as
//     "=== 1712802314 ===", "---- ... ----" or "### ... ###".
//
// Without headers, two stacks pasted back to back (cat /proc/1/stack
// /proc/2/stack) are told apart by the entry frames that end a stack
// (entry_SYSCALL_64_after_hwframe, ret_from_fork_asm, ...): a frame that
// follows one starts a new sample. A blank line also ends a sample.
package procstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/lagtrace/lagtrace/internal/lines"
)

// ErrFormat is wrapped by the error a Reader returns when its input is not
// /proc/PID/stack text at all.
var ErrFormat = errors.New("not /proc/PID/stack text")

// Options configure a Reader.
type Options struct {
	// Name labels errors, and a raw snapshot without headers takes its PID
	// from it when PID is zero ("3748012.stack", "/proc/3748012/stack").
	Name string
	// PID is the task of frames that no header names.
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
	// PID is the process (or thread, for a /proc/PID/stack header) the
	// stack belongs to; 0 when nothing in the input named it.
	PID int
	// TID is the thread of a /proc/PID/task/TID/stack header, else PID.
	TID int
	// Comm and State are what a ps line before the stack said: the name
	// (or, from ps aux, the whole command) and the STAT column ("D", "S+").
	Comm, State string
	// Time is the last time stamp seen before the sample, in nanoseconds
	// since the Unix epoch; HasTime is false when there was none.
	Time    int64
	HasTime bool
	Frames  []Frame
	// Line is the 1-based line where the sample starts: its header, or
	// its first frame.
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
// before the reader decides the input is something else.
const maxProbe = 64

// maxIntern bounds the table of symbol and module names, so a stream of
// distinct names cannot grow memory without limit.
const maxIntern = 1 << 14

// Reader reads Samples from text. The Sample returned by Sample and its
// Frames are reused: they are valid until the next call to Next.
type Reader struct {
	lr   *lines.Reader
	opts Options

	cur     Sample
	pending header // task named by the last header, for the next sample
	hasHdr  bool
	open    bool // cur has started (has frames)
	bottom  bool // the last frame ended a stack
	time    int64
	hasTime bool
	out     Sample // the sample handed to the caller

	frames   int // frames seen so far
	nonBlank int
	firstNB  int
	firstTxt string
	skips    Skips
	err      error
	done     bool
	intern   map[string]string
}

type header struct {
	pid, tid    int
	comm, state string
	line        int
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opts Options) *Reader {
	rd := &Reader{
		lr:     lines.NewReader(r),
		opts:   opts,
		intern: make(map[string]string),
	}
	rd.lr.Max = opts.MaxLine
	return rd
}

// Sample returns the sample the last successful Next read.
func (r *Reader) Sample() *Sample { return &r.out }

// Err returns the first error: reading, or ErrFormat (wrapped, with the
// file name and line) when the input holds no stack.
func (r *Reader) Err() error { return r.err }

// Skipped reports the lines that were neither a frame nor a recognised
// header, time stamp or ps line.
func (r *Reader) Skipped() Skips { return r.skips }

// Next advances to the next sample and reports whether there is one.
func (r *Reader) Next() bool {
	if r.done {
		return false
	}
	for {
		line, ok := r.lr.Next()
		if !ok {
			r.done = true
			if err := r.lr.Err(); err != nil {
				r.err = fmt.Errorf("%s:%d: %w", r.name(), r.lr.Number(), err)
				return false
			}
			if r.frames == 0 && r.nonBlank > 0 {
				r.formatError(r.firstNB, r.firstTxt)
				return false
			}
			return r.emit()
		}
		if r.lr.Long > 0 {
			r.skip(r.lr.Number(), lines.Describe(line, r.lr.Long, r.opts.MaxLine))
			continue
		}
		if r.handle(line, r.lr.Number()) {
			return true
		}
		if r.err != nil {
			r.done = true
			return false
		}
	}
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

// handle consumes one line; it reports true when a sample is complete in
// r.out.
func (r *Reader) handle(line []byte, n int) bool {
	s := strings.TrimRight(unsafeString(line), " \t\r")
	t := strings.TrimLeft(s, " \t")
	if t == "" {
		return r.emit()
	}
	r.nonBlank++
	if r.nonBlank == 1 {
		r.firstNB, r.firstTxt = n, clip(t)
	}

	// grep -H / grep . /proc/*/stack: "PATH:[<0>] ..."
	if i := strings.Index(t, "stack:"); i > 0 && strings.HasPrefix(t[i+len("stack:"):], "[<") {
		if pid, tid, ok := idsFromPath(t[:i+len("stack")]); ok {
			done := false
			if r.open && (r.cur.PID != pid || r.cur.TID != tid) {
				done = r.emit()
			}
			r.setHeader(header{pid: pid, tid: tid, line: n})
			return r.frame(t[i+len("stack:"):], n) || done
		}
	}

	if strings.HasPrefix(t, "[<") {
		return r.frame(t, n)
	}
	if r.frames == 0 && r.nonBlank > maxProbe {
		r.formatError(r.firstNB, r.firstTxt)
		return false
	}
	if h, ok := parseHeader(t, r.str); ok {
		h.line = n
		done := r.emit()
		r.setHeader(h)
		return done
	}
	if ns, ok := parseTime(t); ok {
		done := r.emit()
		r.time, r.hasTime = ns, true
		return done
	}
	if isPSHeader(t) {
		return false
	}
	r.skip(n, t)
	return false
}

func (r *Reader) setHeader(h header) {
	r.pending, r.hasHdr = h, true
}

func (r *Reader) skip(n int, t string) {
	r.skips.Count++
	if r.skips.Count == 1 {
		r.skips.FirstLine, r.skips.FirstText = n, clip(t)
	}
}

// frame parses a frame line; it reports true when the frame started a
// new sample and so completed the previous one.
func (r *Reader) frame(t string, n int) bool {
	f, ok := parseFrame(t, r.str)
	if !ok {
		r.skip(n, t)
		return false
	}
	r.frames++
	if f.Func == "" {
		// The ULONG_MAX terminator of old kernels: the stack ends here.
		r.bottom = r.open
		return false
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

func (r *Reader) start(n int) {
	c := &r.cur
	c.Frames = c.Frames[:0]
	c.Time, c.HasTime = r.time, r.hasTime
	if r.hasHdr {
		h := r.pending
		c.PID, c.TID, c.Comm, c.State, c.Line = h.pid, h.tid, h.comm, h.state, h.line
		r.hasHdr = false
	} else {
		pid := r.opts.PID
		if pid == 0 {
			pid, _ = PIDFromName(r.opts.Name)
		}
		c.PID, c.TID, c.Comm, c.State, c.Line = pid, pid, "", "", n
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

// bottoms are the entry frames a stack ends with; ret_from_fork is
// followed by ret_from_fork_asm on 6.x, hence the check in frame.
var bottoms = [...]string{
	"entry_SYSCALL_64_after_hwframe",
	"entry_SYSCALL_64_fastpath",
	"system_call_fastpath",
	"entry_SYSCALL_64",
	"entry_SYSENTER_compat_after_hwframe",
	"entry_INT80_compat",
	"ret_from_fork",
	"ret_from_fork_asm",
	"kernel_thread_helper",
	"el0t_64_sync",
	"el0t_64_irq",
	"ret_from_fork_asm",
}

func isBottom(fn string) bool {
	for _, b := range bottoms {
		if fn == b {
			return true
		}
	}
	return false
}

// parseFrame parses "[<ADDR>] SYMBOL+0xOFF/0xSIZE [MODULE]". A frame with
// an empty Func is the old kernels' ULONG_MAX terminator.
func parseFrame(t string, str func(string) string) (Frame, bool) {
	var f Frame
	end := strings.Index(t, ">]")
	if !strings.HasPrefix(t, "[<") || end < 0 {
		return f, false
	}
	addr := t[2:end]
	if addr != "0" {
		v, err := strconv.ParseUint(addr, 16, 64)
		if err != nil {
			return f, false
		}
		f.Addr = v
	}
	rest := strings.TrimLeft(t[end+2:], " \t")
	sym, mod, _ := strings.Cut(rest, " ")
	if sym == "" {
		return f, false
	}
	if mod = strings.TrimSpace(mod); mod != "" {
		if len(mod) < 2 || mod[0] != '[' || mod[len(mod)-1] != ']' {
			return f, false
		}
		mod = mod[1 : len(mod)-1]
		mod, _, _ = strings.Cut(mod, " ") // drop a build ID
		if mod == "" {
			return f, false
		}
		f.Module = str(mod)
	}
	plus := strings.LastIndexByte(sym, '+')
	if plus < 0 {
		if !strings.HasPrefix(sym, "0x") {
			return f, false
		}
		v, err := strconv.ParseUint(sym[2:], 16, 64)
		if err != nil {
			return f, false
		}
		if v == ^uint64(0) {
			return Frame{}, true
		}
		f.Func = str(sym)
		return f, true
	}
	off, size, ok := strings.Cut(sym[plus+1:], "/")
	if !ok || plus == 0 {
		return f, false
	}
	var err error
	if f.Offset, err = parseHex(off); err != nil {
		return f, false
	}
	if f.Size, err = parseHex(size); err != nil {
		return f, false
	}
	f.Func = str(sym[:plus])
	return f, true
}

func parseHex(s string) (uint64, error) {
	s, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 16, 64)
}

// parseHeader recognises the lines that name the task of the stack that
// follows.
func parseHeader(t string, str func(string) string) (header, bool) {
	if inner, ok := strings.CutPrefix(t, "==> "); ok {
		if inner, ok = strings.CutSuffix(inner, " <=="); ok {
			if pid, tid, ok := idsFromPath(inner); ok {
				return header{pid: pid, tid: tid}, true
			}
		}
		return header{}, false
	}
	// A shell echo: "+ cat /proc/1/stack", "[root@b ~]# cat /proc/1/stack".
	if i := strings.LastIndex(t, "cat "); i >= 0 {
		p := strings.TrimSpace(t[i+len("cat "):])
		if pid, tid, ok := idsFromPath(p); ok && strings.HasPrefix(p, "/proc/") {
			return header{pid: pid, tid: tid}, true
		}
	}
	if strings.HasPrefix(t, "/proc/") && strings.HasSuffix(t, "/stack") {
		if pid, tid, ok := idsFromPath(t); ok {
			return header{pid: pid, tid: tid}, true
		}
		return header{}, false
	}
	return parsePS(t, str)
}

// idsFromPath reads "/proc/PID/stack" and "/proc/PID/task/TID/stack",
// with any leading directories.
func idsFromPath(p string) (pid, tid int, ok bool) {
	i := strings.LastIndex(p, "/proc/")
	if i < 0 {
		return 0, 0, false
	}
	mid, ok := strings.CutSuffix(p[i+len("/proc/"):], "/stack")
	if !ok {
		return 0, 0, false
	}
	a, b, hasTask := strings.Cut(mid, "/task/")
	pid, ok = atoi(a)
	if !ok {
		return 0, 0, false
	}
	if !hasTask {
		return pid, pid, true
	}
	tid, ok = atoi(b)
	return pid, tid, ok
}

// PIDFromName finds the PID in a file name: "/proc/3748012/stack",
// "/proc/1/task/3748012/stack" (the PID, not the thread), "3748012.stack",
// "stack.3748012", "stack-3748012.txt". The base name must hold exactly
// one run of digits, so "stack-2026-11-25.txt" names none.
func PIDFromName(name string) (int, bool) {
	if pid, _, ok := idsFromPath(name); ok {
		return pid, true
	}
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	var runs, start, end int
	for i := 0; i < len(base); {
		if !isDigit(base[i]) {
			i++
			continue
		}
		j := i
		for j < len(base) && isDigit(base[j]) {
			j++
		}
		runs++
		start, end = i, j
		i = j
	}
	if runs != 1 {
		return 0, false
	}
	return atoi(base[start:end])
}

// parsePS recognises a ps line: "PID [STAT] COMM" (ps -eo pid,stat,comm
// and friends) or ps aux / ps u with USER first.
func parsePS(t string, str func(string) string) (header, bool) {
	var fs [11]string
	n := fields(t, fs[:])
	if n == 0 {
		return header{}, false
	}
	if pid, ok := atoi(fs[0]); ok {
		h := header{pid: pid, tid: pid}
		if n == 1 {
			// A bare number below the epoch-stamp range is a PID.
			if len(fs[0]) >= 9 {
				return header{}, false
			}
			return h, true
		}
		rest := strings.TrimLeft(t[len(fs[0])+strings.Index(t, fs[0]):], " \t")
		if isStat(fs[1]) {
			h.state = str(fs[1])
			rest = strings.TrimLeft(rest[len(fs[1]):], " \t")
		}
		h.comm = str(rest)
		return h, true
	}
	// USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND
	if n < 11 {
		return header{}, false
	}
	pid, ok := atoi(fs[1])
	if !ok || !isStat(fs[7]) || !strings.Contains(fs[2], ".") || !strings.Contains(fs[3], ".") {
		return header{}, false
	}
	i := strings.Index(t, fs[9]) + len(fs[9])
	return header{pid: pid, tid: pid, state: str(fs[7]), comm: str(strings.TrimSpace(t[i:]))}, true
}

// fields splits t on blanks into fs and returns how many it filled; the
// last slot is not split further than needed.
func fields(t string, fs []string) int {
	n := 0
	for len(t) > 0 && n < len(fs) {
		t = strings.TrimLeft(t, " \t")
		if t == "" {
			break
		}
		i := strings.IndexAny(t, " \t")
		if i < 0 {
			i = len(t)
		}
		fs[n] = t[:i]
		n++
		t = t[i:]
	}
	return n
}

// isStat matches ps's STAT column: a state letter, then modifiers.
func isStat(s string) bool {
	if s == "" || !strings.ContainsRune("RSDTtZXIWKP", rune(s[0])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !strings.ContainsRune("<NLsl+", rune(s[i])) {
			return false
		}
	}
	return true
}

func isPSHeader(t string) bool {
	return strings.HasPrefix(t, "PID ") || strings.HasPrefix(t, "USER ") ||
		strings.HasPrefix(t, "UID ") || (strings.Contains(t, " PID ") && strings.HasSuffix(t, "COMMAND")) ||
		strings.HasSuffix(t, " COMM") && strings.Contains(t, "PID")
}

// timeLayouts are the date(1) outputs a snapshot loop commonly prints.
var timeLayouts = [...]string{
	time.UnixDate,                         // date
	"Mon Jan _2 15:04:05 MST 2006",        // date, single-digit day
	"Mon 02 Jan 2006 03:04:05 PM MST",     // date, en_US locale
	time.RFC1123Z,                         // date -R
	time.RFC3339Nano,                      // date -Ins (with ',' folded)
	"2006-01-02 15:04:05.999999999Z07:00", // date --rfc-3339=ns
	"2006-01-02 15:04:05",                 // date '+%F %T'
	"2006-01-02T15:04:05",
}

// parseTime recognises a time stamp line, bare or inside a separator.
func parseTime(t string) (int64, bool) {
	t = strings.Trim(t, "=-#*[] \t")
	if t == "" {
		return 0, false
	}
	if isDigit(t[0]) {
		if ns, ok := parseEpoch(t); ok {
			return ns, true
		}
	}
	// date -Ins writes a decimal comma, which Go's layouts do not accept.
	dot := strings.Replace(t, ",", ".", 1)
	for _, l := range timeLayouts {
		if tm, err := time.Parse(l, t); err == nil {
			return tm.UnixNano(), true
		}
		if tm, err := time.Parse(l, dot); dot != t && err == nil {
			return tm.UnixNano(), true
		}
	}
	return 0, false
}

// parseEpoch reads "1712802314" or "1712802314.374988" (at least nine
// integer digits: 2001 onwards, and never a PID).
func parseEpoch(t string) (int64, bool) {
	sec, frac, _ := strings.Cut(t, ".")
	if len(sec) < 9 || len(sec) > 11 {
		return 0, false
	}
	s, ok := atoi(sec)
	if !ok {
		return 0, false
	}
	ns := int64(s) * 1e9
	if frac != "" {
		if len(frac) > 9 {
			return 0, false
		}
		f, ok := atoi(frac)
		if !ok {
			return 0, false
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		ns += int64(f)
	}
	return ns, true
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
// the line's lifetime is cloned (str, clip, parsePS).
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Sniff reports whether head, the start of an input, looks like
// /proc/PID/stack text: some line in it is a frame, bare or grep-prefixed.
func Sniff(head []byte) bool {
	for len(head) > 0 {
		var line []byte
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			line, head = head, nil
		}
		line = bytes.TrimLeft(line, " \t")
		if i := bytes.Index(line, []byte("stack:[<")); i > 0 {
			line = line[i+len("stack:"):]
		}
		if _, ok := parseFrame(strings.TrimRight(unsafeString(line), " \t\r"), func(s string) string { return s }); ok {
			return true
		}
	}
	return false
}
