package strace

import "bytes"

// finishCall decodes what a complete call's text says: the return value,
// the file descriptor and its path, and directory entries.
func (r *Reader) finishCall(ev *Event) {
	parseRet(ev)
	r.fillFd(ev)
	switch string(ev.Name) {
	case "getdents64", "getdents":
		if ev.RetOK && ev.RetVal >= 0 {
			r.decodeDirents(ev)
		}
	}
}

// parseRet reads Ret's leading number and error name:
// "3", "0x7f12c5558000", "-1 ENOENT (No such file or directory)",
// "? ERESTARTSYS (To be restarted if SA_RESTART is set)", "? <unavailable>".
func parseRet(ev *Event) {
	s := ev.Ret
	neg := false
	rest := s
	if len(rest) > 0 && rest[0] == '-' {
		neg = true
		rest = rest[1:]
	}
	if len(rest) > 1 && rest[0] == '0' && rest[1] == 'x' {
		v, n := parseHex(rest[2:])
		if n > 0 {
			ev.RetVal, ev.RetOK = int64(v), true
			rest = rest[2+n:]
		}
	} else if v, n := parseUint(rest); n > 0 {
		ev.RetVal, ev.RetOK = int64(v), true
		if neg {
			ev.RetVal = -ev.RetVal
		}
		rest = rest[n:]
	} else if len(rest) > 0 && rest[0] == '?' && !neg {
		rest = rest[1:]
	} else {
		return
	}
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != 'E' {
		return
	}
	rest = rest[1:]
	n := 0
	for n < len(rest) && (rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= '0' && rest[n] <= '9' || rest[n] == '_') {
		n++
	}
	if n < len(rest) && rest[n] != ' ' {
		return
	}
	ev.Errno = rest[:n]
}

// fdKind says how a call relates to file descriptors.
type fdKind uint8

const (
	fdNone   fdKind = iota
	fdArg           // the first argument is a descriptor
	fdOpen          // the return value is a new descriptor for a path argument
	fdDup           // the return value copies the first argument
	fdClose         // the first argument is released
	fdFcntl         // fcntl: F_DUPFD* copies, anything else is fdArg
	fdFork          // the return value is a child with a copy of the table
	fdPath0         // open/creat: path is the first argument
	fdPathAt        // openat/openat2: path is the second argument
)

func callFdKind(name []byte) fdKind {
	switch string(name) {
	case "getdents64", "getdents", "readdir", "read", "write", "pread64", "pwrite64",
		"readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "lseek", "_llseek",
		"fstat", "fstat64", "fstatfs", "fstatfs64", "fchdir", "fsync", "fdatasync",
		"ftruncate", "ftruncate64", "ioctl", "flock", "fadvise64", "fadvise64_64",
		"fallocate", "fchmod", "fchown", "fchown32", "fgetxattr", "fsetxattr",
		"flistxattr", "fremovexattr", "syncfs", "readahead", "sendfile", "sendfile64",
		"recvfrom", "recvmsg", "sendto", "sendmsg", "connect", "accept", "accept4",
		"bind", "listen", "shutdown", "getsockopt", "setsockopt", "mmap2":
		return fdArg
	case "open", "creat":
		return fdPath0
	case "openat", "openat2":
		return fdPathAt
	case "dup", "dup2", "dup3":
		return fdDup
	case "close":
		return fdClose
	case "fcntl", "fcntl64":
		return fdFcntl
	case "clone", "clone3", "fork", "vfork":
		return fdFork
	}
	return fdNone
}

// fillFd sets Fd and Path and keeps the PID's fd table current.
func (r *Reader) fillFd(ev *Event) {
	kind := callFdKind(ev.Name)
	if kind == fdNone {
		return
	}
	ok := ev.RetOK && ev.RetVal >= 0 && !ev.Unfinished
	switch kind {
	case fdFork:
		if ok && ev.RetVal > 0 && ev.RetVal < 1<<31 {
			r.forkTable(ev.PID, int(ev.RetVal))
		}
		return
	case fdPath0, fdPathAt:
		if !ok {
			return
		}
		ev.Fd = int(ev.RetVal)
		path := retDecoration(ev.Ret)
		if path == nil {
			arg := ev.Args
			if kind == fdPathAt {
				arg = nextArg(arg)
			}
			path = r.unquoteArg(arg)
		}
		ev.Path = r.setFd(ev.PID, ev.Fd, path)
		return
	}
	fd, deco, okFd := firstFd(ev.Args)
	if !okFd {
		return
	}
	if kind == fdFcntl {
		cmd := nextArg(ev.Args)
		if bytes.HasPrefix(cmd, []byte("F_DUPFD")) {
			kind = fdDup
		} else {
			kind = fdArg
		}
	}
	path := deco
	if path == nil {
		path = r.fdPath(ev.PID, fd)
	}
	switch kind {
	case fdArg:
		ev.Fd, ev.Path = fd, path
	case fdClose:
		ev.Fd, ev.Path = fd, path
		if ok {
			r.closeFd(ev.PID, fd)
		}
	case fdDup:
		if !ok {
			ev.Fd, ev.Path = fd, path
			return
		}
		ev.Fd = int(ev.RetVal)
		if d := retDecoration(ev.Ret); d != nil {
			path = d
		}
		if path != nil {
			ev.Path = r.setFd(ev.PID, ev.Fd, path)
		} else {
			r.closeFd(ev.PID, ev.Fd)
		}
	}
}

// firstFd reads the leading "3" or "3</mnt/dir>" of the arguments.
func firstFd(args []byte) (fd int, deco []byte, ok bool) {
	v, n := parseUint(args)
	if n == 0 || n > 10 {
		return -1, nil, false
	}
	return int(v), decoration(args[n:]), true
}

// decoration returns the path inside a leading "<...>" of -y/-yy. A path
// holding ">," cannot be told from the end of the decoration; strace ends
// it at the first '>' that is followed by the end of the argument.
func decoration(s []byte) []byte {
	if len(s) < 2 || s[0] != '<' {
		return nil
	}
	for i := 1; i < len(s); i++ {
		if s[i] == '>' && (i+1 == len(s) || s[i+1] == ',' || s[i+1] == ')' || s[i+1] == ' ') {
			return s[1:i]
		}
	}
	return nil
}

// retDecoration returns the path of a return value "3</mnt/dir>".
func retDecoration(ret []byte) []byte {
	_, n := parseUint(ret)
	if n == 0 || n >= len(ret) || ret[n] != '<' {
		return nil
	}
	end := bytes.LastIndexByte(ret, '>')
	if end <= n {
		return nil
	}
	return ret[n+1 : end]
}

// nextArg skips the first argument (which must not hold ", " or quotes:
// a number, a constant, or an fd with its decoration).
func nextArg(args []byte) []byte {
	if len(args) > 0 && args[0] != '"' {
		if i := bytes.Index(args, []byte(", ")); i >= 0 {
			return args[i+2:]
		}
	}
	return nil
}

// unquoteArg unescapes the quoted string an argument starts with into
// r.pathBuf; nil if it does not start with one.
func (r *Reader) unquoteArg(arg []byte) []byte {
	if len(arg) == 0 || arg[0] != '"' {
		return nil
	}
	r.pathBuf = r.pathBuf[:0]
	out, _, ok := unquote(r.pathBuf, arg)
	if !ok {
		return nil
	}
	r.pathBuf = out
	return out
}
