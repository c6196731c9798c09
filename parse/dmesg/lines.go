package dmesg

import (
	"bytes"
	"strings"
)

var (
	infoTask    = []byte("INFO: task ")
	blockedWord = []byte(" blocked ")
	moreThan    = []byte("more than ")
	byTask      = []byte("by task ")
)

// parseInfoTask reads the lines khungtaskd starts with "INFO: task ":
// a hung-task header (blocked for more than N seconds) or a blocker line.
// comm may hold spaces and ':', so the PID is after the last ':' before
// " blocked ".
func parseInfoTask(msg []byte) (t *Task, b *Blocker, ok bool) {
	rest := msg[len(infoTask):]
	i := bytes.Index(rest, blockedWord)
	if i < 0 {
		return otherHeader(rest)
	}
	who, after := rest[:i], rest[i+len(blockedWord):]
	if j := bytes.LastIndex(who, infoTask); j >= 0 {
		// A report's title glued to its first line: "INFO: task hung in
		// do_page_mkwriteINFO: task syz-fuzzer:4876 blocked for".
		who = who[j+len(infoTask):]
	}
	role := ""
	switch {
	case bytes.HasSuffix(who, []byte(" is")):
		who = who[:len(who)-3]
	case bytes.HasSuffix(who, []byte(" <reader>")):
		who, role = who[:len(who)-9], "reader"
	case bytes.HasSuffix(who, []byte(" <writer>")):
		who, role = who[:len(who)-9], "writer"
	}
	comm, pid, ok := commPID(who, ':')
	if !ok {
		return nil, nil, false
	}
	if bytes.HasPrefix(after, []byte("on ")) {
		b, ok := parseBlocker(after[3:])
		if !ok {
			return nil, nil, false
		}
		b.Comm, b.PID, b.Role = comm, pid, role
		return nil, b, true
	}
	// "for more than 120 seconds." and vendor "in I/O wait for more than".
	m := bytes.Index(after, moreThan)
	if m < 0 {
		return nil, nil, false
	}
	num := after[m+len(moreThan):]
	e := 0
	for e < len(num) && isDigit(num[e]) {
		e++
	}
	secs, ok := atoi(num[:e])
	if !ok || secs > 1<<40 {
		return nil, nil, false
	}
	return &Task{Hung: true, Comm: comm, PID: pid, BlockedFor: int(secs)}, nil, true
}

// otherHeader reads a header some kernels print in their own words,
// "INFO: task modprobe:1104 can't die for more than 120 seconds.": the
// PID is the number after the last ':' that one follows, before the words.
func otherHeader(rest []byte) (*Task, *Blocker, bool) {
	m := bytes.Index(rest, []byte(" for more than "))
	if m < 0 {
		return nil, nil, false
	}
	head := rest[:m]
	for c := bytes.LastIndexByte(head, ':'); c > 0; c = bytes.LastIndexByte(head[:c], ':') {
		e := c + 1
		for e < len(head) && isDigit(head[e]) {
			e++
		}
		if e == c+1 || e < len(head) && head[e] != ' ' {
			continue
		}
		pid, ok := atoi(head[c+1 : e])
		if !ok || pid > 1<<31 {
			return nil, nil, false
		}
		num := rest[m+len(" for more than "):]
		d := 0
		for d < len(num) && isDigit(num[d]) {
			d++
		}
		secs, ok := atoi(num[:d])
		if !ok || secs > 1<<40 {
			return nil, nil, false
		}
		return &Task{Hung: true, Comm: string(head[:c]), PID: int(pid), BlockedFor: int(secs)}, nil, true
	}
	return nil, nil, false
}

// parseBlocker reads what follows "blocked on ":
//
//	a mutex likely owned by task B:2.
//	a semaphore likely last held by task B:2
//	an rw-semaphore likely owned by task B:2 <writer>
//	a mutex, but the owner is not found.
func parseBlocker(s []byte) (*Blocker, bool) {
	switch {
	case bytes.HasPrefix(s, []byte("a ")):
		s = s[2:]
	case bytes.HasPrefix(s, []byte("an ")):
		s = s[3:]
	default:
		return nil, false
	}
	e := bytes.IndexAny(s, " ,")
	if e <= 0 {
		return nil, false
	}
	b := &Blocker{Lock: string(s[:e])}
	s = s[e:]
	if bytes.Contains(s, []byte("not found")) {
		return b, true
	}
	i := bytes.Index(s, byTask)
	if i < 0 {
		return nil, false
	}
	owner := trimSpace(s[i+len(byTask):])
	switch {
	case bytes.HasSuffix(owner, []byte(" <reader>")):
		owner, b.OwnerRole = owner[:len(owner)-9], "reader"
	case bytes.HasSuffix(owner, []byte(" <writer>")):
		owner, b.OwnerRole = owner[:len(owner)-9], "writer"
	}
	owner = bytes.TrimSuffix(owner, []byte("."))
	comm, pid, ok := commPID(owner, ':')
	if !ok {
		return nil, false
	}
	b.OwnerFound, b.OwnerComm, b.OwnerPID = true, comm, pid
	return b, true
}

