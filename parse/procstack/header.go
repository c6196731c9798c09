package procstack

import (
	"path"
	"strings"
	"time"
)

// header is what a header line says of the task whose stack follows.
type header struct {
	pid, tgid   int
	hasPID      bool
	comm, state string
	line        int
}

// stackPath reads the path of a stack file: "/proc/PID/stack",
// "/proc/TGID/task/TID/stack", relative to /proc ("6409/stack",
// "28014[28015]/stack", the thread in brackets), or in a copy of /proc
// under any directory ("sosreport/proc/101/stack", a tarball's
// "1380213238/11210/stack"): the directory holding the stack file is the
// task's. A thread's stack belongs to the thread: pid is the TID, tgid
// the process.
func stackPath(p string) (header, bool) {
	mid, ok := strings.CutSuffix(p, "/stack")
	if !ok {
		return header{}, false
	}
	if i := strings.LastIndex(mid, "/task/"); i >= 0 {
		// TGID/task/TID: the directory before "task" is the process.
		if j := strings.LastIndexByte(mid[:i], '/'); j >= 0 {
			mid = mid[j+1:]
		}
	} else if j := strings.LastIndexByte(mid, '/'); j >= 0 {
		mid = mid[j+1:]
	}
	a, b, task := strings.Cut(mid, "/task/")
	if j := strings.IndexByte(mid, '['); !task && j > 0 && strings.HasSuffix(mid, "]") {
		a, b, task = mid[:j], mid[j+1:len(mid)-1], true
	}
	pid, ok := atoi(a)
	if !ok || pid == 0 {
		return header{}, false
	}
	if !task {
		return header{pid: pid, hasPID: true}, true
	}
	tid, ok := atoi(b)
	if !ok || tid == 0 {
		return header{}, false
	}
	return header{pid: tid, tgid: pid, hasPID: true}, true
}

// parseTail reads the header tail(1) and head(1) print between files,
// "==> FILE <==", with arrows of any length and anything after the file
// name inside them: "===> 28014[28015]/stack <===", "==> /proc/123/stack
// (comm=ls, state=D) at 1795646204.83 <==". isStack is false for a header
// of another file ("==> /proc/123/syscall <=="); a stack file whose path
// gives no PID gives a header without one.
func parseTail(t string, str func(string) string) (h header, isStack, ok bool) {
	i := 0
	for i < len(t) && t[i] == '=' {
		i++
	}
	if i < 2 || i >= len(t) || t[i] != '>' {
		return header{}, false, false
	}
	j := len(t)
	for j > 0 && t[j-1] == '=' {
		j--
	}
	if len(t)-j < 2 || j <= i+1 || t[j-1] != '<' {
		return header{}, false, false
	}
	inner := strings.TrimSpace(t[i+1 : j-1])
	file, note, _ := strings.Cut(inner, " ")
	if !strings.HasSuffix(file, "/stack") {
		return header{}, false, true
	}
	h, _ = stackPath(file)
	h.comm = str(annotation(note, "comm="))
	h.state = str(annotation(note, "state="))
	return h, true, true
}

// annotation returns the value of key ("comm=") in a header's note, up
// to a comma, a parenthesis or a space.
func annotation(note, key string) string {
	i := strings.Index(note, key)
	if i < 0 || i > 0 && isLetter(note[i-1]) {
		return ""
	}
	v := note[i+len(key):]
	if j := strings.IndexAny(v, ", )\t"); j >= 0 {
		v = v[:j]
	}
	return v
}

// parsePath reads a header that is a stack path alone ("/proc/123/stack",
// "/proc/5/task/6/stack"), or the shell's trace of a command reading one
// ("+ cat /proc/8367/stack").
func parsePath(t string) (header, bool) {
	if strings.HasPrefix(t, "+") {
		h, what := commandHeader(strings.TrimLeft(t, "+ "))
		return h, what == readsStack && h.hasPID
	}
	if strings.HasPrefix(t, "/proc/") || strings.HasPrefix(t, "proc/") {
		return stackPath(t)
	}
	return header{}, false
}

// What a shell command's output is.
const (
	readsOther = iota
	// readsStack: the command reads /proc/*/stack files.
	readsStack
	// listsTasks: ps, pgrep, pidof, echo, date: headers and time stamps.
	listsTasks
)

