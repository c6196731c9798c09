package crash

import (
	"strconv"
	"strings"
)

// kmem starts a kmem answer.
func (r *Reader) kmem(n int) *Kmem {
	r.flush()
	k := &Kmem{Line: n}
	if r.mode == modeKmem {
		k.Command, k.Query = r.cmd, r.cmdAddr
	}
	r.cur = k
	return k
}

// kmemLine parses the parts of a kmem answer: the symbol line of a kernel
// address, the CACHE table, the SLAB and PAGE tables (recognised, not
// kept), "FREE / [ALLOCATED]" and the object line under it:
// "[ffff91fe2bb65b00]" when allocated, "ffff91fe2bb65b00" (maybe with "(cpu
// 3 cache)") when free.
func (r *Reader) kmemLine(t string, n int) status {
	switch {
	case strings.HasPrefix(t, "CACHE ") && strings.HasSuffix(t, " NAME"):
		if k, ok := r.cur.(*Kmem); !ok || k.Cache != "" || k.Object != "" {
			r.kmem(n)
		}
		r.kstate = kmemCache
		return used
	case t == "FREE / [ALLOCATED]":
		if k, ok := r.cur.(*Kmem); !ok || k.Object != "" {
			r.kmem(n)
		}
		r.kstate = kmemFree
		return used
	}
	k, ok := r.cur.(*Kmem)
	if !ok {
		if r.mode == modeKmem && r.cur == nil {
			if sym, mod, ok := kmemSymbol(t); ok {
				k := r.kmem(n)
				k.Symbol, k.Module = r.str(sym), r.str(mod)
				return used
			}
		}
		return none
	}
	if strings.HasPrefix(t, "SLAB ") || strings.HasPrefix(t, "PAGE ") {
		r.kstate = kmemTable
		return used
	}
	f := strings.Fields(t)
	switch r.kstate {
	case kmemFree:
		w := f[0]
		alloc := len(w) > 2 && w[0] == '[' && w[len(w)-1] == ']'
		if alloc {
			w = w[1 : len(w)-1]
		}
		a, ok := hexAddr(w)
		if !ok || (alloc && len(f) > 1) {
			return near
		}
		k.Object, k.Allocated, k.ObjectLine = r.clone(a), alloc, n
		r.lastObj = k.Object
		r.kstate = kmemTable
		return used
	case kmemCache:
		if _, ok := hexAddr(f[0]); ok && len(f) >= 7 {
			k.Cache = r.str(f[len(f)-1])
			r.kstate = kmemTable
			return used
		}
	case kmemTable:
		if _, ok := hexAddr(f[0]); ok && len(f) >= 3 {
			return used
		}
	}
	return none
}

// kmemSymbol reads the answer kmem gives for a kernel or module address:
// "ffffffffc0924100 (d) magic_mutex [smajdalf]".
func kmemSymbol(t string) (sym, mod string, ok bool) {
	f := strings.Fields(t)
	if len(f) < 3 || len(f) > 4 || len(f[1]) != 3 || f[1][0] != '(' || f[1][2] != ')' {
		return "", "", false
	}
	if _, ok := hexAddr(f[0]); !ok {
		return "", "", false
	}
	sym = f[2]
	if name, off, ok := strings.Cut(sym, "+"); ok && isOffset(off) {
		sym = name
	}
	if !isIdent(sym) {
		return "", "", false
	}
	if len(f) == 4 {
		m := f[3]
		if len(m) < 3 || m[0] != '[' || m[len(m)-1] != ']' {
			return "", "", false
		}
		mod = m[1 : len(m)-1]
	}
	return sym, mod, true
}

