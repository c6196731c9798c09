package crash

import "strings"

// pidLine reads a line beginning "PID:": a backtrace's header "PID:
// 3632440  TASK: ffff91fde98a1780  CPU: 5   COMMAND: "rsync"", the same
// header naming a kmem answer's task, or the first line of a task summary
// ("PID: 1706").
func (r *Reader) pidLine(t string, n int) status {
	if !strings.Contains(t, "TASK:") {
		pid, ok := atoi(strings.TrimSpace(strings.TrimPrefix(t, "PID:")))
		if !ok {
			return near
		}
		c := &Context{PID: pid, CPU: -1, Line: n}
		if k, ok := r.cur.(*Kmem); ok && k.Task == nil {
			k.Task = c
		} else {
			r.flush()
			r.cur = c
		}
		r.ctx = c
		return used
	}
	h, ok := r.taskHeader(t, n)
	if !ok {
		return near
	}
	if k, ok := r.cur.(*Kmem); ok && k.Object != "" && k.Task == nil {
		k.Task = &Context{PID: h.PID, Task: h.Task, CPU: h.CPU, Comm: h.Comm, Line: n}
		return used
	}
	r.adopt(modeBT)
	h.Command = r.cmd
	if h.Task == "" {
		h.Task = r.cmdTask
	}
	r.flush()
	r.cur = h
	return used
}

// taskHeader parses "PID: 3632440  TASK: ffff91fde98a1780  CPU: 5
// COMMAND: "rsync"".
func (r *Reader) taskHeader(t string, n int) (*Backtrace, bool) {
	bt := &Backtrace{CPU: -1, Line: n}
	rest := t
	if i := strings.Index(rest, "COMMAND: "); i >= 0 {
		comm := rest[i+len("COMMAND: "):]
		rest = rest[:i]
		if len(comm) >= 2 && comm[0] == '"' && comm[len(comm)-1] == '"' {
			comm = comm[1 : len(comm)-1]
		}
		bt.Comm = r.str(comm)
	}
	f := strings.Fields(rest)
	for i := 0; i+1 < len(f); i += 2 {
		switch f[i] {
		case "PID:":
			pid, ok := atoi(f[i+1])
			if !ok {
				return nil, false
			}
			bt.PID, bt.HasPID = pid, true
		case "TASK:":
			if a, ok := hexAddr(f[i+1]); ok {
				bt.Task = r.clone(a)
			}
		case "CPU:":
			if c, ok := atoi(f[i+1]); ok {
				bt.CPU = c
			}
		}
	}
	return bt, bt.HasPID
}

// contextLine reads the lines of a task summary after its "PID:" line:
// COMMAND:, TASK:, CPU: and STATE:.
func (r *Reader) contextLine(t string) bool {
	label, v, ok := strings.Cut(t, ": ")
	if !ok {
		return false
	}
	c := r.ctx
	v = strings.TrimSpace(v)
	switch label {
	case "COMMAND":
		c.Comm = r.str(strings.Trim(v, `"`))
	case "TASK":
		a, _, _ := strings.Cut(v, " ")
		if a, ok := hexAddr(a); ok {
			c.Task = r.clone(a)
		}
	case "CPU":
		if cpu, ok := atoi(v); ok {
			c.CPU = cpu
		}
	case "STATE":
		c.State = r.str(v)
	default:
		return false
	}
	return true
}

// backtrace returns the backtrace being built, starting one from the
// command when the "PID:" line was cut.
func (r *Reader) backtrace(n int) *Backtrace {
	if bt, ok := r.cur.(*Backtrace); ok {
		return bt
	}
	r.flush()
	bt := &Backtrace{Command: r.cmdIf(modeBT), CPU: -1, Abbreviated: true, Line: n}
	if r.mode == modeBT {
		bt.PID, bt.HasPID, bt.Task = r.cmdPID, r.cmdHasPID, r.cmdTask
	}
	r.cur = bt
	return bt
}