// commandHeader says what the output of a shell command is. A command
// that reads one stack by its literal path names its task ("cat
// /proc/2787/stack", "sudo cat /proc/32733/stack"); one that reads stacks
// by a path the shell expands ("cat /proc/`pidof systemd-sleep`/stack",
// "for i in $(pgrep x); do cat /proc/$i/stack; done") or reads several
// names none: a header without a PID, which a PID line the command echoes
// may still name.
func commandHeader(cmd string) (header, int) {
	var found []header
	mentions := false
	words := strings.Fields(cmd)
	for _, w := range words {
		w = strings.Trim(w, `"';`)
		if !strings.Contains(w, "stack") {
			continue
		}
		mentions = true
		h, _ := stackPath(w)
		found = append(found, h)
	}
	if mentions {
		if len(found) == 1 {
			return found[0], readsStack
		}
		return header{}, readsStack
	}
	for len(words) > 0 && (words[0] == "sudo" || words[0] == "env" || words[0] == "time" || words[0] == "nice") {
		words = words[1:]
	}
	// Shell assignments ("PID1=2174401") print nothing: the lines after
	// them are the commands typed next and their output.
	for len(words) > 0 && isAssignment(words[0]) {
		words = words[1:]
	}
	if len(words) == 0 {
		return header{}, listsTasks
	}
	if len(words) > 0 {
		switch path.Base(words[0]) {
		case "ps", "pgrep", "pidof", "echo", "printf", "date", "for", "while":
			return header{}, listsTasks
		}
	}
	return header{}, readsOther
}

// isAssignment is a shell variable assignment: "PID1=2174401".
func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	return ok && name != "" && !strings.ContainsAny(name, "/$-") && (isLetter(name[0]) || name[0] == '_')
}

// parsePIDLine reads a line that names a task by PID alone: "1941835",
// "123:", "PID 123", "PID = 301", "PID: 123", "TID 124", "--- 123 ---",
// or a PID after a separator with a note of the loop that printed it
// ("=== 3253: write_dirty_finish", from "echo === $pid $func"). A number
// of nine digits or more is a time stamp, not a PID.
func parsePIDLine(t string) (header, bool) {
	if sep := strings.TrimLeft(t, "="); len(sep) < len(t)-1 || len(strings.TrimLeft(t, "-")) < len(t)-1 {
		sep = strings.TrimLeft(sep, "-")
		pid, note, _ := strings.Cut(strings.TrimSpace(sep), " ")
		note = strings.TrimSpace(note)
		if n, ok := atoi(strings.TrimSuffix(pid, ":")); ok && n > 0 && len(pid) < 10 && note != "" && !strings.ContainsAny(note, " \t=-") {
			return header{pid: n, hasPID: true}, true
		}
	}
	s := strings.TrimSpace(strings.Trim(t, "-=#*"))
	s = strings.TrimSpace(strings.TrimSuffix(s, ":"))
	if pid, ok := atoi(s); ok {
		return header{pid: pid, hasPID: true}, pid > 0 && len(s) < 9
	}
	k := 0
	for k < len(s) && isLetter(s[k]) {
		k++
	}
	if kw := strings.ToLower(s[:k]); kw != "pid" && kw != "tid" {
		return header{}, false
	}
	rest := strings.TrimLeft(s[k:], " \t")
	if rest == s[k:] && rest != "" && rest[0] != ':' && rest[0] != '=' {
		// "PID123": the keyword must end at a blank or a sign.
		return header{}, false
	}
	rest = strings.TrimSpace(strings.TrimLeft(rest, ":="))
	pid, ok := atoi(rest)
	return header{pid: pid, hasPID: true}, ok && pid > 0 && len(rest) < 9
}

