package crash

import (
	"fmt"
	"slices"
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
	objOf := map[string]*Kmem{}
	var shorthand []*Kmem // kmem answers without their query
	members := map[string][]*Struct{}
	for _, rec := range recs {
		switch x := rec.(type) {
		case *Kmem:
			if x.Object == "" {
				continue
			}
			if x.Query != "" {
				objOf[x.Query] = x
			} else {
				shorthand = append(shorthand, x)
			}
		case *Struct:
			if x.Addr != "" {
				members[x.Addr] = append(members[x.Addr], x)
			}
		}
	}
	// An answer without its command answers about the object it names.
	for _, k := range shorthand {
		if _, ok := objOf[k.Object]; !ok {
			objOf[k.Object] = k
		}
	}

	out := map[int][]Inode{}
	for _, rec := range recs {
		bt, ok := rec.(*Backtrace)
		if !ok {
			continue
		}
		words := slices.Clone(bt.Loose)
		for _, f := range bt.Frames {
			words = append(words, f.Data...)
		}
		for _, w := range words {
			if w.Addr == "" {
				continue
			}
			addr, ev, ok := resolve(w, objOf, members)
			if !ok {
				continue
			}
			out[bt.PID] = addEvidence(out[bt.PID], addr, ev)
		}
	}
	return out
}

func resolve(w Slab, objOf map[string]*Kmem, members map[string][]*Struct) (string, Evidence, bool) {
	ev := Evidence{Cache: w.Cache}
	ev.Steps = append(ev.Steps, Step{w.Line, fmt.Sprintf("stack word %s is in %s", w.Addr, w.Cache)})
	obj := w.Addr
	if k, ok := objOf[w.Addr]; ok {
		obj = k.Object
		ev.Steps = append(ev.Steps, Step{k.ObjectLine, fmt.Sprintf("kmem: %s is in object %s", w.Addr, obj)})
	}
	var field string
	switch {
	case w.Cache == "filp":
		field = "f_inode"
	case w.Cache == "dentry":
		field = "d_inode"
	case w.Cache == "inode_cache":
		ev.Steps = append(ev.Steps, Step{w.Line, "the object is an inode"})
		return obj, ev, true
	case strings.HasSuffix(w.Cache, "_inode_cache") || strings.HasSuffix(w.Cache, "_inode"):
		field = "vfs_inode"
	default:
		return "", ev, false
	}
	for _, s := range members[obj] {
		for _, f := range s.Fields {
			if f.Name != field {
				continue
			}
			in := f.Addr
			if in == "" {
				in, _ = hexAddr(f.Value)
			}
			if in == "" || in == "0" {
				continue
			}
			what := fmt.Sprintf("%s.%s = %s", typeOr(s.Type, w.Cache), field, in)
			if f.Addr != "" {
				what = fmt.Sprintf("%s.%s is at %s", typeOr(s.Type, w.Cache), field, in)
			}
			ev.Steps = append(ev.Steps, Step{f.Line, what})
			return in, ev, true
		}
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
