package strace

import "bytes"

// A call line a mailer or a terminal cut is re-joined with the lines that
// continue it, when they do not parse alone and the join does (or is still
// an open call that the next line may finish). The cut can fall anywhere:
//
//	2963  open("/proc/scsi/3w-xxxx",                        (Outlook, 2001)
//	O_RDONLY|O_NONBLOCK|O_LARGEFILE|O_DIRECTORY) = 3
//	2963  getdents64(3, {{d_ino=4337, d_off=1, d_reclen=24, d_type=4,
//	d_name="."} {d_ino=4335, d_off=2, d_recl
//	en=24, d_type=4, d_name=".."}}, 4096) = 72
//	2963  open("/dev/sdp", O_RDWR)          = -1 ENXIO (No such device or
//	address)
//
// A mailer breaks at a space and drops it, and long words it breaks
// anywhere; whether a space goes back between the two parts is read from
// what strace prints there (see sepFor). A mailer that refilled a
// paragraph runs calls into one another, each starting where the last
// one's return value ends (see callEnd):
//
//	getdents64(3, /* 6 entries */, 65536) = 160 lseek(3,
//	1547825467, SEEK_SET) = 1547825467 ...  getdents64(3, /* 1
//	entries */, 65536) = 32

// maxJoins bounds the continuation lines joined to one call line: the
// longest real one in the corpus has 9 (a read buffer wrapped by Outlook).
const maxJoins = 64

// callState follows the text of a call from its argument list on, to tell
// a call that was cut (an argument list, string or comment still open, or
// no return value yet) from one that is complete.
type callState struct {
	phase   uint8
	depth   int  // open brackets of the arguments, the call's own "(" included
	str     bool // inside a quoted string
	esc     bool // after a backslash inside a string
	comment bool // inside "/* */"
	value   bool // a return value has begun
	ret     int  // open parentheses of the return value ("(No such device or")
	prev    byte
}

// The phases of a call's text.
const (
	inArgs    uint8 = iota // inside the argument list
	afterArgs              // after its ")", before " = "
	inRet                  // after " = "
	bad                    // something no call line holds
)

// feed advances the state over b.
func (c *callState) feed(b []byte) {
	for _, ch := range b {
		c.prev = c.step(ch)
	}
}

// step reads one byte and returns what the next step takes for the byte
// before it.
func (c *callState) step(ch byte) byte {
	switch {
	case c.str:
		switch {
		case c.esc:
			c.esc = false
		case ch == '\\':
			c.esc = true
		case ch == '"':
			c.str = false
		}
		return ch
	case c.comment:
		if c.prev == '*' && ch == '/' {
			c.comment = false
		}
		return ch
	}
	switch c.phase {
	case inArgs:
		switch ch {
		case '"':
			c.str = true
		case '*':
			if c.prev == '/' {
				c.comment = true
				// "/*/" does not close it.
				return 0
			}
		case '(', '[', '{':
			c.depth++
		case ')', ']', '}':
			c.depth--
			if c.depth == 0 {
				c.phase = afterArgs
			}
		}
	case afterArgs:
		switch ch {
		case ' ':
		case '=':
			c.phase = inRet
		default:
			c.phase = bad
		}
	case inRet:
		switch ch {
		case ' ':
		case '(':
			c.ret++
		case ')':
			c.ret--
		default:
			c.value = true
		}
	}
	return ch
}

// open reports whether the call is cut: its text cannot end there.
func (c *callState) open() bool {
	switch c.phase {
	case inArgs, afterArgs:
		return true
	case inRet:
		return !c.value || c.ret > 0
	}
	return false
}

// sepFor says whether a space goes between cur, a call cut so far, and
// next, the line that continues it: 1 where strace prints one (after a
// ',', before "= ", between the words of a comment or an error's
// description, before " <unfinished ...>", between the "} {" entries of
// strace 4.10's dirents), 0 inside a word or a string, where mailers and
// terminals break long words without one.
func sepFor(c *callState, cur, next []byte) int {
	if len(cur) == 0 || len(next) == 0 {
		return 0
	}
	last, first := cur[len(cur)-1], next[0]
	switch {
	case last == ' ' || last == '\t':
		return 0
	case c.str:
		return 0
	case c.comment, c.phase == afterArgs, c.phase == inRet:
		return 1
	case last == ',',
		last == '}' && first == '{',
		first == '/' && len(next) > 1 && next[1] == '*',
		bytes.HasPrefix(next, []byte("<unfinished ...>")):
		return 1
	}
	return 0
}

