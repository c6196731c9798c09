package dmesg

import (
	"bytes"
	"strconv"
)

var (
	tableHeader = []byte(" PC stack ")
	hwName      = []byte("Hardware name: ")
	stackColon  = []byte("Stack:")
	processWord = []byte("Process ")
	// backtrace is ARM32's "Call Trace:" before 5.x.
	backtrace = []byte("Backtrace:")
)

// start checks whether msg begins a record (or announces task dumps) and
// reports whether it did.
func (r *Reader) start(msg, line []byte) bool {
	block := r.block
	if r.expectTask > 0 {
		r.expectTask--
	}
	if len(msg) == 0 {
		return false
	}
	switch c := msg[0]; {
	case c == 'W':
		if r.lockdepTitle(msg) {
			return true
		}
	case c == 'I':
		if !bytes.HasPrefix(msg, infoTask) {
			break
		}
		t, b, ok := parseInfoTask(msg)
		if !ok {
			break
		}
		r.kernelSeen = true
		if b != nil {
			r.emit(&Record{Kind: KindBlocker, Line: r.n, Text: string(msg), Time: r.p.stamp(r.opts.Year), Blocker: b})
			return true
		}
		if r.src.Line().Indent >= 2 {
			// The kernel prints a report's first line at column 0 (its
			// frames at 1): a paster indented this one.
			r.src.Shifted()
		}
		r.begin(&Record{Kind: KindTask, Task: t}, msg)
		return true
	case c == 't':
		if bytes.HasPrefix(msg, taskColon) {
			t := &Task{}
			if !parseTaskLine(msg, t) {
				// A task line the poster cut to its name,
				// "task:multipathd" (dmesg/048): a task without a PID.
				comm := trimSpace(msg[len(taskColon):])
				if len(comm) == 0 || len(comm) > 64 || bytes.IndexAny(comm, " \t") >= 0 {
					break
				}
				t = &Task{Comm: string(comm), NoPID: true}
			}
			t.TaskLine = r.n
			r.begin(&Record{Kind: KindTask, Task: t}, msg)
			return true
		}
		if bytes.HasPrefix(msg, []byte("task ")) && bytes.Contains(msg, tableHeader) {
			// SysRq-w's table header before 4.x: "  task                        PC stack   pid father"
			r.kernelSeen = true
			r.expectTask = noiseWindow * 4
			return true
		}
	case c == 'F':
		if bytes.HasPrefix(msg, suppressed) {
			r.emit(&Record{Kind: KindSuppressed, Line: r.n, Text: string(msg), Time: r.p.stamp(r.opts.Year)})
			return true
		}
	case isDigit(c) || c == 'n':
		if bytes.Index(msg, heldBy) < 0 {
			break
		}
		if h, ok := parseHeldHeader(msg); ok {
			r.begin(&Record{Kind: KindHeldLocks, Locks: h}, msg)
			return true
		}
	case c == 'S' || c == 's' && bytes.HasPrefix(msg, []byte("sysrq: ")):
		// "SysRq : Show Blocked State", "sysrq: SysRq : Show Blocked State"
		if bytes.Contains(msg, showBlocked) {
			r.kernelSeen = true
			r.expectTask = noiseWindow * 4
			return true
		}
	case c == 'C' || c == 'P':
		if t, ok := parseDumpHeader(msg); ok {
			r.begin(&Record{Kind: KindTask, Task: t}, msg)
			return true
		}
	case c == '"':
		if bytes.HasPrefix(msg, echoDisables) {
			// The report's header was cut away; its task line follows.
			r.kernelSeen = true
			r.expectTask = noiseWindow
			return true
		}
	}
	if msg[len(msg)-1] == ':' && r.startLockdep(msg) {
		return true
	}
	if r.expectTask == 0 && !block && !taskShape(msg) {
		return false // noise: the common case
	}
	return r.startBare(msg, block)
}