// isLabel is a capture script's own line, no stack text: "wchan:
// __bch2_closure_sync", "D_task_count: 2", "UMPID=2153".
func isLabel(t string) bool {
	i := 0
	for i < len(t) && (isLetter(t[i]) || isDigit(t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-') {
		i++
	}
	if i == 0 || !isLetter(t[0]) && t[0] != '_' || i == len(t) {
		return false
	}
	return t[i] == '=' || t[i] == ':' && (i+1 == len(t) || t[i+1] == ' ' || t[i+1] == '\t')
}

// columns locates the fields of ps rows under a header row.
type columns struct {
	// n is the number of columns; 0 when there is no header.
	n int
	// The indexes of the columns used, -1 when absent.
	pid, tid, stat, comm int
}

// psColumns are the column names ps prints (in lower case) that say a
// line is a ps header.
var psColumns = map[string]bool{
	"pid": true, "tid": true, "lwp": true, "spid": true, "ppid": true, "pgid": true, "sid": true, "tgid": true,
	"stat": true, "state": true, "s": true, "comm": true, "command": true, "cmd": true, "args": true, "ucomm": true,
	"wchan": true, "user": true, "uid": true, "ruser": true, "euser": true, "tty": true, "tt": true,
	"time": true, "stime": true, "start": true, "%cpu": true, "%mem": true, "vsz": true, "rss": true,
	"sz": true, "c": true, "f": true, "pri": true, "ni": true, "addr": true, "psr": true, "nlwp": true,
	"etime": true, "cls": true, "rtprio": true, "class": true,
}

// parseColumns reads a ps header row ("PID STAT WCHAN COMMAND", "UID PID
// PPID C STIME TTY TIME CMD", a sampler's "utc epoch pid state voluntary
// nonvoluntary"): words that are column names, one of them PID (or TID,
// LWP, SPID) and at least one more a column ps prints.
func parseColumns(t string) (columns, bool) {
	if t == "" || !isLetter(t[0]) && t[0] != '%' || !strings.Contains(strings.ToLower(t), "pid") && !strings.Contains(strings.ToLower(t), "tid") && !strings.Contains(strings.ToLower(t), "lwp") {
		return columns{}, false
	}
	f := strings.Fields(t)
	c := columns{n: len(f), pid: -1, tid: -1, stat: -1, comm: -1}
	known := 0
	for i, w := range f {
		for j := 0; j < len(w); j++ {
			if b := w[j]; !isLetter(b) && !isDigit(b) && b != '%' && b != '_' && b != '-' {
				return columns{}, false
			}
		}
		lw := strings.ToLower(w)
		switch lw {
		case "pid":
			c.pid = i
		case "tid", "lwp", "spid":
			c.tid = i
		case "stat", "state", "s":
			c.stat = i
		case "comm", "command", "cmd", "args", "ucomm":
			c.comm = i
		}
		if psColumns[lw] {
			known++
		}
	}
	return c, len(f) >= 2 && (c.pid >= 0 || c.tid >= 0) && known >= 2
}

// psRow is a task a ps row names.
type psRow struct {
	pid, tgid   int
	comm, state string
}

func (p psRow) header() header {
	return header{pid: p.pid, tgid: p.tgid, hasPID: true, comm: p.comm, state: p.state}
}

// psRow reads a ps row, by the columns of the header above it when there
// is one, else by its shape (see headerless).
func (r *Reader) psRow(t string) (psRow, bool) {
	if r.cols.n > 0 {
		if row, ok := r.cols.row(t, r.str); ok {
			return row, true
		}
	}
	return headerless(t, r.str)
}

// row reads t under the columns c: the command column, when last, takes
// the rest of the line.
func (c columns) row(t string, str func(string) string) (psRow, bool) {
	var fs [32]field
	n := splitFields(t, fs[:min(c.n, len(fs))])
	if n < c.n {
		return psRow{}, false
	}
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		if i == c.n-1 {
			return strings.TrimSpace(t[fs[i].start:])
		}
		return fs[i].text
	}
	var row psRow
	pid, ok := atoi(get(c.pid))
	if c.tid >= 0 {
		tid, tok := atoi(get(c.tid))
		if !tok || tid == 0 {
			return psRow{}, false
		}
		if ok && pid != tid {
			row.tgid = pid
		}
		pid, ok = tid, true
	}
	if !ok || pid == 0 {
		return psRow{}, false
	}
	row.pid = pid
	row.state = str(get(c.stat))
	row.comm = str(unbracket(get(c.comm)))
	return row, true
}

// field is one blank-separated word of a line and where it starts.
type field struct {
	text  string
	start int
}

// splitFields fills fs with the first len(fs) words of t and returns how
// many it found.
func splitFields(t string, fs []field) int {
	n, i := 0, 0
	for n < len(fs) {
		for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
			i++
		}
		if i == len(t) {
			break
		}
		j := i
		for j < len(t) && t[j] != ' ' && t[j] != '\t' {
			j++
		}
		fs[n] = field{t[i:j], i}
		n++
		i = j
	}
	return n
}

