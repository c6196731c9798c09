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
//	 #0: ffff888018636938                         (and cut again before the site)
//	((wq_completion)knbd0-recv){+.+.}-{0:0}, at:
//	      Tainted: P S      W  O
//	 4.14.186-g9d5f2ff-dirty #4
//	"echo 0 >
//	/proc/sys/kernel/hung_task_timeout_secs" disables this message.
//	CPU: 1 PID: 7417 Comm: rs:main Q:Reg Not
//	tainted 5.10.179 #1
//	Hardware name: QEMU Standard PC (i440FX + PIIX,
//	1996), BIOS 1.12.0-1 04/01/2014
//	Code: 00 fc ff df 49 01 d9 49 01 c0 eb 03 49 89   (64 bytes, over several lines)
//	c0 4d 39 c8 0f 84 8a 00 00 00 41 80 38 00 49 8d 40 01 74 ea eb b0 41
//	 ? xfs_setfilesize_trans_alloc.isra.13+0x3e/0x90 =   (a quoted-printable soft break)
//	[xfs]
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
	cutTainted
	cutHeader
	cutHardware
	cutCode
	cutSoft
	cutRegs
	cutWorkqueue
	cutIdle
)

// fullEcho is the hung-task report's echo line.
var fullEcho = []byte("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.")

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
		m := trimRightSpace(msg)
		if len(m) >= 6 && len(m) < len(fullEcho) && bytes.HasPrefix(fullEcho, m) ||
			bytes.HasPrefix(msg, echoDisables) && !bytes.HasSuffix(m, disablesSuffix) {
			return cutEcho
		}
	case 't':
		if bytes.HasPrefix(msg, taskColon) && !bytes.Contains(msg, []byte(" flags:")) {
			return cutTask
		}
	case 'C':
		if bytes.HasPrefix(msg, []byte("CPU: ")) && bytes.Contains(msg, []byte(" Comm: ")) && (!bytes.Contains(msg, []byte("ainted")) || bytes.IndexByte(msg, '#') < 0) {
			return cutHeader
		}
		if bytes.HasPrefix(msg, []byte("Code: ")) && isCutCode(msg[6:]) {
			return cutCode
		}
	case 'H':
		if bytes.HasPrefix(msg, hwName) && !endsInDate(msg) {
			return cutHardware
		}
	case 'W':
		if w, ok := bytes.CutPrefix(msg, workqueue); ok && bytes.IndexByte(trimSpace(w), ' ') < 0 {
			return cutWorkqueue
		}
	case 'F':
		if bytes.HasPrefix(msg, []byte("FS: ")) && !bytes.Contains(msg, []byte(" GS:")) {
			return cutRegs
		}
	case 'N':
		// "NMI backtrace for cpu 2 skipped: idling at native_safe_halt" /
		// "arch/x86/include/asm/irqflags.h:51 [inline]"
		if bytes.HasPrefix(msg, []byte("NMI backtrace for cpu ")) && bytes.Contains(msg, []byte(" skipped: idling at ")) && !bytes.Contains(msg, []byte(".h:")) && !bytes.Contains(msg, []byte(".c:")) {
			return cutIdle
		}
	}
	if msg[len(msg)-1] == ':' && isRegisterLine(trimSpace(msg)) && isUpper(msg[0]) {
		// "RAX: ffffffffffffffda RBX: 00007fe3a4e94d28 RCX:" / "0000000001202a57"
		return cutRegs
	}
	if n := len(msg); msg[n-1] == '=' && n > 1 && msg[n-2] != '=' {
		return cutSoft
	}
	trim := msg
	if trim[0] == ' ' || trim[0] == '\t' {
		trim = trimSpace(msg)
		if len(trim) == 0 {
			return notCut
		}
	}
	switch trim[0] {
	case 'f', 'e', 'd', 'c', 'b', 'a', '9', '8', '7', '6', '5', '4', '3', '2', '1', '0':
		// lockdep's acquire line, cut after its address or its "at:":
		// "ffff888182336a50" / "(&q->q_usage_counter(io)#2){++++}-{0:0}, at: ..."
		if isCutAcquire(trim) {
			return cutLock
		}
	case 'T', 'N':
		if (bytes.HasPrefix(trim, tainted) || bytes.HasPrefix(trim, notTainted)) && bytes.IndexByte(trim, '#') < 0 {
			return cutTainted
		}
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
				// ARM32 cut before the caller: "[<c07139f8>]
				// (wait_for_common) from [<c04d8488>]".
				if rest[0] == '(' && (bytes.HasSuffix(rest, []byte(" from")) || bytes.HasSuffix(rest, []byte(">]")) && bytes.Contains(rest, []byte(" from [<"))) {
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
// begin: " #0: ... , at:" or ", at: [<ffffffff810a1b2c>]"; or before its
// class: " #0: ffffffff8ae9cea0", " #0: ffffffff8fee3ae8 (rtnl_mutex".
func isCutLock(b []byte) bool {
	if !bytes.Contains(b, []byte("): ")) && !bytes.Contains(b, []byte("){")) {
		// "#N: address [(class]" and nothing more.
		c := bytes.IndexByte(b, ':')
		if c < 2 || c > 8 || bytes.Contains(b, []byte(", at:")) {
			return false
		}
		if _, ok := atoi(b[1:c]); !ok {
			return false
		}
		rest := trimSpace(b[c+1:])
		sp := bytes.IndexByte(rest, ' ')
		addr := rest
		if sp >= 0 {
			addr = rest[:sp]
			if tail := trimSpace(rest[sp:]); len(tail) == 0 || tail[0] != '(' {
				return false
			}
		}
		_, ok := hexNum(addr)
		return ok && len(addr) >= 8
	}
	b = trimRightSpace(b)
	if bytes.HasSuffix(b, []byte(", at:")) || bytes.HasSuffix(b, []byte(",")) {
		return true
	}
	i := bytes.LastIndex(b, []byte(", at: "))
	return i >= 0 && bytes.HasPrefix(b[i+6:], []byte("[<")) && b[len(b)-1] == ']'
}

// isCutAcquire is lockdep's acquire line (an entry without "#N: ") cut
// after its address or before its site.
func isCutAcquire(b []byte) bool {
	if len(b) < 8 || !isHexWord(b[:8]) {
		return false
	}
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		return len(b) >= 8 && isHexWord(b)
	}
	return sp >= 8 && isHexWord(b[:sp]) && bytes.Contains(b, []byte("){")) && bytes.HasSuffix(b, []byte(", at:"))
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

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
	} else if _, _, _, ok := parseFrame(nm, nil); ok {
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
		return bytes.Equal(trimRightSpace(jm), fullEcho)
	case cutTask:
		var t Task
		return bytes.Contains(jm, []byte(" flags:")) && parseTaskColon(jm, &t)
	case cutFrame:
		f, _, _, ok := parseFrame(jm, nil)
		return ok && f.Func != "" && !endsCutSymbol(trimSpace(jm))
	case cutLock:
		if t := trimSpace(jm); len(t) > 0 && t[0] != '#' {
			if isCutAcquire(t) {
				sp := bytes.IndexByte(t, ' ')
				return sp > 0 && t[sp+1] == '('
			}
			l, ok := parseAcquire(t)
			return ok && l.At.Func != ""
		}
		if t := trimSpace(jm); isCutLock(t) {
			// Cut once more ("#0: addr" / "(class){..}, at:" / "site"):
			// the join must have the address and the class apart.
			c := bytes.IndexByte(t, ':')
			rest := trimSpace(t[c+1:])
			sp := bytes.IndexByte(rest, ' ')
			return sp > 0 && rest[sp+1] == '('
		}
		l, ok := parseLock(trimSpace(jm))
		return ok && l.At.Func != ""
	case cutTaskOld:
		ok, _ := readTaskOld(jm, &Task{})
		return ok
	case cutTainted:
		// A mailer breaks the line at a space, before the release.
		return bytes.IndexByte(jm, '#') >= 0 && bytes.HasSuffix(jm, append([]byte{' '}, nm...))
	case cutHeader:
		// A mailer breaks the line at a space ("Tainted: G" / "W    L ...").
		_, ok := parseDumpHeader(jm)
		return ok && (bytes.Contains(jm, []byte(" Not tainted")) || bytes.Contains(jm, []byte(" Tainted: "))) && bytes.HasSuffix(jm, append([]byte{' '}, nm...))
	case cutHardware:
		return endsInDate(jm)
	case cutCode:
		n, ok := codeBytes(jm[6:])
		return isCodeBytes(nm) && ok && n <= 64
	case cutSoft:
		return true
	case cutRegs:
		// The value of the register the line ended with, or FS's GS.
		w := nm
		if sp := bytes.IndexByte(nm, ' '); sp >= 0 {
			w = nm[:sp]
		}
		return (isHexWord(w) || bytes.HasPrefix(nm, []byte("GS:"))) && isRegisterLine(trimSpace(jm)) && bytes.HasSuffix(jm, append([]byte{' '}, nm...))
	case cutIdle:
		var f Frame
		src := nm
		if sp := bytes.IndexByte(nm, ' '); sp >= 0 {
			src = nm[:sp]
		}
		return parseSource(src, &f, nil) && bytes.HasSuffix(jm, append([]byte{' '}, nm...))
	case cutWorkqueue:
		w := nm
		if sp := bytes.IndexByte(nm, ' '); sp >= 0 {
			w = nm[:sp]
		}
		return validSym(w) && bytes.HasSuffix(jm, append([]byte{' '}, nm...))
	}
	return false
}