// startBare starts a task dump that has no header: a task line of the old
// format (SysRq-w without its header, a report whose INFO line was cut
// away), or a bare stack pasted as a block of text of its own, which is a
// task with no PID.
func (r *Reader) startBare(msg []byte, block bool) bool {
	if r.expectTask > 0 || taskShape(msg) {
		t := &Task{}
		ok, partial := readTaskOld(msg, t)
		if !ok && partial {
			var joined bool
			if _, msg, joined = r.join(cutTaskOld); joined {
				ok, _ = readTaskOld(msg, t)
			}
		}
		if ok {
			t.TaskLine = r.n
			r.begin(&Record{Kind: KindTask, Task: t}, msg)
			return true
		}
	}
	if !block || r.p.kernel && !r.text {
		// A stack under a kernel prefix at the start of the input is the
		// rest of a report whose head is not in it (a rotated log starts
		// so); after prose, it is a stack someone pasted (dmesg/045).
		return false
	}
	f, caller, arm, ok := parseFrame(msg, r.syms)
	if !ok || f.Addr == 0 && f.Offset == 0 && f.Size == 0 {
		return false
	}
	r.begin(&Record{Kind: KindTask, Task: &Task{NoPID: true}}, msg)
	r.cur.frames = true
	r.frame(r.cur.rec.Task, f, caller, arm)
	return true
}

// taskShape is a cheap look at msg for an old task line in its usual
// padding: comm "%-15.15s" (or "%-13.13s" before 3.x), a space, the state.
func taskShape(msg []byte) bool {
	return len(msg) > 17 && msg[15] == ' ' && (msg[17] == ' ' || isDigit(msg[17])) && isStateWord(msg[16:17]) ||
		len(msg) > 15 && msg[13] == ' ' && (msg[15] == ' ' || isDigit(msg[15])) && isStateWord(msg[14:15])
}

// parseDumpHeader reads the task named in the header of dump_stack and of
// oopses:
//
//	CPU: 1 UID: 0 PID: 30 Comm: khungtaskd Not tainted 6.12.0-rc1-syzkaller #0
//	CPU: 14 UID: 0 PID: 141 Comm: khungtaskd Kdump: loaded Tainted: G S O 6.18.3 #1
//	Pid: 31104, comm: imap Tainted: G      D    2.6.31-14-server #48-Ubuntu System Product Name   (2.6)
//	Process maildrop (pid: 5551, threadinfo ffff880018002000, task ffff88005ef396b0)                (2.6 oops)
//
// comm may hold spaces ("rs:main Q:Reg"): it ends where the taint does.
func parseDumpHeader(msg []byte) (*Task, bool) {
	var who, rest []byte
	switch {
	case bytes.HasPrefix(msg, []byte("CPU: ")):
		i := bytes.Index(msg, []byte(" PID: "))
		if i < 0 {
			return nil, false
		}
		rest = msg[i+6:]
		sp := bytes.Index(rest, []byte(" Comm: "))
		if sp < 0 {
			return nil, false
		}
		who, rest = rest[:sp], rest[sp+7:]
	case bytes.HasPrefix(msg, []byte("Pid: ")):
		rest = msg[5:]
		sp := bytes.Index(rest, []byte(", comm: "))
		if sp < 0 {
			return nil, false
		}
		who, rest = rest[:sp], rest[sp+8:]
	case bytes.HasPrefix(msg, processWord):
		rest = msg[len(processWord):]
		i := bytes.LastIndex(rest, []byte(" (pid: "))
		if i <= 0 {
			return nil, false
		}
		e := bytes.IndexAny(rest[i+7:], ",)")
		if e < 0 {
			return nil, false
		}
		pid, ok := atoi(rest[i+7 : i+7+e])
		if !ok || pid > 1<<31 {
			return nil, false
		}
		return &Task{Comm: string(rest[:i]), PID: int(pid)}, true
	default:
		return nil, false
	}
	pid, ok := atoi(who)
	if !ok || pid > 1<<31 {
		return nil, false
	}
	comm, taint := rest, []byte(nil)
	for _, w := range [...]string{" Not tainted", " Tainted: ", " Kdump: "} {
		if i := bytes.Index(rest, []byte(w)); i >= 0 && i < len(comm) {
			comm, taint = rest[:i], rest[i+1:]
		}
	}
	if taint == nil {
		// Cut before "tainted": "Comm: rs:main Q:Reg Not".
		comm = bytes.TrimSuffix(comm, []byte(" Not"))
	}
	comm = trimSpace(comm)
	if len(comm) == 0 {
		return nil, false
	}
	t := &Task{Comm: string(comm), PID: int(pid)}
	for _, w := range [...]string{"Not tainted", "Tainted: "} {
		if i := bytes.Index(taint, []byte(w)); i >= 0 {
			t.Tainted = string(trimSpace(taint[i:]))
			break
		}
	}
	return t, true
}