// frameLine parses "#2 [ffffa932c498bd48] rwsem_down_write_failed_killable
// at ffffffffa74a074d [mod]", joining it with the next line when a mailer
// cut it.
func (r *Reader) frameLine(t string, n int) status {
	fr, ok := parseFrame(t)
	if !ok {
		j, joined := r.rejoin(t, func(s string) bool { _, ok := parseFrame(s); return ok }, shaped)
		if !joined {
			return near
		}
		fr, _ = parseFrame(j)
	}
	fr.SP, fr.Addr, fr.Offset, fr.Line = r.clone(fr.SP), r.clone(fr.Addr), r.clone(fr.Offset), n
	fr.Func, fr.Via, fr.Module = r.str(fr.Func), r.str(fr.Via), r.str(fr.Module)
	bt := r.backtrace(n)
	if bt.HasPID {
		if len(r.stacks) < maxStacks {
			r.stacks[fr.SP] = stackRef{pid: bt.PID, task: bt.Task, comm: bt.Comm, cpu: bt.CPU, line: bt.Line}
		}
	} else if ref, ok := r.stacks[fr.SP]; ok {
		bt.PID, bt.HasPID, bt.Task, bt.Comm, bt.CPU, bt.SameAs = ref.pid, true, ref.task, ref.comm, ref.cpu, ref.line
	}
	bt.Frames = append(bt.Frames, fr)
	return used
}

// parseFrame parses a frame line; every string it returns is a view of t.
func parseFrame(t string) (Frame, bool) {
	num, rest, ok := strings.Cut(t[1:], " ")
	if !ok {
		return Frame{}, false
	}
	fr := Frame{}
	if fr.Num, ok = atoi(num); !ok {
		return Frame{}, false
	}
	rest = strings.TrimLeft(rest, " ")
	if !strings.HasPrefix(rest, "[") {
		return Frame{}, false
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return Frame{}, false
	}
	if fr.SP, ok = hexAddr(rest[1:end]); !ok {
		return Frame{}, false
	}
	rest = strings.TrimLeft(rest[end+1:], " ")
	fn, after, ok := strings.Cut(rest, " at ")
	if !ok || fn == "" {
		return Frame{}, false
	}
	// i386 prints "error_code (via invalid_op) at ..."; x86_64 puts the
	// "(via system_call)" after the address.
	if f, via, ok := strings.Cut(fn, " (via "); ok && strings.HasSuffix(via, ")") {
		fn, fr.Via = f, strings.TrimSuffix(via, ")")
	}
	// bt -s: "__schedule+0x2c3", "percpu_rwsem_wait+271".
	if i := strings.LastIndexByte(fn, '+'); i > 0 && isOffset(fn[i+1:]) {
		fn, fr.Offset = fn[:i], fn[i+1:]
	}
	fr.Func = fn
	addr, tail, _ := strings.Cut(after, " ")
	if fr.Addr, ok = hexAddr(addr); !ok {
		return Frame{}, false
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
	return fr, true
}

// isOffset is the offset bt -s prints: "0x2c3" or "271".
func isOffset(s string) bool {
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		_, ok := hexAddr(h)
		return ok && h != ""
	}
	_, ok := atoi(s)
	return ok
}

