package dmesg

import (
	"bytes"
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
		return nil, nil, false
	}
	who, after := rest[:i], rest[i+len(blockedWord):]
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
	if t.Comm == "" {
		t.Comm = string(comm)
	}
	return true
}

// parseTaskOld reads the forms before 5.9, from the right, because comm
// can hold spaces:
//
//	rsync           D    0 3621271 152322 0x00000080
//	DDRace64-Server D ffff88007a2dd140     0 27090   3047 0x00000000
//	kworker/0:1     R  running task        0  3293      2 0x00000000
func parseTaskOld(msg []byte, t *Task) bool {
	var toks [8][]byte
	n := 0
	s := trimSpace(msg)
	for n < len(toks) && len(s) > 0 {
		sp := bytes.LastIndexByte(s, ' ')
		toks[n] = s[sp+1:]
		n++
		if sp < 0 {
			s = nil
			break
		}
		s = trimSpace(s[:sp])
	}
	// toks[0] flags, [1] ppid, [2] pid, [3] free, then state or a 3.x
	// address, or "task" "running".
	if n < 5 || !bytes.HasPrefix(toks[0], []byte("0x")) {
		return false
	}
	if _, ok := hex0x(toks[0]); !ok {
		return false
	}
	ppid, ok1 := atoi(toks[1])
	pid, ok2 := atoi(toks[2])
	free, ok3 := atoi(toks[3])
	if !ok1 || !ok2 || !ok3 || pid > 1<<31 || ppid > 1<<31 || free > 1<<40 {
		return false
	}
	k := 4
	if string(toks[k]) == "task" && k+1 < n && string(toks[k+1]) == "running" {
		k += 2
	} else if len(toks[k]) >= 8 && k+1 < n {
		if _, ok := hexNum(toks[k]); ok && len(toks[k+1]) == 1 {
			k++ // 3.x: thread_saved_pc or task address
		}
	}
	if k >= n || len(toks[k]) != 1 || !isLetter(toks[k][0]) {
		return false
	}
	// What is left of the line before the state letter is comm.
	st := toks[k]
	full := trimSpace(msg)
	pos := len(full)
	for j := 0; j <= k; j++ {
		sp := bytes.LastIndexByte(full[:pos], ' ')
		if sp < 0 {
			pos = 0
			break
		}
		pos = len(trimRightSpace(full[:sp]))
	}
	comm := full[:pos]
	if len(comm) == 0 && t.Comm == "" {
		return false
	}
	t.PID, t.PPID, t.HasPPID, t.StackFree = int(pid), int(ppid), true, int(free)
	t.Flags = string(toks[0])
	t.State = string(st)
	if t.Comm == "" {
		t.Comm = string(comm)
	}
	return true
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
	f, _, _, ok := parseFrame(site)
	if !ok {
		return l, false
	}
	l.At = f
	return l, true
}