func (r *Reader) begin(rec *Record, msg []byte) {
	r.finish()
	r.kernelSeen = true
	rec.Line = r.n
	rec.Text = string(msg)
	rec.Time = r.p.stamp(r.opts.Year)
	b := &build{rec: rec}
	if r.p.caller != nil {
		b.caller = append([]byte(nil), r.p.caller...)
	}
	r.cur = b
}

func (r *Reader) emit(rec *Record) {
	r.finish()
	r.kernelSeen = true
	r.queue = append(r.queue, rec)
}

// finish queues the record being built.
func (r *Reader) finish() {
	if r.cur == nil {
		return
	}
	r.queue = append(r.queue, r.close(r.cur))
	r.cur = nil
}

// finishAll queues every record being built: the current one and those of
// other callers.
func (r *Reader) finishAll() {
	for i, b := range r.parked {
		r.queue = append(r.queue, r.close(b))
		r.parked[i] = nil
	}
	r.parked = r.parked[:0]
	r.finish()
}

// close completes b's record.
func (r *Reader) close(b *build) *Record {
	if t := b.rec.Task; t != nil && b.hasArm {
		r.addFrame(b, t, b.pendArm)
		b.hasArm = false
	}
	return b.rec
}

// unrelated notes a line that is no part of cur.
func (r *Reader) unrelated() {
	r.cur.pending++
	if r.cur.pending > noiseWindow {
		r.finish()
	}
}

// related marks the line as part of cur: unrelated lines since the last
// one were interleaved.
func (r *Reader) related() {
	if b := r.cur; b.pending > 0 && b.rec.Task != nil {
		b.rec.Task.Interleaved += b.pending
	}
	r.cur.pending = 0
	r.cur.words = false
}

// cont offers msg to the record being built; false means msg is not
// part of it and may start another record.
func (r *Reader) cont(msg, line []byte) bool {
	if len(msg) == 0 {
		return true
	}
	b := r.cur
	if b.rec.Locks != nil {
		return r.contLocks(msg, line)
	}
	if b.rec.Lockdep != nil {
		return r.contLockdep(msg, line)
	}
	t := b.rec.Task
	if bytes.HasPrefix(msg, infoTask) || bytes.HasPrefix(msg, suppressed) {
		return false
	}
	if t.TaskLine == 0 && !b.frames {
		var done bool
		if line, msg, done = r.contHead(line, msg, t); done {
			return true
		}
	} else if msg[0] != ' ' && (bytes.HasPrefix(msg, taskColon) || taskShape(msg) && parseTaskOld(msg, &Task{})) {
		return false // the next task's dump (a task line begins with its comm)
	}
	trim := trimSpace(msg)
	if len(trim) == 0 {
		return true
	}
	switch done, part, rest := r.contMark(trim, t); {
	case done:
		return part
	case rest != nil:
		msg, trim = rest, rest
	}
	if bytes.HasPrefix(msg, showingLocks) || len(msg) > 0 && (isDigit(msg[0]) || msg[0] == 'n') && bytes.Index(msg, heldBy) >= 0 {
		return false
	}
	if r.contFrame(msg, trim, t) {
		return true
	}
	if isRegisterLine(trim) || isStackWords(trim) {
		t.Registers++
		r.related()
		b.words = true
		return true
	}
	if b.words && (len(trim) == 8 || len(trim) == 16) && !r.p.kernel && isHexWord(trim) {
		// A stack word a mailer moved to a line of its own.
		t.Registers++
		r.src.Wrapped()
		r.related()
		return true
	}
	if b.frames && looksLikeFrame(trim) {
		r.skip(line)
		r.related()
		return true
	}
	if !r.p.kernel && !kernelMessage(trim) {
		// Not kernel text at all: prose, or a program's output on the
		// console between the report's lines.
		r.src.Prose()
		r.prose = true
		if t.NoPID && t.TaskLine == 0 {
			// A pasted stack ends where the poster's words begin; the
			// next stack is another task (dmesg/045).
			r.finish()
			return true
		}
	}
	r.unrelated()
	return r.cur != nil
}