// commPID splits "kworker/u16:0:12" at the last sep.
func commPID(s []byte, sep byte) (string, int, bool) {
	i := bytes.LastIndexByte(s, sep)
	if i < 0 {
		return "", 0, false
	}
	pid, ok := atoi(s[i+1:])
	if !ok || pid > 1<<31 {
		return "", 0, false
	}
	return string(s[:i]), int(pid), true
}

// parseTaskLine reads sched_show_task's line in any generation into t,
// keeping a Comm already known from the header.
func parseTaskLine(msg []byte, t *Task) bool {
	if bytes.HasPrefix(msg, []byte("task:")) {
		return parseTaskColon(msg, t)
	}
	return parseTaskOld(msg, t)
}

// parseTaskColon reads the 5.9+ form:
//
//	task:kworker/u32:0   state:D stack:13208 pid:    8 ppid:     2 flags:0x00004000
//	task:rw_sem_thread2  state:D stack:0     pid:36526 tgid:36526 ppid:2      task_flags:0x208040 flags:0x00004000
//
// comm is printed "%-15.15s", so " state:" normally sits at byte 20; a
// log that squeezed the padding is searched.
func parseTaskColon(msg []byte, t *Task) bool {
	state := []byte(" state:")
	i := -1
	if len(msg) >= 27 && bytes.Equal(msg[20:27], state) {
		i = 20
	} else {
		i = bytes.Index(msg[5:], state)
		if i >= 0 {
			i += 5
		}
	}
	if i < 0 || i+len(state) >= len(msg) {
		return false
	}
	comm := bytes.TrimRight(msg[5:i], " ")
	rest := msg[i+len(state):]
	st := rest[0]
	if !isLetter(st) {
		return false
	}
	rest = rest[1:]
	var pidOK bool
	for len(rest) > 0 {
		rest = trimSpace(rest)
		c := bytes.IndexByte(rest, ':')
		if c <= 0 {
			break
		}
		key := rest[:c]
		if sp := bytes.LastIndexByte(key, ' '); sp >= 0 {
			// "state:R  running task     stack:0" puts words before a key.
			key = key[sp+1:]
		}
		rest = trimSpace(rest[c+1:])
		e := bytes.IndexByte(rest, ' ')
		val := rest
		if e >= 0 {
			val, rest = rest[:e], rest[e:]
		} else {
			rest = nil
		}
		switch string(key) {
		case "stack":
			if n, ok := atoi(val); ok && n < 1<<40 {
				t.StackFree = int(n)
			}
		case "pid":
			n, ok := atoi(val)
			if !ok || n > 1<<31 {
				return false
			}
			t.PID, pidOK = int(n), true
		case "tgid":
			if n, ok := atoi(val); ok && n <= 1<<31 {
				t.TGID = int(n)
			}
		case "ppid":
			if n, ok := atoi(val); ok && n <= 1<<31 {
				t.PPID, t.HasPPID = int(n), true
			}
		case "flags":
			t.Flags = string(val)
		case "task_flags":
			t.TaskFlags = string(val)
		}
	}
	if !pidOK {
		return false
	}
	t.State = string(st)
	setLineComm(t, comm)
	return true
}

// setLineComm records the comm a task line printed: it is the record's
// Comm when no header named the task, else LineComm when it differs from
// the header's.
func setLineComm(t *Task, comm []byte) {
	switch {
	case t.Comm == "":
		t.Comm = string(comm)
	case string(comm) != strings.TrimRight(t.Comm, " "):
		// The line pads comm with spaces, so a header's trailing space
		// ("INFO: task foo :12") is no difference.
		t.LineComm = string(comm)
	}
}