// endsInDate is a line ending in a BIOS date, "04/01/2014": the end of a
// "Hardware name:" line.
func endsInDate(b []byte) bool {
	b = trimRightSpace(b)
	n := len(b)
	return n >= 10 && b[n-8] == '/' && b[n-5] == '/' && isDigit(b[n-1]) && isDigit(b[n-10])
}

// isCutCode says the bytes of a "Code:" line stop before x86's 64.
func isCutCode(b []byte) bool {
	n, ok := codeBytes(b)
	return ok && n < 64
}

// isCodeBytes is a run of code bytes, "49 89 c0 <45> 29".
func isCodeBytes(b []byte) bool {
	_, ok := codeBytes(b)
	return ok
}

// codeBytes counts the code bytes of b, and says whether b holds nothing
// else (and at least one).
func codeBytes(b []byte) (int, bool) {
	n := 0
	for i := 0; i < len(b); {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i == len(b) {
			break
		}
		j := i
		for j < len(b) && b[j] != ' ' && b[j] != '\t' {
			j++
		}
		w := b[i:j]
		if len(w) == 4 && w[0] == '<' && w[3] == '>' {
			w = w[1:3]
		}
		if len(w) != 2 || !isHex(w[0]) || !isHex(w[1]) {
			return n, false
		}
		n++
		i = j
	}
	return n, n > 0
}