// contHead reads the lines of a report's head, before its task line and
// stack: the taint, the echo line, the coredump note, the task line. It
// returns the line and message to go on with, and whether msg was one.
func (r *Reader) contHead(line, msg []byte, t *Task) ([]byte, []byte, bool) {
	trim := trimSpace(msg)
	switch {
	case bytes.HasPrefix(trim, tainted) || bytes.HasPrefix(trim, notTainted):
		t.Tainted = string(trim)
	case bytes.HasPrefix(msg, echoDisables) && bytes.HasSuffix(msg, disablesSuffix):
	case bytes.Equal(trim, coredump):
		t.Coredump = true
	default:
		ok := false
		if line, msg, ok = r.taskLine(line, msg, t); !ok {
			return line, msg, false
		}
		t.TaskLine = r.n
	}
	r.related()
	return line, msg, true
}

// contMark reads the marker lines of a report: "Call Trace:" and its
// kin, the Workqueue and hardware lines, context tags, the exception
// frame's RIP, and a dump header that begins the next record. done says
// trim was one; part then says whether it was part of the record. rest is
// the frame after a context tag on the same line ("<IRQ>  [<...>] ? x").
func (r *Reader) contMark(trim []byte, t *Task) (done, part bool, rest []byte) {
	b := r.cur
	switch trim[0] {
	case 'C', 'B':
		if bytes.Equal(trim, callTrace) || bytes.Equal(trim, callTraceArm) || bytes.Equal(trim, backtrace) {
			b.frames = true
			b.ctx = NoContext
			r.related()
			return true, true, nil
		}
		if _, ok := parseDumpHeader(trim); ok {
			return true, false, nil
		}
	case 'P':
		if pt, ok := parseDumpHeader(trim); ok {
			if !bytes.HasPrefix(trim, processWord) {
				return true, false, nil
			}
			// The 2.6 oops's "Process maildrop (pid: 5551, ...)" under
			// its "Pid:" header.
			if t.PID == 0 {
				t.PID, t.Comm = pt.PID, pt.Comm
			}
			r.related()
			return true, true, nil
		}
	case 'S':
		if bytes.HasPrefix(trim, sched) || bytes.Equal(trim, stackColon) {
			// print_scx_info: "Sched_ext: qmap (enabled+all)"; the 2.6
			// oops's "Stack:" before its stack words.
			r.related()
			return true, true, nil
		}
	case 'W':
		if bytes.HasPrefix(trim, workqueue) {
			t.Workqueue = string(trim[len(workqueue):])
			r.related()
			return true, true, nil
		}
	case 'H':
		if bytes.HasPrefix(trim, hwName) {
			r.related()
			return true, true, nil
		}
	case '<':
		if name, after, ok := parseTag(trim); ok {
			r.related()
			if name == "/TASK" {
				r.finish()
				return true, true, nil
			}
			b.ctx = tagContext(name)
			if len(after) == 0 {
				return true, true, nil
			}
			return false, false, after
		}
	case 'R', 'E':
		if f, ok := parseRIP(trim, r.syms); ok {
			r.related()
			if b.frames {
				// The exception frame inside a stack: the kernel code the
				// fault or interrupt stopped, a frame of the task.
				r.addFrame(b, t, f)
			} else {
				t.Registers++
			}
			return true, true, nil
		}
	}
	return false, false, nil
}

// contFrame reads a stack line into t, and says whether msg was one.
func (r *Reader) contFrame(msg, trim []byte, t *Task) bool {
	b := r.cur
	dup := false
	if len(trim) > 2 && trim[0] == '[' {
		if n := len(t.Frames); b.frames && n > 0 && t.Frames[n-1].Module == "" && trim[len(trim)-1] == ']' && validModule(trim[1:len(trim)-1]) && len(trim) <= maxModule {
			// The module of the frame above, moved to a line of its own
			// by a mailer: " ? btrfs_cleanup_transaction+0x500/0x500" / "[btrfs]".
			t.Frames[n-1].Module = string(trim[1 : len(trim)-1])
			r.src.Wrapped()
			r.related()
			return true
		}
		msg, dup = cutSymBracket(trim)
	}
	f, caller, arm, ok := parseFrame(msg, r.syms)
	if !ok || !b.frames && t.TaskLine == 0 {
		return false
	}
	b.frames = true
	r.related()
	if b.symDup && !dup && !arm && len(t.Frames) > 0 {
		// 2.6.0 prints each frame twice, by name and by address.
		last := &t.Frames[len(t.Frames)-1]
		if last.Func == f.Func && last.Offset == f.Offset && last.Addr == 0 {
			last.Addr = f.Addr
			b.symDup = false
			return true
		}
	}
	b.symDup = dup
	r.frame(t, f, caller, arm)
	return true
}

