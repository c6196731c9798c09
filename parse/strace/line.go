package strace

import "bytes"

// parsed is one line taken apart; its slices point into the line.
type parsed struct {
	kind   Kind
	pid    int
	hasPID bool
	comm   []byte

	stampKind TimeKind
	stamp     int64

	name       []byte
	args       []byte
	ret        []byte
	dur        int64
	hasDur     bool
	unfinished bool
	resumed    bool

	exitCode int
	killedBy []byte
	detached int // PID of "strace: Process N detached"
	process  int // PID of "strace: Process N ..."
}

var (
	unfinishedMark = []byte(" <unfinished ...>")
	resumedMark    = []byte(" resumed>")
)

// parseLine takes a line apart without allocating; false means it is not a
// line strace writes.
func parseLine(line []byte, p *parsed) bool {
	*p = parsed{}
	// -k backtrace lines: " > /usr/lib/libc.so.6(getdents64+0x17)
	// [0xd6b27]", which the paste layer hands over without the space.
	if len(line) > 0 && (line[0] == ' ' || line[0] == '>') {
		if bytes.HasPrefix(line, []byte(" > ")) {
			p.kind = Stack
			p.name = line[3:]
			return true
		}
		if isStackFrame(line) {
			p.kind = Stack
			p.name = line[2:]
			return true
		}
	}
	s, ok := parsePrefix(line, p)
	if !ok {
		return false
	}
	return parseBody(s, p)
}

// isStackFrame is a -k backtrace line without its leading space; every
// one ends in its address ("> /lib/libc.so.6() [0x1234]", "> backtracing_error
// [0x1234]"), which tells it from a mail quote mark left after indentation.
func isStackFrame(s []byte) bool {
	if len(s) < 8 || s[0] != '>' || s[1] != ' ' || s[len(s)-1] != ']' {
		return false
	}
	// Back over the address's hex digits to its " [0x".
	i := len(s) - 2
	for i > 0 && isHex(s[i]) {
		i--
	}
	return i > 5 && i < len(s)-2 && s[i] == 'x' && s[i-1] == '0' && s[i-2] == '[' && s[i-3] == ' '
}

// parsePrefix reads what strace writes before a call: "[pid  123] " or
// the -o -f PID column "1958  ", the --decode-pids=comm "<comm>", a -t,
// -tt, -ttt or -r stamp, and -n/-i brackets. It returns the rest.
func parsePrefix(line []byte, p *parsed) ([]byte, bool) {
	s := line
	// "[pid  123] " or "[pid 123<comm>] " (output to a terminal or pipe).
	if bytes.HasPrefix(s, []byte("[pid ")) {
		s = skipSpaces(s[5:])
		v, n := parseUint(s)
		if n == 0 {
			return s, false
		}
		p.pid, p.hasPID = int(v), true
		s = s[n:]
		s = parseComm(s, p)
		if len(s) < 2 || s[0] != ']' || s[1] != ' ' {
			return s, false
		}
		s = s[2:]
	} else if v, n := parseUint(s); n > 0 && n < len(s) && (s[n] == ' ' || s[n] == '<') {
		// "-o FILE -f" pid column: "1958  " or "1958<ls> ".
		p.pid, p.hasPID = int(v), true
		s = parseComm(s[n:], p)
		if len(s) == 0 || s[0] != ' ' {
			return s, false
		}
	}
	s = skipSpaces(s)
	s = parseStamp(s, p)
	return skipBracketed(s), true
}

// parseBody reads what follows the prefix: a call, a resumed call, a
// signal, an exit or a notice of strace's.
func parseBody(s []byte, p *parsed) bool {
	switch {
	case bytes.HasPrefix(s, []byte("--- ")):
		return parseSignal(s, p)
	case bytes.HasPrefix(s, []byte("+++ ")):
		return parseExit(s, p)
	case bytes.HasPrefix(s, []byte("strace: ")):
		p.kind = Info
		p.name = s
		if rest, ok := bytes.CutPrefix(s, []byte("strace: Process ")); ok {
			if v, n := parseUint(rest); n > 0 {
				p.process = int(v)
				if bytes.HasPrefix(rest[n:], []byte(" detached")) {
					p.detached = int(v)
				}
			}
		}
		return true
	case bytes.HasPrefix(s, []byte("Process ")), bytes.HasPrefix(s, []byte("[ Process PID=")):
		// strace before 4.9 wrote attach notices without "strace: ".
		p.kind = Info
		p.name = s
		return true
	case bytes.HasPrefix(s, []byte("<... ")):
		return parseResumed(s, p)
	}
	return parseCall(s, p)
}