// callStart reports whether s begins like a call line: its prefix, then
// "name(" or "<... name resumed>". args is where the arguments begin;
// prefixed says a PID or a time stamp came first.
func callStart(s []byte) (args int, prefixed, ok bool) {
	var p parsed
	rest, okp := parsePrefix(s, &p)
	if !okp {
		return 0, false, false
	}
	prefixed = p.hasPID || p.stampKind != NoTime
	off := len(s) - len(rest)
	if r, ok := bytes.CutPrefix(rest, []byte("<... ")); ok {
		n := parseName(r)
		if n == 0 || !bytes.HasPrefix(r[n:], resumedMark) {
			return 0, prefixed, false
		}
		return off + 5 + n + len(resumedMark), prefixed, true
	}
	n := parseName(rest)
	if n == 0 || n >= len(rest) || rest[n] != '(' {
		return 0, prefixed, false
	}
	return off + n + 1, prefixed, true
}

// startsLine reports whether s begins a strace line of its own, so that it
// is no continuation of the line before: a call, a resumed call, a signal,
// an exit or a notice, after a prefix or not.
func startsLine(s []byte) bool {
	if _, _, ok := callStart(s); ok {
		return true
	}
	var p parsed
	rest, ok := parsePrefix(s, &p)
	if !ok {
		return false
	}
	for _, m := range []string{"--- ", "+++ ", "strace: "} {
		if bytes.HasPrefix(rest, []byte(m)) {
			return true
		}
	}
	return false
}

// stateOf is the state at the end of s, a call line whose arguments begin
// at args.
func stateOf(s []byte, args int) callState {
	c := callState{depth: 1}
	c.feed(s[args:])
	return c
}

// retOpen reports whether a return value ends inside its parentheses: an
// error's description cut by a mailer ("-1 ENXIO (No such device or").
func retOpen(ret []byte) bool {
	depth := 0
	for _, ch := range ret {
		switch ch {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	return depth > 0
}

// callEnd returns where the call s (whose arguments begin at args) ends
// when a mailer's refill ran the next call onto its line, else len(s).
// The call's text is read forward: after its return value (a number, "?"
// or an address, with its -y path, its error name, its description or
// decoded flags in parentheses and its -T time) a call, with the "..."
// people write for lines they left out between them, begins the next:
//
//	getdents64(3, /* 6 entries */, 65536) = 160 lseek(3,
func callEnd(s []byte, args int) int {
	c := callState{depth: 1}
	for i := args; i < len(s); i++ {
		ch := s[i]
		if ch == ' ' && c.phase == inRet && c.value && c.ret == 0 {
			if j := skipGap(s, i); j < len(s) && startsLine(s[j:]) {
				return i
			}
		}
		c.prev = c.step(ch)
	}
	return len(s)
}

// skipGap skips the spaces and "..." from i on.
func skipGap(s []byte, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t':
			i++
		case bytes.HasPrefix(s[i:], []byte("...")):
			i += 3
		default:
			return i
		}
	}
	return i
}

// unquoteMarks removes the quote marks a mailer left after indentation
// (Gnus and Supercite quote "     > ", a reply quotes again "> >> "), and
// reports how many there were.
func unquoteMarks(s []byte) ([]byte, int) {
	n := 0
	for len(s) > 0 && s[0] == '>' {
		n++
		s = s[1:]
		for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
			s = s[1:]
		}
	}
	return s, n
}

// hasControl reports whether s holds a control character other than a tab:
// binary data, never prose.
func hasControl(s []byte) bool {
	for _, c := range s {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// isCommand reports whether what follows a "# " prompt reads as a command
// ("strace -f ls", "cat out.1234"), and not as the comment such a line
// also is ("# , = readdirplus", "# Note: ..."): a first word of a program
// name's characters, lower case or a path.
func isCommand(cmd []byte) bool {
	if len(cmd) == 0 {
		return true
	}
	if c := cmd[0]; !(c >= 'a' && c <= 'z' || c == '.' || c == '/' || c == '~' || c == '_') {
		return false
	}
	for _, c := range cmd {
		if c == ' ' || c == '\t' {
			break
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '/' || c == '~' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}