func isHexWord(b []byte) bool {
	_, ok := hexNum(b)
	return ok
}

// taskLine reads the task line of a report in any generation, joining the
// next line to an old one that a mailer cut ("amms_task       D    0    51
// 2" / "0x00000000"). It returns the line and message to go on with.
func (r *Reader) taskLine(line, msg []byte, t *Task) ([]byte, []byte, bool) {
	if bytes.HasPrefix(msg, taskColon) {
		return line, msg, parseTaskColon(msg, t)
	}
	ok, partial := readTaskOld(msg, t)
	if !ok && partial {
		var joined bool
		if line, msg, joined = r.join(cutTaskOld); joined {
			ok, _ = readTaskOld(msg, t)
		}
	}
	return line, msg, ok
}

// frame adds a parsed stack line to t.
func (r *Reader) frame(t *Task, f, caller Frame, arm bool) {
	b := r.cur
	if !arm {
		if b.hasArm {
			r.addFrame(b, t, b.pendArm)
			b.hasArm = false
		}
		r.addFrame(b, t, f)
		return
	}
	// Each ARM32 line names a callee and its caller; the caller is the
	// next line's callee, so it is kept only for the last line.
	if !b.hasArm || len(t.Frames) == 0 && len(t.Interrupt) == 0 {
		r.addFrame(b, t, f)
	} else {
		pa := b.pendArm
		pa.Unreliable = pa.Unreliable || f.Unreliable
		if f.Offset != 0 && pa.Offset == 0 {
			pa.Offset, pa.Size = f.Offset, f.Size
		}
		r.addFrame(b, t, pa)
	}
	b.pendArm, b.hasArm = caller, true
}

func (r *Reader) addFrame(b *build, t *Task, f Frame) {
	if len(t.Frames)+len(t.Interrupt) >= maxFrames {
		t.DroppedFrames++
		return
	}
	if t.StackLine == 0 {
		t.StackLine = r.n
	}
	if b.ctx != NoContext {
		f.Context = b.ctx
		t.Interrupt = append(t.Interrupt, f)
		return
	}
	if t.Frames == nil {
		t.Frames = r.newFrames()
	}
	t.Frames = append(t.Frames, f)
}

// framesPerStack is the room a stack gets from the arena; a longer stack
// grows on its own.
const framesPerStack = 16

// newFrames hands out room for a stack's frames from a block shared by
// many stacks, so that a log of repeated reports does not allocate and
// grow a slice for every one. A block lives as long as a record cut from
// it: a caller that keeps one record in many keeps up to a block (64
// stacks' room) for it.
func (r *Reader) newFrames() []Frame {
	if n := len(r.free); n > 0 {
		s := r.free[n-1]
		r.free = r.free[:n-1]
		return s
	}
	if len(r.arena) < framesPerStack {
		r.arena = make([]Frame, 64*framesPerStack)
	}
	s := r.arena[:0:framesPerStack]
	r.arena = r.arena[framesPerStack:]
	return s
}

func (r *Reader) contLocks(msg, line []byte) bool {
	h := r.cur.rec.Locks
	trim := trimSpace(msg)
	if len(trim) > 0 && trim[0] == '#' {
		l, ok := parseLock(trim)
		if !ok {
			r.skip(line)
			return true
		}
		if len(h.Locks) < maxLocks {
			h.Locks = append(h.Locks, l)
		}
		r.cur.pending = 0
		return true
	}
	if bytes.HasPrefix(trim, equalsLine) {
		r.finish()
		return true
	}
	if l, ok := orphanLock(h, trim); ok {
		if len(h.Locks) < maxLocks {
			h.Locks = append(h.Locks, l)
		}
		r.cur.pending = 0
		return true
	}
	r.finish()
	return false
}

