package crash

import "strings"

// commands are crash's commands and built-in aliases (crash help). A word
// that is none of them is a struct, union or typedef name: crash reads
// "task_struct.mm ADDR" as "struct task_struct.mm ADDR".
var commands = map[string]bool{
	"*": true, "alias": true, "ascii": true, "bpf": true, "bt": true, "btop": true, "dev": true,
	"dis": true, "eval": true, "exit": true, "extend": true, "files": true, "foreach": true,
	"fuser": true, "gdb": true, "help": true, "ipcs": true, "irq": true, "kmem": true, "list": true,
	"log": true, "mach": true, "mod": true, "mount": true, "net": true, "p": true, "ps": true,
	"pte": true, "ptob": true, "ptov": true, "rd": true, "repeat": true, "runq": true, "search": true,
	"set": true, "sig": true, "struct": true, "swap": true, "sym": true, "sys": true, "task": true,
	"timer": true, "tree": true, "union": true, "vm": true, "vtop": true, "waitq": true, "whatis": true,
	"wr": true, "q": true,
	// aliases
	"man": true, "?": true, "quit": true, "sf": true, "sn": true, "hex": true, "dec": true, "g": true,
	"px": true, "pd": true, "for": true, "size": true, "dmesg": true, "lsmod": true, "last": true,
	"print": true,
}

// perTaskCommands print "PID: ... TASK: ... COMMAND:" headers in answers
// of their own.
var perTaskCommands = map[string]bool{
	"task": true, "set": true, "files": true, "vm": true, "net": true, "sig": true, "runq": true,
	"fuser": true, "ps": true, "last": true,
}

// setMode starts the answer of cmd, of mode m, with no arguments read.
func (r *Reader) setMode(m mode, cmd string) {
	r.mode, r.cmd = m, r.str(cmd)
	r.cmdPID, r.cmdHasPID, r.cmdTask, r.cmdAddr, r.cmdSym, r.cmdType = 0, false, "", "", "", ""
	r.perTask = false
}

// adopt switches to mode m for an answer recognised by its shape; one
// that does not fit the current command belongs to no command.
func (r *Reader) adopt(m mode) {
	if r.mode != m {
		r.setMode(m, "")
	}
}

// cmdIf returns the current command if it gives answers of mode m.
func (r *Reader) cmdIf(m mode) string {
	if r.mode == m {
		return r.cmd
	}
	return ""
}

// command starts the answer of a command line.
func (r *Reader) command(cmd string, n int) {
	r.flush()
	cmd = stripComment(cmd)
	line, _, _ := strings.Cut(cmd, "|")
	f := strings.Fields(line)
	verb := ""
	if len(f) > 0 {
		verb = f[0]
	}
	args := f[min(1, len(f)):]
	switch {
	case verb == "":
		r.setMode(modeNone, cmd)
	case verb == "ps" && psTable(args) && !pipesTo(cmd, "wc"):
		r.setMode(modePS, cmd)
	case verb == "bt" || verb == "foreach" || verb == "for":
		r.setMode(modeBT, cmd)
		if verb == "bt" {
			r.btArgs(args)
		}
	case verb == "kmem":
		r.setMode(modeKmem, cmd)
		for _, a := range args {
			if addr, ok := hexAddr(a); ok {
				r.cmdAddr = r.clone(addr)
			}
		}
	case verb == "struct" || verb == "union":
		r.setMode(modeStruct, cmd)
		r.structArgs(args)
	case verb == "p" || verb == "px" || verb == "pd" || verb == "print":
		r.setMode(modeStruct, cmd)
	case !commands[verb] && isTypeSpec(verb):
		// crash's own shorthand: "task_struct.mm ADDR" is "struct
		// task_struct.mm ADDR".
		r.setMode(modeStruct, cmd)
		r.structArgs(f)
	default:
		r.setMode(modeOther, cmd)
		r.perTask = perTaskCommands[verb]
		r.cur = &Other{Command: r.cmd, Line: n}
	}
}

// psTable says whether ps with these flags prints its table of rows; -t,
// -l, -m, -a, -g, -r, -S, -p and -c print other layouts.
func psTable(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && strings.ContainsAny(a, "tlmagrSpc") {
			return false
		}
	}
	return true
}

// pipesTo says whether cmd pipes crash's output to the shell command
// prog ("ps | grep UN | wc -l").
func pipesTo(cmd, prog string) bool {
	parts := strings.Split(cmd, "|")
	for _, p := range parts[1:] {
		if f := strings.Fields(p); len(f) > 0 && f[0] == prog {
			return true
		}
	}
	return false
}

// btArgs reads bt's arguments: a PID ("bt 37") or a task address ("bt
// ffff93fe9b124180", "bt 0xffff93fe9b124180").
func (r *Reader) btArgs(args []string) {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if pid, ok := atoi(a); ok && len(a) < 12 {
			r.cmdPID, r.cmdHasPID = pid, true
			return
		}
		if addr, ok := hexAddr(a); ok && len(addr) >= 8 {
			r.cmdTask = r.clone(addr)
			return
		}
	}
}

// structArgs reads "[flags] TYPE[.member,...] [ADDR|SYMBOL] [flags]".
func (r *Reader) structArgs(args []string) {
	var words []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			words = append(words, a)
		}
	}
	if len(words) == 0 {
		return
	}
	typ, _, _ := strings.Cut(words[0], ".")
	r.cmdType = r.str(typ)
	if len(words) < 2 {
		return
	}
	if addr, ok := hexAddr(words[1]); ok {
		r.cmdAddr = r.clone(addr)
	} else if isIdent(words[1]) {
		r.cmdSym = r.str(words[1])
	}
}

// isTypeSpec is a type name with optional members: "task_struct",
// "xfs_inode_t.i_lock", "task_struct.pid,comm".
func isTypeSpec(w string) bool {
	typ, members, _ := strings.Cut(w, ".")
	if !isIdent(typ) || strings.Contains(typ, ".") || isDigit(typ[0]) {
		return false
	}
	for _, m := range strings.Split(members, ",") {
		if members != "" && !isIdent(m) {
			return false
		}
	}
	return true
}

// isStructCommand matches "struct TYPE[.member] ADDR [flags]" typed
// without its prompt.
func isStructCommand(t string) bool {
	if !strings.HasPrefix(t, "struct ") && !strings.HasPrefix(t, "union ") {
		return false
	}
	f := strings.Fields(t)
	if len(f) < 3 {
		return false
	}
	_, ok := hexAddr(f[2])
	return ok
}

// catStack reads a shell command that prints one task's stack: "cat
// /proc/4129433/stack", "sudo cat /proc/4129433/task/4129433/stack".
func catStack(cmd string) (int, bool) {
	f := strings.Fields(cmd)
	if len(f) > 0 && f[0] == "sudo" {
		f = f[1:]
	}
	if len(f) != 2 || f[0] != "cat" {
		return 0, false
	}
	p, ok := strings.CutSuffix(f[1], "/stack")
	if !ok {
		return 0, false
	}
	p, ok = strings.CutPrefix(p, "/proc/")
	if !ok {
		return 0, false
	}
	if _, tid, ok := strings.Cut(p, "/task/"); ok {
		p = tid
	}
	pid, ok := atoi(p)
	return pid, ok && pid > 0
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '.' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}