// fieldLine parses struct, union and p answers: "f_inode =
// 0xffff91fca5985500,", "owner = {", a bare "{" (an anonymous member),
// "}," , "struct file {", "$5 = (struct rw_semaphore *) 0x...", the
// members of a type's definition ("atomic_t write_ctr;"), "SIZE: 0x50" and
// struct -o lines.
func (r *Reader) fieldLine(t string, n int) status {
	s, inStruct := r.cur.(*Struct)
	switch {
	case t == "{":
		if !inStruct {
			return none
		}
		r.push("")
		return used
	case t == "}" || t == "},":
		if !inStruct {
			return none
		}
		r.pop()
		return used
	case strings.HasSuffix(t, " {") && (strings.HasPrefix(t, "struct ") || strings.HasPrefix(t, "union ")):
		s := r.structRec(n)
		if s.Type == "" {
			s.Type = r.str(strings.Fields(t)[1])
		}
		return used
	case inStruct && strings.HasPrefix(t, "SIZE: "):
		return used
	case strings.HasSuffix(t, ";"):
		return r.declLine(t, n, inStruct)
	}
	name, val, ok := strings.Cut(t, " = ")
	if !ok || !isMember(name) {
		return none
	}
	s = r.structRec(n)
	val = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), ","))
	if val == "{" {
		r.push(name)
		return used
	}
	s.Fields = append(s.Fields, Field{Name: r.member(name), Value: r.clone(val), Line: n})
	return used
}

// declLine parses a member declaration: "[0x10] struct rw_semaphore
// rw_sem;" (struct -o, an offset), "[ffff91fca5985500] struct inode
// vfs_inode;" (struct -o ADDR, an address), or "atomic_t write_ctr;" in a
// type's definition.
func (r *Reader) declLine(t string, n int, inStruct bool) status {
	fd := Field{Line: n}
	decl := t
	if t[0] == '[' {
		end := strings.IndexByte(t, ']')
		if end < 0 {
			return none
		}
		in := t[1:end]
		if strings.HasPrefix(in, "0x") {
			fd.Offset = r.clone(in)
		} else if a, ok := hexAddr(in); ok {
			fd.Addr = r.clone(a)
		} else {
			return none
		}
		decl = strings.TrimSpace(t[end+1:])
	} else if !inStruct {
		return none
	}
	decl = strings.TrimSpace(strings.TrimSuffix(decl, ";"))
	sp := strings.LastIndexAny(decl, " *")
	if sp <= 0 {
		return near
	}
	name := strings.TrimLeft(decl[sp+1:], "*")
	if name, _, _ = strings.Cut(name, "["); !isIdent(name) {
		return near
	}
	fd.Type, fd.Name = r.str(strings.TrimSpace(decl[:sp+1])), r.member(name)
	s := r.structRec(n)
	s.Fields = append(s.Fields, fd)
	return used
}

// isMember is a member name crash prints: an identifier, or a p answer's
// "$5".
func isMember(name string) bool {
	if v, ok := strings.CutPrefix(name, "$"); ok {
		_, ok := atoi(v)
		return ok
	}
	return isIdent(strings.TrimPrefix(name, "."))
}

// maxDepth bounds the nesting that names members: crash's structs nest a
// dozen levels at most, and a name built from every level of a deeper
// (hostile) answer would cost each member line the whole depth.
const maxDepth = 32

// push enters a nested member ("owner = {", or "{" for an anonymous one).
func (r *Reader) push(name string) {
	if len(r.depth) >= maxDepth {
		r.deeper++
		return
	}
	r.depth = append(r.depth, r.str(name))
}

// pop leaves the innermost nested member.
func (r *Reader) pop() {
	switch {
	case r.deeper > 0:
		r.deeper--
	case len(r.depth) > 0:
		r.depth = r.depth[:len(r.depth)-1]
	}
}

// member names a field from the members it is nested in: "owner.counter";
// anonymous members add no name.
func (r *Reader) member(name string) string {
	if len(r.depth) == 0 {
		return r.str(name)
	}
	b := r.scratch[:0]
	for _, d := range r.depth {
		if d != "" {
			b = append(append(b, d...), '.')
		}
	}
	b = append(b, name...)
	r.scratch = b
	return r.str(unsafeString(b))
}

// structRec returns the struct answer being built, starting one if needed.
func (r *Reader) structRec(n int) *Struct {
	if s, ok := r.cur.(*Struct); ok {
		return s
	}
	r.flush()
	s := &Struct{Line: n}
	if r.mode == modeStruct {
		s.Command, s.Type, s.Addr, s.Symbol = r.cmd, r.cmdType, r.cmdAddr, r.cmdSym
	} else {
		s.Addr, s.Inferred = r.lastObj, true
	}
	r.cur = s
	return s
}