// orphanLock reads the rest of an entry whose head another CPU's output
// took away: lockdep prints an entry once per inlined acquire site, and on
// a busy console the head ("#0: ffffffff8fee3ae8 (" or "... (rtnl_mutex")
// is printed once for two tails (console/212):
//
//	 #0: ffffffff8fee3ae8 (
//	rtnl_mutex){+.+.}-{3:3}, at: rtnl_lock net/core/rtnetlink.c:79 [inline]
//	rtnl_mutex){+.+.}-{3:3}, at: rtnetlink_rcv_msg+0x372/0xea0 net/core/rtnetlink.c:6672
//
// The tail takes the last entry's index, instance and, when it begins at
// "){", class.
func orphanLock(h *HeldLocks, b []byte) (Lock, bool) {
	if len(h.Locks) == 0 || !bytes.Contains(b, []byte(", at: ")) || !bytes.Contains(b, []byte("){")) {
		return Lock{}, false
	}
	last := h.Locks[len(h.Locks)-1]
	head := "#" + strconv.Itoa(last.Index) + ": " + last.Instance + " ("
	if b[0] == ')' {
		head += last.Class
	}
	l, ok := parseLock(append([]byte(head), b...))
	if !ok || l.Class != last.Class {
		return Lock{}, false
	}
	return l, true
}

// parseTag reads a stack's context marker: "<TASK>", "</TASK>", "<IRQ>",
// "</IRQ>", "<EOI>", "<NMI>", "</NMI>", "<SOFTIRQ>", and the exception
// stacks of older x86 ("<#DB>", "<<EOE>>"), and returns what follows it
// on the line. The name keeps a closing tag's '/'.
func parseTag(b []byte) (name string, rest []byte, ok bool) {
	i := 1
	if len(b) > 1 && b[1] == '<' {
		i = 2
	}
	e := bytes.IndexByte(b[i:], '>')
	if e < 1 || e > 9 {
		return "", nil, false
	}
	in := b[i : i+e]
	for k, c := range in {
		if !(c >= 'A' && c <= 'Z' || c == '#' || c == '/' && k == 0) {
			return "", nil, false
		}
	}
	if len(in) == 1 && in[0] == '/' {
		return "", nil, false
	}
	e += i + 1
	if i == 2 && e < len(b) && b[e] == '>' {
		e++
	}
	return string(in), trimSpace(b[e:]), true
}

// tagContext is the interrupt context a marker opens: frames after <NMI>
// belong to the NMI handler until </NMI> (or <<EOE>>, the end of an
// exception stack), those after <IRQ> to the interrupt until </IRQ> or
// <EOI>; the task's own frames are the others.
func tagContext(name string) Context {
	switch name {
	case "TASK", "EOI", "EOE":
		return NoContext
	case "NMI":
		return NMI
	case "IRQ":
		return IRQ
	case "SOFTIRQ":
		return SoftIRQ
	}
	if name[0] == '/' {
		return NoContext
	}
	return Exception
}

// parseRIP reads the in-kernel instruction pointer line of x86's register
// dump ("RIP: 0010:filldir64+0xc5/0x190", "RIP:
// 0010:[<ffffffff815258b0>]  [<ffffffff815258b0>] __mutex_lock_slowpath+0x30/0x160",
// i386 "EIP: 0060:..."). A user-space one ("RIP: 0033:0x7f612a9e5575")
// is no frame.
func parseRIP(b []byte, syms symbols) (Frame, bool) {
	if len(b) < 12 || b[1] != 'I' || b[2] != 'P' || b[3] != ':' {
		return Frame{}, false
	}
	s := trimSpace(b[4:])
	if !bytes.HasPrefix(s, []byte("0010:")) && !bytes.HasPrefix(s, []byte("0060:")) {
		return Frame{}, false
	}
	f, _, arm, ok := parseFrame(s[5:], syms)
	if !ok || arm {
		return Frame{}, false
	}
	return f, true
}

// cutSymBracket removes the 2.6.0 kernel's symbolic address from a frame
// line, "[rwsem_down_failed_common+157/342] rwsem_down_failed_common+0x9d/0x156",
// and says it was there.
func cutSymBracket(b []byte) ([]byte, bool) {
	e := bytes.IndexByte(b, ']')
	if e < 3 || b[1] == '<' {
		return b, false
	}
	in := b[1:e]
	plus := bytes.IndexByte(in, '+')
	if plus <= 0 || !validSym(in[:plus]) {
		return b, false
	}
	sl := bytes.IndexByte(in[plus:], '/')
	if sl < 0 {
		return b, false
	}
	if _, ok := atoi(in[plus+1 : plus+sl]); !ok {
		return b, false
	}
	if _, ok := atoi(in[plus+sl+1:]); !ok {
		return b, false
	}
	return b[e+1:], true
}