// parseComm reads the "<comm>" of --decode-pids=comm.
func parseComm(s []byte, p *parsed) []byte {
	if len(s) == 0 || s[0] != '<' {
		return s
	}
	i := bytes.IndexByte(s, '>')
	if i < 0 {
		return s
	}
	p.comm = s[1:i]
	return s[i+1:]
}

// parseStamp reads an -ttt, -tt, -t or -r stamp and the space after it.
func parseStamp(s []byte, p *parsed) []byte {
	v, n := parseUint(s)
	if n == 0 || n >= len(s) {
		return s
	}
	switch s[n] {
	case '.':
		frac, m := parseFrac(s[n+1:])
		if m == 0 || n+1+m >= len(s) || s[n+1+m] != ' ' {
			return s
		}
		// -r starts at 0 and counts small deltas; -ttt counts seconds
		// since 1970, which have had ten digits since 2001.
		if n >= 9 {
			p.stampKind = Epoch
		} else {
			p.stampKind = Relative
		}
		p.stamp = int64(v)*1e9 + frac
		return s[n+2+m:]
	case ':':
		if n != 2 || len(s) < 9 || s[5] != ':' {
			return s
		}
		mm, m1 := parseUint(s[3:5])
		ss, m2 := parseUint(s[6:8])
		if m1 != 2 || m2 != 2 {
			return s
		}
		t := (int64(v)*3600 + int64(mm)*60 + int64(ss)) * 1e9
		rest := s[8:]
		if len(rest) > 0 && rest[0] == '.' {
			frac, m := parseFrac(rest[1:])
			if m == 0 {
				return s
			}
			t += frac
			rest = rest[1+m:]
		}
		if len(rest) == 0 || rest[0] != ' ' {
			return s
		}
		p.stampKind = Clock
		p.stamp = t
		rest = rest[1:]
		// -t with -r: "12:00:00 (+     0.000123) ".
		if bytes.HasPrefix(rest, []byte("(+")) {
			if i := bytes.Index(rest, []byte(") ")); i >= 0 {
				rest = rest[i+2:]
			}
		}
		return rest
	}
	return s
}

// skipBracketed skips the "[ 217] " of -n and the "[00007f0e1a2b3c4d] " of -i.
func skipBracketed(s []byte) []byte {
	for len(s) > 2 && s[0] == '[' {
		i := 1
		for i < len(s) && (s[i] == ' ' || isHex(s[i])) {
			i++
		}
		if i == 1 || i+1 >= len(s) || s[i] != ']' || s[i+1] != ' ' {
			return s
		}
		s = s[i+2:]
	}
	return s
}

// parseSignal reads "--- SIGCHLD {si_signo=...} ---" and
// "--- stopped by SIGSTOP ---".
func parseSignal(s []byte, p *parsed) bool {
	if !bytes.HasSuffix(s, []byte(" ---")) || len(s) < 8 {
		return false
	}
	body := s[4:]
	body = bytes.TrimPrefix(body, []byte("stopped by "))
	end := 0
	for end < len(body) && body[end] != ' ' {
		end++
	}
	if end == 0 {
		return false
	}
	p.kind = Signal
	p.name = body[:end]
	return true
}

// parseExit reads "+++ exited with 0 +++", "+++ killed by SIGKILL +++" and
// "+++ killed by SIGSEGV (core dumped) +++"; "+++ superseded by execve in
// pid 12 +++" is Info.
func parseExit(s []byte, p *parsed) bool {
	// "+++ +++" ends where it starts: at least one byte between the marks.
	if !bytes.HasSuffix(s, []byte(" +++")) || len(s) < 9 {
		return false
	}
	body := s[4 : len(s)-4]
	if rest, ok := bytes.CutPrefix(body, []byte("exited with ")); ok {
		v, n := parseUint(rest)
		if n == 0 || n != len(rest) {
			return false
		}
		p.kind = Exit
		p.exitCode = int(v)
		return true
	}
	if rest, ok := bytes.CutPrefix(body, []byte("killed by ")); ok {
		end := 0
		for end < len(rest) && rest[end] != ' ' {
			end++
		}
		if end == 0 {
			return false
		}
		p.kind = Exit
		p.killedBy = rest[:end]
		return true
	}
	if bytes.HasPrefix(body, []byte("superseded by ")) {
		p.kind = Info
		p.name = s
		return true
	}
	return false
}