// parseTaskOld reads the forms before 5.9. comm can hold spaces, so the
// state is the last one-letter word after which only the numbers follow:
//
//	rsync           D    0 3621271 152322 0x00000080                   (4.x to 5.8: free stack, pid, ppid, flags)
//	systemd-udevd   D13440   382    330 0x80004124                     (a free stack of 5 digits glues to the state)
//	DDRace64-Server D ffff88007a2dd140     0 27090   3047 0x00000000   (3.x: a task address first)
//	khubd         D 000005e3     0   281      2                       (2.6.30: "%-13.13s", no flags)
//	mozilla-bin   D 00000001     0  1225      1          1245  1393 (NOTLB)   (2.6.0: child and sibling PIDs)
//	kworker/0:1     R  running task        0  3293      2 0x00000000
//	brcmf_wdog/mmc1 D    0   621      2 0x00000000 last_sleep: 2440793077.  last_runnable: 2440766827   (vendor words after the flags)
//
// Mail clients that squeeze runs of spaces ("client D ffff88047fd14800 0
// 1997 1912 0x00000004") leave the line readable.
func parseTaskOld(msg []byte, t *Task) bool {
	ok, _ := readTaskOld(msg, t)
	return ok
}

// maxTaskWords bounds the words of a task line that are looked at.
const maxTaskWords = 24

// readTaskOld is parseTaskOld; partial says that msg is the start of such
// a line, cut before it was complete ("amms_task       D    0    51      2"
// without its flags), so that the reader may join the next line to it.
func readTaskOld(msg []byte, t *Task) (ok, partial bool) {
	var words [maxTaskWords][]byte
	var at [maxTaskWords]int // where each word starts in msg
	n := 0
	for i := 0; i < len(msg) && n < maxTaskWords; {
		for i < len(msg) && (msg[i] == ' ' || msg[i] == '\t') {
			i++
		}
		if i >= len(msg) {
			break
		}
		j := i
		for j < len(msg) && msg[j] != ' ' && msg[j] != '\t' {
			j++
		}
		words[n], at[n] = msg[i:j], i
		n++
		i = j
	}
	for k := n - 1; k >= 1; k-- {
		w := words[k]
		if !isStateWord(w) {
			continue
		}
		var u Task
		var rest [maxTaskWords][]byte
		m := 0
		if len(w) > 1 {
			rest[m] = w[1:] // "D13440": the free stack size
			m++
		}
		for _, x := range words[k+1 : n] {
			rest[m] = x
			m++
		}
		done, part := taskNumbers(rest[:m], &u)
		if !done {
			if part {
				partial = true
			}
			continue
		}
		comm := trimSpace(msg[:at[k]])
		if len(comm) == 0 && t.Comm == "" {
			return false, false
		}
		t.PID, t.PPID, t.HasPPID, t.StackFree, t.Flags = u.PID, u.PPID, true, u.StackFree, u.Flags
		t.State = string(w[:1])
		setLineComm(t, comm)
		return true, false
	}
	return false, partial
}

