package dmesg

import (
	"bytes"
)

// Limits on what one frame may hold, so that a garbage line cannot make a
// record large: KSYM_NAME_LEN is 512, module names are 56 bytes.
const (
	maxSym    = 512
	maxModule = 128
	maxSource = 1024
)

// parseFrame reads one stack line (message already trimmed of prefixes):
//
//	 schedule+0x28/0x80
//	 [<ffffffff8135067c>] ? __mutex_lock_common.isra.5+0xff/0x164
//	 rpc_wait_bit_killable+0x1e/0xa0 [sunrpc 3b2c...]
//	 __switch_to+0xe4/0x138 (T)
//	 iterate_dir+0x5b/0x1a0 fs/readdir.c:97
//	 __schedule_loop kernel/sched/core.c:6841 [inline]
//	[<807762c0>] (__schedule) from [<80776938>] (schedule+0x50/0xa8)
//	 __schedule from schedule+0x50/0xa8   (ARM32 without BACKTRACE_VERBOSE)
//	[c000001b9ab07800] [c000000000b32608] schedule+0x48/0xc0   (powerpc: stack pointer, then address)
//	[c000001b9ab07500] [c000001b9ab07540] 0xc000001b9ab07540 (unreliable)
//	[] __mutex_lock_slowpath+0x60/0x9b   (addresses a renderer stripped; also "[<>]")
//	 nfsd4_proc_compound (fs/nfsd/nfs4proc.c:2680) nfsd   (decode_stacktrace.sh since 5.x)
//
// An ARM32 line yields the callee and, in caller, the "from" frame.
func parseFrame(s []byte, syms symbols) (f Frame, caller Frame, arm bool, ok bool) {
	s = trimSpace(s)
	if a, rest, got := bracketAddr(s); got {
		f.Addr, f.AddrDigits = a, bracketDigits(s)
		s = trimSpace(rest)
		if a, rest, got := bracketAddr(s); got {
			f.Addr, f.AddrDigits = a, bracketDigits(s)
			s = trimSpace(rest)
		}
	}
	if bytes.HasPrefix(s, []byte("? ")) {
		f.Unreliable = true
		s = s[2:]
	}
	if len(s) > 0 && s[0] == '(' {
		// ARM32: "(callee) from [<addr>] (caller+0x50/0xa8)"
		e := bytes.IndexByte(s, ')')
		if e < 0 {
			return f, caller, false, false
		}
		if !parseSym(s[1:e], &f, true, syms) {
			return f, caller, false, false
		}
		rest := trimSpace(s[e+1:])
		if !bytes.HasPrefix(rest, []byte("from ")) {
			return f, caller, false, false
		}
		rest = trimSpace(rest[5:])
		if a, r, got := bracketAddr(rest); got {
			caller.Addr, caller.AddrDigits = a, bracketDigits(rest)
			rest = trimSpace(r)
		}
		if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' || !parseSym(rest[1:len(rest)-1], &caller, true, syms) {
			return f, caller, false, false
		}
		return f, caller, true, true
	}
	if i := bytes.Index(s, []byte(" from ")); i > 0 && bytes.IndexByte(s[:i], ' ') < 0 {
		// ARM32 without CONFIG_BACKTRACE_VERBOSE: " __schedule from schedule+0x50/0xa8"
		if !parseSym(s[:i], &f, true, syms) || !parseSym(s[i+len(" from "):], &caller, false, syms) {
			return f, caller, false, false
		}
		return f, caller, true, true
	}
	if !parseSym(s, &f, false, syms) {
		if rawAddrFrame(s, &f) {
			return f, caller, false, true
		}
		return f, caller, false, false
	}
	return f, caller, false, true
}

// rawAddrFrame reads a frame whose address has no symbol, named by the
// address: powerpc's stale slot "0xc000001b9ab07540 (unreliable)", x86's
// "? 0xffffffffc00ac000" (a module's init code, freed).
func rawAddrFrame(s []byte, f *Frame) bool {
	a := s
	if sp := bytes.IndexByte(s, ' '); sp >= 0 {
		if string(trimSpace(s[sp:])) != "(unreliable)" {
			return false
		}
		a = s[:sp]
		f.Unreliable = true
	}
	if !f.Unreliable || len(a) != 10 && len(a) != 18 {
		// A bare "0x00000000" is no frame (it may be a cut task line's
		// flags, say).
		return false
	}
	if _, ok := hex0x(a); !ok {
		return false
	}
	*f = Frame{Func: string(a), Addr: f.Addr, AddrDigits: f.AddrDigits, Unreliable: f.Unreliable}
	return true
}