// headerless reads a ps row printed without a header: "PID [TTY] [STAT]
// [TIME] COMM" (ps -o pid=,stat=,comm=, plain ps, ps -e; without any of
// TTY, STAT or TIME the name must be one word), or ps aux / ps u with USER
// first (USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND).
func headerless(t string, str func(string) string) (psRow, bool) {
	var fs [11]field
	n := splitFields(t, fs[:])
	if n < 2 {
		return psRow{}, false
	}
	pid, ok := atoi(fs[0].text)
	if !ok {
		return psAux(t, fs[:n], str)
	}
	if pid == 0 {
		return psRow{}, false
	}
	row := psRow{pid: pid}
	i := 1
	if i < n-1 && isTTY(fs[i].text) {
		i++
	}
	if i < n-1 && isStat(fs[i].text) {
		row.state = str(fs[i].text)
		i++
	}
	if i < n-1 && isPSTime(fs[i].text) {
		i++
	}
	comm := strings.TrimSpace(t[fs[i].start:])
	if i == 1 && strings.ContainsAny(comm, " \t") {
		return psRow{}, false
	}
	row.comm = str(unbracket(comm))
	return row, true
}

func psAux(t string, fs []field, str func(string) string) (psRow, bool) {
	if len(fs) < 11 {
		return psRow{}, false
	}
	pid, ok := atoi(fs[1].text)
	if !ok || pid == 0 || !isStat(fs[7].text) || !strings.Contains(fs[2].text, ".") || !strings.Contains(fs[3].text, ".") {
		return psRow{}, false
	}
	return psRow{pid: pid, state: str(fs[7].text), comm: str(unbracket(strings.TrimSpace(t[fs[10].start:])))}, true
}

// unbracket drops the brackets ps puts around the name of a kernel thread
// or of a task whose command line is gone ("[kworker/u49:1]").
func unbracket(s string) string {
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' && !strings.ContainsAny(s[1:len(s)-1], "[]") {
		return s[1 : len(s)-1]
	}
	return s
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

// isTTY matches ps's TTY column: "?", "pts/3", "tty1", "ttyS0", "console".
func isTTY(s string) bool {
	return s == "?" || strings.HasPrefix(s, "pts/") || strings.HasPrefix(s, "tty") || s == "console"
}

// isPSTime matches ps's TIME column: "0:00", "00:00:00", "1-02:03:04".
func isPSTime(s string) bool {
	if _, rest, ok := strings.Cut(s, "-"); ok {
		s = rest
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if _, ok := atoi(p); !ok {
			return false
		}
	}
	return true
}

// PIDFromName returns the task a file's name gives, when the name is a
// /proc path ("/proc/3748012/stack", "proc/101/stack" in a bundle,
// "/proc/1/task/3748012/stack", whose task is the thread 3748012) or a
// plain PID ("3748012", "3748012.stack", "stack.3748012"), with an
// optional compression suffix. Digits anywhere else in a name
// ("005-notes.txt", "stack-2026-11-25.txt") are not a PID.
func PIDFromName(name string) (int, bool) {
	name = strings.ReplaceAll(name, `\`, "/")
	for _, ext := range []string{".gz", ".xz", ".zst", ".zstd"} {
		name = strings.TrimSuffix(name, ext)
	}
	if i := strings.LastIndex(name, "proc/"); i >= 0 && (i == 0 || name[i-1] == '/') {
		// proc/PID/stack or proc/TGID/task/TID/stack, nothing else.
		mid, ok := strings.CutSuffix(name[i+len("proc/"):], "/stack")
		a, b, task := strings.Cut(mid, "/task/")
		if !task {
			b = a
		}
		_, aok := atoi(a)
		tid, bok := atoi(b)
		return tid, ok && aok && bok && tid > 0
	}
	base := path.Base(name)
	if s, ok := strings.CutSuffix(base, ".stack"); ok {
		base = s
	} else if s, ok := strings.CutPrefix(base, "stack."); ok {
		base = s
	}
	pid, ok := atoi(base)
	return pid, ok && pid > 0
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

// parseTime recognises a time stamp line, bare, inside a separator, or
// after a label ("TIMESTAMP: Fri Feb  7 03:47:40 EST 2020").
func parseTime(t string) (int64, bool) {
	t = strings.Trim(t, "=-#*[] \t")
	if t == "" {
		return 0, false
	}
	if i := strings.Index(t, ": "); i > 0 && isWord(t[:i]) {
		t = strings.TrimSpace(t[i+2:])
		if t == "" {
			return 0, false
		}
	}
	if isDigit(t[0]) {
		if ns, ok := parseEpoch(t); ok {
			return ns, true
		}
	}
	// Every layout begins with a weekday ("Wed", "Wed,") or a year
	// ("2026-"): most lines are neither, and time.Parse is costly.
	if !isWeekday(t) && !(len(t) > 10 && isDigit(t[0]) && t[4] == '-') {
		return 0, false
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

func isWeekday(t string) bool {
	if len(t) < 4 || t[3] != ' ' && t[3] != ',' {
		return false
	}
	switch t[:3] {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
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
