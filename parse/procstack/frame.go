package procstack

import (
	"bytes"
	"strconv"
	"strings"
)

// isBottom says whether fn is an entry frame a stack ends with;
// ret_from_fork is followed by ret_from_fork_asm on 6.x, hence the check
// in frame.
func isBottom(fn string) bool {
	switch fn {
	case "entry_SYSCALL_64_after_hwframe", "entry_SYSCALL_64_after_swapgs", "entry_SYSCALL_64_fastpath",
		"system_call_fastpath", "entry_SYSCALL_64", "entry_SYSCALL_compat", "entry_SYSENTER_compat_after_hwframe",
		"entry_INT80_compat", "ret_from_fork", "ret_from_fork_asm", "ret_from_kernel_thread",
		"kernel_thread_helper", "el0t_64_sync", "el0t_64_irq":
		return true
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
	sym, tail, _ := strings.Cut(rest, " ")
	if sym == "" {
		return f, false
	}
	if strings.HasPrefix(tail, "[") {
		j := strings.IndexByte(tail, ']')
		if j < 0 {
			return f, false
		}
		mod, _, _ := strings.Cut(tail[1:j], " ") // drop a build ID
		if mod == "" {
			return f, false
		}
		f.Module = str(mod)
		tail = tail[j+1:]
	}
	if !isNote(tail) {
		return f, false
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

// isNote is what may follow a frame on its line: nothing, or a human
// note set apart by more blanks or beginning with a sign ("  <<<<<
// race?", "   | since this is an insert"), never a bare word ("sunrpc",
// a module that lost its brackets).
func isNote(tail string) bool {
	if strings.TrimSpace(tail) == "" {
		return true
	}
	c := tail[0]
	return c == ' ' || c == '\t' || !isLetter(c) && !isDigit(c) && c != '_' && c != '['
}

func parseHex(s string) (uint64, error) {
	s, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 16, 64)
}

// framePrefix reads what may precede a frame on its line: the path grep
// puts before each line it prints ("/proc/123/stack:[<0>] ..."), which
// names the task, or a capture script's label ("stack: [<0>] ..."), which
// does not.
func framePrefix(p string) (header, bool) {
	p, ok := strings.CutSuffix(strings.TrimRight(p, " \t"), ":")
	if !ok || p == "" {
		return header{}, false
	}
	if h, ok := stackPath(p); ok {
		return h, true
	}
	return header{}, isWord(p)
}

// isWord is a label: letters, digits, '_', '-' and '.', beginning with a
// letter.
func isWord(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// Sniff reports whether head, the start of an input with its paste
// decorations removed (paste.Clean), looks like /proc/PID/stack text: some
// line in it is a frame, bare, after a grep path ("/proc/1/stack:[<0>] ...")
// or after a capture script's label ("stack: [<0>] ..."), and no line is a
// kernel log's "Call Trace:", which /proc/PID/stack never prints (old
// kernel logs print frames in the same "[<c01bcd27>] func+0x9d/0x156"
// form).
func Sniff(head []byte) bool {
	id := func(s string) string { return s }
	found := false
	for len(head) > 0 {
		var line []byte
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			line, head = head, nil
		}
		t := strings.TrimSpace(unsafeString(line))
		if strings.HasSuffix(t, "Call Trace:") {
			return false
		}
		i := strings.Index(t, "[<")
		if found || i < 0 {
			continue
		}
		if i > 0 {
			if _, ok := framePrefix(t[:i]); !ok {
				continue
			}
		}
		_, found = parseFrame(t[i:], id)
	}
	return found
}