// isStateWord is a task state letter (task_state_to_char: R S D T t X Z P
// I, and W K N of older kernels), alone or glued to the free stack size.
func isStateWord(w []byte) bool {
	switch w[0] {
	case 'R', 'S', 'D', 'T', 't', 'X', 'Z', 'P', 'I', 'W', 'K', 'N', 'x':
	default:
		return false
	}
	for _, c := range w[1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// taskNumbers reads what follows the state of an old task line into u:
// ["running" "task"] [address] free pid ppid [0xflags [vendor words]], or
// the 2.6.0 form address free pid ppid [relatives] (NOTLB). partial says
// the words are numbers that could begin such a line.
func taskNumbers(w [][]byte, u *Task) (ok, partial bool) {
	if len(w) >= 2 && string(w[0]) == "running" && string(w[1]) == "task" {
		w = w[2:]
	}
	var nums [8]uint64
	var lens [8]int
	n := 0
	flags := -1
	for i, x := range w {
		if len(x) > 2 && x[0] == '0' && x[1] == 'x' {
			if _, ok := hex0x(x); !ok {
				return false, false
			}
			flags = i
			break
		}
		if x[0] == '(' && (string(x) == "(NOTLB)" || string(x) == "(L-TLB)") && i == len(w)-1 {
			break
		}
		v, ok := hexNum(x)
		if !ok || n == len(nums) {
			return false, false
		}
		nums[n], lens[n] = v, len(x)
		n++
	}
	dec := func(i int) (int64, bool) { return atoi(w[i]) }
	var free, pid, ppid int64
	var okf, okp, okq bool
	switch {
	case flags >= 0 && (n == 3 || n == 4):
		// [address] free pid ppid flags
		b := n - 3
		free, okf = dec(b)
		pid, okp = dec(b + 1)
		ppid, okq = dec(b + 2)
		u.Flags = string(w[flags])
	case flags < 0 && n >= 4 && (lens[0] == 8 || lens[0] == 16) && (n == 4 || last(w) == "(NOTLB)" || last(w) == "(L-TLB)"):
		// 2.6: address free pid ppid [relatives (NOTLB)]
		free, okf = dec(1)
		pid, okp = dec(2)
		ppid, okq = dec(3)
	default:
		return false, flags < 0 && n < 4
	}
	if !okf || !okp || !okq || pid > 1<<31 || ppid > 1<<31 || free > 1<<40 {
		return false, false
	}
	u.StackFree, u.PID, u.PPID = int(free), int(pid), int(ppid)
	return true, false
}

func last(w [][]byte) string {
	if len(w) == 0 {
		return ""
	}
	return string(w[len(w)-1])
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseHeldHeader reads "2 locks held by kworker/u8:102/403349:" and
// "no locks held by rsync/123.".
func parseHeldHeader(msg []byte) (*HeldLocks, bool) {
	held := []byte(" held by ")
	i := bytes.Index(msg, held)
	if i < 0 {
		return nil, false
	}
	num := msg[:i]
	count := 0
	switch {
	case bytes.HasPrefix(num, []byte("no lock")):
	default:
		sp := bytes.IndexByte(num, ' ')
		if sp < 0 {
			return nil, false
		}
		n, ok := atoi(num[:sp])
		if !ok || n > 1<<20 {
			return nil, false
		}
		w := num[sp+1:]
		if string(w) != "lock" && string(w) != "locks" {
			return nil, false
		}
		count = int(n)
	}
	who := msg[i+len(held):]
	who = bytes.TrimSuffix(bytes.TrimSuffix(trimSpace(who), []byte(":")), []byte("."))
	comm, pid, ok := commPID(who, '/')
	if !ok {
		return nil, false
	}
	return &HeldLocks{Comm: comm, PID: pid, Count: count}, true
}

// parseLock reads one held lock:
//
//	#0: ffff888116d2a8f0 (&f->f_pos_lock){....}-{3:3}, at: __fdget_pos+0x45/0x50
//	#1: ffffc9000805fe70 ((work_completion)(&ctx->exit_work)){....}-{0:0}, at: process_one_work+0x199/0x3c0
//	#0:  (&sb->s_type->i_mutex_key#8){+.+.+.}, at: [<ffffffff811d5b1a>] lookup_slow+0x2b/0x50
func parseLock(s []byte) (Lock, bool) {
	var l Lock
	s = trimSpace(s)
	if len(s) < 3 || s[0] != '#' {
		return l, false
	}
	c := bytes.IndexByte(s, ':')
	if c < 2 {
		return l, false
	}
	idx, ok := atoi(s[1:c])
	if !ok || idx > 1<<20 {
		return l, false
	}
	l.Index = int(idx)
	s = trimSpace(s[c+1:])
	if bytes.HasPrefix(s, []byte("<RELEASED>")) {
		l.Released = true
		return l, true
	}
	if len(s) > 0 && s[0] != '(' {
		sp := bytes.IndexByte(s, ' ')
		if sp < 0 {
			return l, false
		}
		if _, ok := hexNum(s[:sp]); !ok {
			return l, false
		}
		l.Instance = string(s[:sp])
		s = trimSpace(s[sp+1:])
	}
	at := bytes.Index(s, []byte(", at: "))
	if at < 0 || len(s) == 0 || s[0] != '(' {
		return l, false
	}
	desc, site := s[:at], s[at+len(", at: "):]
	u := bytes.LastIndex(desc, []byte("){"))
	if u < 1 {
		return l, false
	}
	l.Class = string(desc[1:u])
	ue := bytes.IndexByte(desc[u:], '}')
	if ue < 0 {
		return l, false
	}
	l.Usage = string(desc[u+2 : u+ue])
	if w := desc[u+ue+1:]; len(w) > 3 && w[0] == '-' && w[1] == '{' && w[len(w)-1] == '}' {
		l.WaitType = string(w[2 : len(w)-1])
	}
	f, _, _, ok := parseFrame(site, nil)
	if !ok {
		return l, false
	}
	l.At = f
	return l, true
}