func isPSHeader(t string) bool {
	return strings.HasPrefix(t, "PID ") && strings.Contains(t, " PPID ") && strings.Contains(t, " CPU ")
}

// psRowLine reads a ps row: in a ps answer, or, by its shape alone, one
// whose prompt was cut. A row cut by a mailer is joined with the next
// line.
func (r *Reader) psRowLine(t string, n int) status {
	ps, inPS := r.cur.(*PS)
	if !inPS && r.mode != modePS {
		if _, ok := parsePSRow(t, n, identity); !ok {
			return none
		}
	}
	parses := func(s string) bool { _, ok := parsePSRow(s, n, identity); return ok }
	// A COMM cut to the next line is "[kworker/0:2]": only another row or
	// the start of another answer stands alone.
	alone := func(s string) bool {
		return parses(s) || s[0] == '#' || strings.HasPrefix(s, "PID:") || strings.HasPrefix(s, "crash>")
	}
	line := t
	if strings.HasSuffix(t, "=") || !parses(t) {
		if j, ok := r.rejoin(t, parses, alone); ok {
			line = j
		} else {
			t = j // the line, kept while the join looked ahead
		}
	}
	row, ok := parsePSRow(line, n, r.str)
	if !ok {
		if looksLikeRow(t) {
			return near
		}
		return none
	}
	row.Task = r.clone(row.Task)
	row.Mem = r.str(row.Mem)
	if !inPS {
		if r.mode != modePS {
			// A table without its command: its first row sets the quoting.
			r.psQuote = r.quote
		}
		r.flush()
		r.adopt(modePS)
		ps = &PS{Command: r.cmd, Line: n}
		r.cur = ps
	}
	if r.quote == r.psQuote+1 {
		row.Active = true
	} else {
		r.psQuote = r.quote
	}
	ps.Rows = append(ps.Rows, row)
	return used
}

// looksLikeRow is a line that begins as a ps row does: a PID, a PPID and
// more columns.
func looksLikeRow(t string) bool {
	f := strings.Fields(strings.TrimPrefix(t, ">"))
	if len(f) < 5 {
		return false
	}
	_, ok1 := atoi(f[0])
	_, ok2 := atoi(f[1])
	return ok1 && ok2
}

// parsePSRow parses "> 3621271  152322   7  ffff91fd6d044680  UN   0.7  409284 128232  rsync";
// Comm and State go through str, Task and Mem are views of t.
func parsePSRow(t string, n int, str func(string) string) (PSRow, bool) {
	row := PSRow{Line: n}
	if t[0] == '>' || t[0] == '-' {
		row.Active = true
		t = strings.TrimLeft(t[1:], " ")
	}
	var f [8]string
	rest := t
	for i := range f {
		rest = strings.TrimLeft(rest, " ")
		j := strings.IndexByte(rest, ' ')
		if j < 0 {
			return row, false
		}
		f[i], rest = rest[:j], rest[j:]
	}
	comm := strings.TrimSpace(rest)
	var ok bool
	if row.PID, ok = atoi(f[0]); !ok {
		return row, false
	}
	if row.PPID, ok = atoi(f[1]); !ok {
		return row, false
	}
	if f[2] == "?" {
		row.CPU = -1
	} else if row.CPU, ok = atoi(f[2]); !ok {
		return row, false
	}
	if row.Task, ok = hexAddr(f[3]); !ok {
		return row, false
	}
	if len(f[4]) < 2 || !isUpper(f[4]) {
		return row, false
	}
	row.Mem = f[5]
	vsz, err1 := strconv.ParseInt(f[6], 10, 64)
	rss, err2 := strconv.ParseInt(f[7], 10, 64)
	if err1 != nil || err2 != nil || comm == "" {
		return row, false
	}
	row.VSZ, row.RSS = vsz, rss
	if len(comm) >= 2 && comm[0] == '[' && comm[len(comm)-1] == ']' {
		comm, row.Kernel = comm[1:len(comm)-1], true
	}
	row.State, row.Comm = str(f[4]), str(comm)
	return row, true
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