// parseName reads a system call name: "getdents64", "_llseek",
// "syscall_0x1c7", "SYS_290" (old strace).
func parseName(s []byte) int {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i++
			continue
		}
		break
	}
	return i
}

// parseResumed reads "<... getdents64 resumed>, [...], 32768) = 312"; strace
// 4.x wrote a space after "resumed>", which is dropped so that the joined
// arguments read as one call.
func parseResumed(s []byte, p *parsed) bool {
	s = s[5:]
	n := parseName(s)
	if n == 0 || !bytes.HasPrefix(s[n:], resumedMark) {
		return false
	}
	p.name = s[:n]
	rest := s[n+len(resumedMark):]
	rest = bytes.TrimPrefix(rest, []byte(" "))
	if !parseTail(rest, p) {
		return false
	}
	p.kind = Call
	p.resumed = true
	return true
}

// parseCall reads "name(args) = ret <dur>" and "name(args <unfinished ...>".
func parseCall(s []byte, p *parsed) bool {
	n := parseName(s)
	if n == 0 || n >= len(s) || s[n] != '(' {
		return false
	}
	p.name = s[:n]
	rest := s[n+1:]
	if n := len(rest); n >= len(unfinishedMark) && rest[n-1] == '>' && string(rest[n-len(unfinishedMark):]) == string(unfinishedMark) {
		p.kind = Call
		p.unfinished = true
		p.args = rest[:len(rest)-len(unfinishedMark)]
		return true
	}
	if !parseTail(rest, p) {
		return false
	}
	p.kind = Call
	return true
}

// parseTail splits "args) = ret <dur>" working from the end of the line, as
// the arguments may hold ")" and " = " inside quoted strings. The return
// value is the last " = " preceded by ")" (and the padding strace aligns
// results with) and followed by something a return value starts with.
func parseTail(s []byte, p *parsed) bool {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		end--
	}
	// -T: " <0.000123>".
	if end > 0 && s[end-1] == '>' {
		if lt := bytes.LastIndexByte(s[:end], '<'); lt >= 0 {
			v, n := parseUint(s[lt+1:])
			if n > 0 && lt+1+n < end && s[lt+1+n] == '.' {
				frac, m := parseFrac(s[lt+2+n:])
				if m > 0 && lt+2+n+m == end-1 {
					p.dur, p.hasDur = int64(v)*1e9+frac, true
					end = lt
					for end > 0 && s[end-1] == ' ' {
						end--
					}
				}
			}
		}
	}
	lim := end
	for {
		// The last " = " before lim: LastIndexByte and a look at its
		// neighbours beats a substring search on lines of 600 bytes.
		i := bytes.LastIndexByte(s[:lim], '=') - 1
		if i < -1 {
			return false
		}
		if i < 0 || s[i] != ' ' || i+2 >= lim || s[i+2] != ' ' {
			lim = i + 1
			continue
		}
		j := i
		for j > 0 && s[j-1] == ' ' {
			j--
		}
		if j > 0 && s[j-1] == ')' && i+3 < end && isRetStart(s[i+3]) {
			p.args = s[:j-1]
			p.ret = s[i+3 : end]
			return true
		}
		lim = i
	}
}

func isRetStart(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '?'
}

func skipSpaces(s []byte) []byte {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

func indexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// parseUint reads leading decimal digits; it saturates instead of
// overflowing. n is the number of digits read.
func parseUint(s []byte) (v uint64, n int) {
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		if v < (1<<64-1)/10-1 {
			v = v*10 + uint64(s[n]-'0')
		}
		n++
	}
	return v, n
}

// parseFrac reads the digits after a decimal point as nanoseconds.
func parseFrac(s []byte) (ns int64, n int) {
	scale := int64(1e8)
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		ns += int64(s[n]-'0') * scale
		scale /= 10
		n++
	}
	return ns, n
}

// parseHex reads hex digits, saturating.
func parseHex(s []byte) (v uint64, n int) {
	for n < len(s) && isHex(s[n]) {
		if v < 1<<60 {
			v = v<<4 | uint64(unhex(s[n]))
		}
		n++
	}
	return v, n
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