// dataLine parses a bt -F/-FF stack data line
// "ffffa932c498be60: 00000000fffffff2 [ffff91fe2bb65b00:filp]", or a
// bare "[ffff91fdfdcbf000:filp]" word of the shorthand. Human notes
// after the words ("<----", a glued "[r14]") are left out.
func (r *Reader) dataLine(t string, n int) status {
	stack := ""
	words := t
	if i := strings.Index(t, ": "); i > 0 {
		a, ok := hexAddr(t[:i])
		if !ok {
			return none
		}
		stack, words = a, t[i+2:]
	} else if t[0] != '[' {
		return none
	}
	var slabs []Slab
	count := 0
	for _, w := range strings.Fields(words) {
		s, ok, last := r.word(w, n)
		if !ok {
			if count == 0 {
				if stack == "" {
					return none
				}
				return near
			}
			break
		}
		count++
		if s.Cache != "" {
			s.Stack = stack
			slabs = append(slabs, s)
		}
		if last {
			break
		}
	}
	if stack == "" && len(slabs) == 0 {
		return none
	}
	if _, ok := r.cur.(*Backtrace); !ok && r.mode != modeBT && stack != "" {
		// A data line only follows a bt answer.
		return none
	}
	if stack != "" {
		stack = r.clone(stack)
	}
	bt := r.backtrace(n)
	for i := range slabs {
		slabs[i].Stack = stack
		if slabs[i].Addr != "" {
			r.lastObj = slabs[i].Addr
		}
	}
	if len(bt.Frames) == 0 {
		bt.Loose = append(bt.Loose, slabs...)
	} else {
		f := &bt.Frames[len(bt.Frames)-1]
		f.Data = append(f.Data, slabs...)
	}
	return used
}

// word reads one stack word: a value, a "down_read+19" symbol, a slab
// annotation ("[ffff91fe2bb65b00:filp]", "[filp]"). A value with a note
// glued to it ("ffff941d45f98870[r14]") is a word and the last one.
func (r *Reader) word(w string, n int) (s Slab, ok, last bool) {
	if w[0] != '[' {
		if _, ok := hexAddr(w); ok || isSymbolWord(w) {
			return Slab{}, true, false
		}
		if i := strings.IndexByte(w, '['); i > 0 {
			if _, ok := hexAddr(w[:i]); ok {
				return Slab{}, true, true
			}
		}
		return Slab{}, false, false
	}
	if w[len(w)-1] != ']' {
		return Slab{}, false, false
	}
	in := w[1 : len(w)-1]
	if _, ok := hexAddr(in); ok && len(in) >= 8 {
		return Slab{}, false, false // a kmem object line, not a stack word
	}
	s = Slab{Line: n}
	if a, c, ok := strings.Cut(in, ":"); ok {
		if a, ok = hexAddr(a); !ok || !isCacheName(c) {
			return Slab{}, false, false
		}
		s.Addr, s.Cache = r.clone(a), r.str(c)
	} else {
		if !isCacheName(in) {
			return Slab{}, false, false
		}
		s.Cache = r.str(in)
	}
	return s, true, false
}

// isCacheName is a slab cache's name: "filp", "kmalloc-2k", "TCPv6",
// "nfs_inode_cache", "task_struct" (letters, digits, '_', '-', '.', '(',
// ')' and ':', with a letter); not a human "[...]".
func isCacheName(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			letter = true
		case isDigit(c), c == '_', c == '-', c == '.', c == '(', c == ')', c == ':':
		default:
			return false
		}
	}
	return letter
}

// isSymbolWord matches the "down_read+19" words bt -F prints for text
// addresses.
func isSymbolWord(w string) bool {
	name, off, ok := strings.Cut(w, "+")
	if !ok {
		return isIdent(w) && !isDigit(w[0])
	}
	_, numOK := atoi(off)
	return isIdent(name) && numOK
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
		f.Regs = append(f.Regs, Field{Name: "exception RIP", Value: r.clone(strings.TrimSuffix(v, "]")), Line: n})
		return true
	}
	w := strings.Fields(t)
	if len(w)%2 != 0 || len(w) == 0 {
		return false
	}
	for i := 0; i < len(w); i += 2 {
		name, ok := strings.CutSuffix(w[i], ":")
		if !ok || !isIdent(name) {
			return false
		}
		if _, ok := hexAddr(w[i+1]); !ok {
			return false
		}
	}
	for i := 0; i < len(w); i += 2 {
		f.Regs = append(f.Regs, Field{Name: r.str(strings.TrimSuffix(w[i], ":")), Value: r.clone(w[i+1]), Line: n})
	}
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
