package dmesg

import "bytes"

// cut names the kinds of kernel line that a mailer or a terminal is known
// to cut in two, so that the reader asks for the next line to be joined:
//
//	INFO: task rsync:3621271 blocked for          (mailer at 72 columns)
//	more than 120 seconds.
//	task:kworker/u16:0 state:D stack:0 pid:123    (terminal at 80 columns)
//	ppid:2 flags:0x00004000
//	[<ffffffffa06dd166>]
//	nfs4_call_sync_sequence+0x56/0x80 [nfsv4]
//	 #0: ffff8880a4a4c0e8 ((wq_completion)events){+.+.}-{0:0}, at:
//	process_one_work+0x1b4/0x650
type cut uint8

const (
	notCut cut = iota
	cutInfo
	cutEcho
	cutTask
	cutFrame
	cutLock
	// cutTaskOld is an old task line cut before its flags; the reader
	// asks for it where a task line may be (cutKind cannot tell).
	cutTaskOld
)

// cutKind says whether msg, a message without its prefixes, looks cut. It
// runs on every line, so it looks at a few bytes before parsing anything.
func cutKind(msg []byte) cut {
	if len(msg) == 0 {
		return notCut
	}
	switch msg[0] {
	case 'I':
		if !bytes.HasPrefix(msg, []byte("INFO: task")) {
			return notCut
		}
		if len(msg) <= len(infoTask) {
			return cutInfo
		}
		t, _, ok := parseInfoTask(msg)
		if !ok || t != nil && !bytes.HasSuffix(trimRightSpace(msg), []byte("seconds.")) {
			return cutInfo
		}
	case '"':
		if bytes.HasPrefix(msg, echoDisables) && !bytes.HasSuffix(trimRightSpace(msg), disablesSuffix) {
			return cutEcho
		}
	case 't':
		if bytes.HasPrefix(msg, taskColon) && !bytes.Contains(msg, []byte(" flags:")) {
			return cutTask
		}
	}
	trim := msg
	if trim[0] == ' ' {
		trim = trimSpace(msg)
		if len(trim) == 0 {
			return notCut
		}
	}
	switch trim[0] {
	case '#':
		if isCutLock(trim) {
			return cutLock
		}
	case '[':
		// An address with no function after it: "[<ffffffffa06dd166>]" or
		// "[<ffffffffa06dd166>] ?".
		if len(trim) > 2 && trim[1] == '<' {
			if e := bytes.Index(trim, []byte(">]")); e > 0 {
				rest := trimSpace(trim[e+2:])
				if len(rest) == 0 || string(rest) == "?" {
					return cutFrame
				}
			}
		}
	}
	switch trim[len(trim)-1] {
	case '+', '/', 'x':
		if endsCutSymbol(trimRightSpace(trim)) {
			return cutFrame
		}
	}
	return notCut
}

// endsCutSymbol is a frame cut inside its offset: "func+0x", "func+0x28/",
// "func+0x28/0x" (a whole frame ends in a digit, ']' or ')').
func endsCutSymbol(b []byte) bool {
	n := len(b)
	switch {
	case n > 1 && b[n-1] == '+':
		return true
	case n > 3 && bytes.HasSuffix(b, []byte("+0x")):
		return true
	case n > 3 && b[n-1] == '/' && bytes.Contains(b, []byte("+0x")):
		return true
	case n > 3 && bytes.HasSuffix(b, []byte("/0x")):
		return true
	}
	return false
}

// isCutLock is a lockdep entry that ends where its acquire site should
// begin: " #0: ... , at:" or ", at: [<ffffffff810a1b2c>]".
func isCutLock(b []byte) bool {
	if !bytes.Contains(b, []byte("): ")) && !bytes.Contains(b, []byte("){")) {
		return false
	}
	b = trimRightSpace(b)
	if bytes.HasSuffix(b, []byte(", at:")) || bytes.HasSuffix(b, []byte(",")) {
		return true
	}
	i := bytes.LastIndex(b, []byte(", at: "))
	return i >= 0 && bytes.HasPrefix(b[i+6:], []byte("[<")) && b[len(b)-1] == ']'
}

// joins decides a join Join offers: next must not be a kernel line of its
// own (it has no prefix and does not start anything), and the join must be
// the complete line c was cut from.
func joins(c cut, next, joined []byte) bool {
	var p prefix
	nm := splitPrefix(next, &p)
	if p.kernel || p.other || len(nm) == 0 {
		return false
	}
	switch {
	case bytes.HasPrefix(nm, infoTask), bytes.HasPrefix(nm, taskColon), bytes.HasPrefix(nm, callTrace):
		return false
	}
	if c == cutFrame || c == cutLock {
		// After a bare address or a lockdep "at:", a symbol is the rest
		// of the cut line; another address begins a line of its own.
		if bytes.HasPrefix(trimSpace(nm), []byte("[<")) {
			return false
		}
	} else if _, _, _, ok := parseFrame(nm); ok {
		return false
	}
	jm := splitPrefix(joined, &p)
	switch c {
	case cutInfo:
		if !bytes.HasPrefix(jm, infoTask) {
			return false
		}
		t, b, ok := parseInfoTask(jm)
		return ok && (b != nil || t != nil && bytes.HasSuffix(trimRightSpace(jm), []byte("seconds.")))
	case cutEcho:
		return bytes.HasSuffix(trimRightSpace(jm), disablesSuffix)
	case cutTask:
		var t Task
		return bytes.Contains(jm, []byte(" flags:")) && parseTaskColon(jm, &t)
	case cutFrame:
		f, _, _, ok := parseFrame(jm)
		return ok && f.Func != "" && !endsCutSymbol(trimSpace(jm))
	case cutLock:
		l, ok := parseLock(trimSpace(jm))
		return ok && l.At.Func != ""
	case cutTaskOld:
		ok, _ := readTaskOld(jm, &Task{})
		return ok
	}
	return false
}
