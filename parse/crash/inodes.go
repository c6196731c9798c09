package crash

import (
	"fmt"
	"strings"
)

// Inode is one inode a task's stack reaches, with every chain of evidence
// that reaches it.
type Inode struct {
	// Addr is the inode's address, lower-case hex without "0x".
	Addr     string
	Evidence []Evidence
}

// Evidence is one chain from a stack word to an inode.
type Evidence struct {
	// Cache is the slab cache of the stack word: "filp", "dentry",
	// "nfs_inode_cache" ...
	Cache string
	// Steps are the transcript lines of the chain, in order: the stack
	// word, the kmem answer (when there was one), the member line.
	Steps []Step
}

// Step is one line of evidence.
type Step struct {
	Line int
	// What says what the line proves, e.g.
	// "stack word ffff91fe2bb65b00 is in filp".
	What string
}

// Inodes resolves, per PID, the inodes the slab objects on each task's
// stack lead to: a filp through struct file's f_inode, a dentry through
// d_inode, an *_inode_cache object through the address struct -o printed
// for its embedded vfs_inode, or an inode_cache object directly. A stack
// word is mapped to its object by a kmem answer about that address when
// there is one (kmem answers the object's start, which differs for an
// interior pointer); otherwise the word is taken as the object itself.
// Words no answer resolves are left out. Inodes of each PID come in
// order of first evidence.
func Inodes(recs []Record) map[int][]Inode {
	var x Index
	for _, rec := range recs {
		x.Add(rec)
	}
	return x.Inodes()
}

// Index gathers, a record at a time, what Inodes needs of a transcript:
// the stack words that can lead to an inode, the kmem answers about
// addresses, and the members leading from an object to its inode. It
// keeps nothing else, so a caller reading a large transcript need not
// keep its records to join the answers that come after a backtrace.
type Index struct {
	words []taskWord
	// queried are kmem answers by the address asked about; unqueried,
	// answers without their command (the shorthand), in order.
	queried   map[string]kmemRef
	unqueried []kmemRef
	members   map[string][]memberRef
}

// taskWord is a stack word of a task.
type taskWord struct {
	pid  int
	word Slab
}

// kmemRef is what resolving needs of a kmem answer.
type kmemRef struct {
	object string
	line   int
}

// memberRef is a member line that leads from an object to an inode.
type memberRef struct {
	typ, field, value, addr string
	line                    int
}

// Add takes what Inodes needs from one record.
func (x *Index) Add(rec Record) {
	switch r := rec.(type) {
	case *Kmem:
		if r.Object == "" {
			return
		}
		k := kmemRef{object: r.Object, line: r.ObjectLine}
		if r.Query == "" {
			x.unqueried = append(x.unqueried, k)
			return
		}
		if x.queried == nil {
			x.queried = make(map[string]kmemRef)
		}
		x.queried[r.Query] = k
	case *Struct:
		if r.Addr == "" {
			return
		}
		for _, f := range r.Fields {
			if f.Name != "f_inode" && f.Name != "d_inode" && f.Name != "vfs_inode" {
				continue
			}
			if x.members == nil {
				x.members = make(map[string][]memberRef)
			}
			x.members[r.Addr] = append(x.members[r.Addr], memberRef{typ: r.Type, field: f.Name, value: f.Value, addr: f.Addr, line: f.Line})
		}
	case *Backtrace:
		add := func(w Slab) {
			if w.Addr != "" && inodeField(w.Cache) != "?" {
				x.words = append(x.words, taskWord{pid: r.PID, word: w})
			}
		}
		for _, w := range r.Loose {
			add(w)
		}
		for _, f := range r.Frames {
			for _, w := range f.Data {
				add(w)
			}
		}
	}
}

// Inodes resolves the words gathered so far (see the function Inodes).
func (x *Index) Inodes() map[int][]Inode {
	objOf := make(map[string]kmemRef, len(x.queried)+len(x.unqueried))
	for q, k := range x.queried {
		objOf[q] = k
	}
	// An answer without its command answers about the object it names.
	for _, k := range x.unqueried {
		if _, ok := objOf[k.object]; !ok {
			objOf[k.object] = k
		}
	}
	out := map[int][]Inode{}
	for _, tw := range x.words {
		addr, ev, ok := resolve(tw.word, objOf, x.members)
		if !ok {
			continue
		}
		out[tw.pid] = addEvidence(out[tw.pid], addr, ev)
	}
	return out
}

// inodeField is the member that leads from an object of cache to its
// inode: "" when the object is an inode, "?" when no member does.
func inodeField(cache string) string {
	switch {
	case cache == "filp":
		return "f_inode"
	case cache == "dentry":
		return "d_inode"
	case cache == "inode_cache":
		return ""
	case strings.HasSuffix(cache, "_inode_cache") || strings.HasSuffix(cache, "_inode"):
		return "vfs_inode"
	}
	return "?"
}

func resolve(w Slab, objOf map[string]kmemRef, members map[string][]memberRef) (string, Evidence, bool) {
	ev := Evidence{Cache: w.Cache}
	ev.Steps = append(ev.Steps, Step{w.Line, fmt.Sprintf("stack word %s is in %s", w.Addr, w.Cache)})
	obj := w.Addr
	if k, ok := objOf[w.Addr]; ok {
		obj = k.object
		ev.Steps = append(ev.Steps, Step{k.line, fmt.Sprintf("kmem: %s is in object %s", w.Addr, obj)})
	}
	field := inodeField(w.Cache)
	switch field {
	case "":
		ev.Steps = append(ev.Steps, Step{w.Line, "the object is an inode"})
		return obj, ev, true
	case "?":
		return "", ev, false
	}
	for _, m := range members[obj] {
		if m.field != field {
			continue
		}
		in := m.addr
		if in == "" {
			in, _ = hexAddr(m.value)
		}
		if in == "" || in == "0" {
			continue
		}
		what := fmt.Sprintf("%s.%s = %s", typeOr(m.typ, w.Cache), field, in)
		if m.addr != "" {
			what = fmt.Sprintf("%s.%s is at %s", typeOr(m.typ, w.Cache), field, in)
		}
		ev.Steps = append(ev.Steps, Step{m.line, what})
		return in, ev, true
	}
	return "", ev, false
}

func typeOr(t, cache string) string {
	if t != "" {
		return t
	}
	return "(" + cache + ")"
}

func addEvidence(ins []Inode, addr string, ev Evidence) []Inode {
	for i := range ins {
		if ins[i].Addr == addr {
			ins[i].Evidence = append(ins[i].Evidence, ev)
			return ins
		}
	}
	return append(ins, Inode{Addr: addr, Evidence: []Evidence{ev}})
}