// parseSym reads "func+0xoff/0xsize" and the tokens that may follow it:
// "[module]", "[module buildid]", "(T)", "(unreliable)", "path.c:97",
// "[inline]". A bare name is accepted only when bare is set (ARM32's
// parenthesised callee) or a source line follows.
func parseSym(s []byte, f *Frame, bare bool, syms symbols) bool {
	s = trimSpace(s)
	sp := bytes.IndexByte(s, ' ')
	tok := s
	rest := []byte(nil)
	if sp >= 0 {
		tok, rest = s[:sp], s[sp+1:]
	}
	plus := bytes.IndexByte(tok, '+')
	name := tok
	if plus >= 0 {
		name = tok[:plus]
		off, size, ok := offsetSize(tok[plus+1:])
		if !ok {
			return false
		}
		f.Offset, f.Size = off, size
	}
	if !validSym(name) {
		return false
	}
	f.Func = syms.str(name)
	hasSource, module := false, false
	for len(rest) > 0 {
		rest = trimSpace(rest)
		if len(rest) == 0 {
			break
		}
		switch rest[0] {
		case '[':
			e := bytes.IndexByte(rest, ']')
			if e < 0 {
				return false
			}
			in := rest[1:e]
			rest = rest[e+1:]
			if string(in) == "inline" {
				f.Inline = true
				continue
			}
			mod, bid := in, []byte(nil)
			if i := bytes.IndexByte(in, ' '); i >= 0 {
				mod, bid = in[:i], trimSpace(in[i+1:])
			}
			if len(mod) == 0 || len(mod) > maxModule || len(bid) > maxModule || !validSym(mod) && !validModule(mod) {
				return false
			}
			f.Module = syms.str(mod)
			if len(bid) > 0 {
				f.BuildID = string(bid)
			}
		case '(':
			e := bytes.IndexByte(rest, ')')
			if e < 0 {
				return false
			}
			in := rest[1:e]
			rest = rest[e+1:]
			switch {
			case string(in) == "unreliable":
				f.Unreliable = true
			case len(in) == 1 && in[0] >= 'A' && in[0] <= 'Z':
				f.Marker = in[0]
			case !hasSource && bytes.IndexByte(in, ':') > 0:
				// decode_stacktrace.sh: "(fs/nfsd/nfs4proc.c:2680)", or
				// the inlined callee's line first, "(include/linux/spinlock.h:351
				// fs/nfsd/nfs4state.c:3861)": the frame's own is the last.
				src := in
				if sp := bytes.LastIndexByte(in, ' '); sp >= 0 {
					src = in[sp+1:]
				}
				if !parseSource(src, f, syms) {
					return false
				}
				hasSource, module = true, true
			default:
				return false
			}
		default:
			e := bytes.IndexByte(rest, ' ')
			tok := rest
			if e >= 0 {
				tok, rest = rest[:e], rest[e+1:]
			} else {
				rest = nil
			}
			if module && f.Module == "" && len(tok) <= maxModule && validModule(tok) {
				// The module decode_stacktrace.sh prints after the source.
				f.Module = syms.str(tok)
				continue
			}
			if hasSource || !parseSource(tok, f, syms) {
				return false
			}
			hasSource = true
		}
	}
	return plus >= 0 || hasSource || bare
}

// parseSource reads decode_stacktrace.sh's "fs/readdir.c:97" (or ":97:12").
func parseSource(tok []byte, f *Frame, syms symbols) bool {
	if len(tok) > maxSource {
		return false
	}
	c := bytes.IndexByte(tok, ':')
	if c <= 0 {
		return false
	}
	path, num := tok[:c], tok[c+1:]
	if i := bytes.IndexByte(num, ':'); i >= 0 {
		num = num[:i]
	}
	n, ok := atoi(num)
	if !ok || n > 1<<30 || bytes.IndexByte(path, '.') < 0 {
		return false
	}
	f.Source = syms.str(path)
	f.Line = int(n)
	return true
}

// offsetSize reads "0x28/0x80".
func offsetSize(b []byte) (off, size uint64, ok bool) {
	sl := bytes.IndexByte(b, '/')
	if sl < 0 {
		return 0, 0, false
	}
	off, ok = hex0x(b[:sl])
	if !ok {
		return 0, 0, false
	}
	size, ok = hex0x(b[sl+1:])
	return off, size, ok
}

func hex0x(b []byte) (uint64, bool) {
	if len(b) < 3 || b[0] != '0' || b[1] != 'x' {
		return 0, false
	}
	return hexNum(b[2:])
}

func hexNum(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		v, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		n = n<<4 | uint64(v)
	}
	return n, true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// bracketAddr reads "[<ffffffff8135067c>]" or powerpc's "[c000003fce317390]",
// and "[]" or "[<>]" as no address.
// bracketDigits is how many hex digits the address bracketAddr read was
// printed with: kernels print pointers zero-padded to their width, 8
// digits on 32-bit ones and 16 on 64-bit ones, whatever the value (s390x
// kernel text lies below 4 GiB).
func bracketDigits(s []byte) uint8 {
	e := bytes.IndexByte(s, ']')
	in := s[1:e]
	if len(in) >= 2 && in[0] == '<' && in[len(in)-1] == '>' {
		in = in[1 : len(in)-1]
	}
	return uint8(min(len(in), 255))
}

func bracketAddr(s []byte) (uint64, []byte, bool) {
	if len(s) < 3 || s[0] != '[' {
		return 0, s, false
	}
	e := bytes.IndexByte(s, ']')
	if e < 0 {
		return 0, s, false
	}
	in := s[1:e]
	if len(in) >= 2 && in[0] == '<' && in[len(in)-1] == '>' {
		in = in[1 : len(in)-1]
	}
	if len(in) == 0 {
		// "[]" or "[<>]": the address was stripped.
		return 0, s[e+1:], true
	}
	a, ok := hexNum(in)
	if !ok {
		return 0, s, false
	}
	return a, s[e+1:], true
}

func validSym(b []byte) bool {
	if len(b) == 0 || len(b) > maxSym {
		return false
	}
	for _, c := range b {
		if !(c == '_' || c == '.' || c == '$' || isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func validModule(b []byte) bool {
	for _, c := range b {
		if !(c == '_' || c == '-' || isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// symbols holds one copy of each function, module and source name a
// reader has seen, so that a stack printed again at every report costs no
// new strings. It stops growing at maxSymbols names.
type symbols map[string]string

const maxSymbols = 1 << 14

// str returns b as a string, the held copy when there is one; a nil
// symbols makes a new string every time.
func (m symbols) str(b []byte) string {
	if s, ok := m[string(b)]; ok {
		return s
	}
	s := string(b)
	if m != nil && len(m) < maxSymbols {
		m[s] = s
	}
	return s
}
