package locks

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// Infer reads the Evidence into incidents, and in each says which task
// holds which lock, which tasks wait for it and in which mode, with the
// evidence for every claim. It never names a holder without a kernel line,
// a lockdep list, a crash owner field or a stack that shows it.
func (e *Evidence) Infer(opts Options) *Analysis {
	a := &Analysis{Schema: Schema, Incidents: []Incident{}, Notes: []string{}}
	sets := e.splitIncidents(opts)
	orderIncidents(sets)
	for i, s := range sets {
		inc := e.incident(s)
		inc.ID = "I" + strconv.Itoa(i+1)
		a.Incidents = append(a.Incidents, inc)
	}
	if len(a.Incidents) > 1 {
		a.Notes = append(a.Notes, fmt.Sprintf("the sources hold %d separate incidents (observations apart in time, or stacks of two machines, with no task in common); each has its own locks, the latest first, undated ones in the order of the text", len(a.Incidents)))
	}
	return a
}

// Infer is the whole pipeline for observations already in memory.
func Infer(tasks []Task, blockers []Blocker) *Analysis {
	e := NewEvidence()
	for _, t := range tasks {
		e.AddTask(t)
	}
	for _, b := range blockers {
		e.AddBlocker(b)
	}
	return e.Infer(Options{})
}

// member is one task of an incident with what its chosen stack says.
type member struct {
	task *taskAcc
	// eps are the task's episodes in the incident; primary the one its
	// role comes from.
	eps     []*episode
	primary *episode
	sh      shape
	role    Role
	mode    Mode
	// waits and holds are the locks the task waits for and holds.
	waits *lockAcc
	holds []*lockAcc
	// holdsStrong says a kernel line, lockdep or a crash owner field
	// (not only the stack) shows it holding.
	holdsStrong bool
	changed     string
}

// claim is one task's wait for, or hold of, one lock, by the identities
// the evidence gives it.
type claim struct {
	m      *member
	hold   bool
	mode   Mode
	strong []string // identities that name one lock: address, inode, global name, blocker
	weak   []string // identities shared by many locks: the kind of object, a bare slow path
	ev     Reason
	// site and class name the lock when no stack does: a lockdep entry's
	// acquire function and lock class.
	site, class string
}

// lockAcc is one lock being built.
type lockAcc struct {
	id      string
	keys    []string
	weak    []string
	waiters []*member
	holders []*member
	wmode   map[*member]Mode
	hmode   map[*member]Mode
	// isWaiter and isHolder are the members of waiters and holders.
	isWaiter map[*member]bool
	isHolder map[*member]bool
	evidence []Reason
	site     string
	lockType string
	kind     string
	name     string
	address  string
	object   string
	strong   bool
	order    int
}

func (e *Evidence) incident(s *incidentSet) Incident {
	inc := Incident{Tasks: []TaskRole{}, Locks: []Lock{}, Cycles: []Cycle{}, Chains: []Chain{}, Notes: []string{}}
	if s.dated {
		inc.Clock = s.clock
		f, l := s.first, s.last
		inc.First, inc.Last = &f, &l
	}
	members := e.members(s)
	claims := e.claims(s, members)
	locks := groupClaims(claims)
	inc.Locks, inc.Notes = e.buildLocks(locks, members, s)
	inc.Tasks = taskRoles(members)
	inc.Cycles = cycles(members)
	inc.Chains = chains(members)
	inc.Notes = append(inc.Notes, roleChangeNotes(members)...)
	inc.Notes = append(inc.Notes, releasedNotes(members)...)
	return inc
}

// members picks, per task of the incident, the stack its role comes from.
// With time-stamped samples that is the stack seen at the pile-up (the
// sampling pass with the most waiters), since roles change while a capture
// runs: the holder lets go, a waiter takes the lock. Otherwise a stack
// that shows a role wins over one that shows none, a holder over a waiter.
func (e *Evidence) members(s *incidentSet) map[taskKey]*member {
	ms := map[taskKey]*member{}
	for _, ep := range s.episodes {
		m := ms[ep.task.key]
		if m == nil {
			m = &member{task: ep.task}
			ms[ep.task.key] = m
		}
		m.eps = append(m.eps, ep)
	}
	peak := e.peakSnapshot(s)
	for _, m := range ms {
		m.primary = choosePrimary(m.eps, peak)
		m.sh = *m.primary.stack.shape
		m.role, m.mode = m.sh.role, m.sh.mode
		// A task no stack shows, but a crash session proves it works on a
		// locked inode through an open file: a getdents64 at iterate_dir.
		if len(m.sh.stack) == 0 && m.task.object != "" {
			m.sh = shape{role: Waiter, kind: kernel.DirLock, waitsIn: "(stack not shown)",
				why: "no stack in the sources, but it works on the same inode"}
			if m.task.objectVia == "filp" {
				m.sh.site = "iterate_dir"
				m.sh.why = "no stack in the sources, but an open file (filp) of the locked directory is on its stack, as a getdents64 waiting in iterate_dir holds"
			}
			m.role = Waiter
		}
		var roles []string
		for _, ep := range m.eps {
			if sh := ep.stack.shape; len(sh.stack) > 0 && !slices.Contains(roles, string(sh.role)) {
				roles = append(roles, string(sh.role))
			}
		}
		if len(roles) > 1 {
			m.changed = strings.Join(roles, ", then ")
		}
	}
	return ms
}

// peakSnapshot is the sampling pass of the incident in which most tasks
// wait on a lock; "" without samples. Ties go to the earliest.
func (e *Evidence) peakSnapshot(s *incidentSet) string {
	in := map[string]bool{}
	for _, ep := range s.episodes {
		for _, sn := range ep.stack.snapshots {
			in[sn] = true
		}
	}
	best := ""
	for _, sn := range e.sOrder {
		if in[sn.id] && (best == "" || sn.waiters > e.snapshots[best].waiters) {
			best = sn.id
		}
	}
	return best
}

func choosePrimary(eps []*episode, peak string) *episode {
	best := eps[0]
	better := func(a, b *episode) bool {
		as, bs := a.stack.shape, b.stack.shape
		if (len(as.stack) > 0) != (len(bs.stack) > 0) {
			return len(as.stack) > 0
		}
		if as.role != bs.role {
			// The lock changed hands while the capture ran: the roles at
			// the pile-up are the ones to explain.
			if peak != "" {
				ap := slices.Contains(a.stack.snapshots, peak)
				bp := slices.Contains(b.stack.snapshots, peak)
				if ap != bp {
					return ap
				}
			}
			return rank(as.role) < rank(bs.role)
		}
		// One role, two stacks (a hung-task report and a /proc sample of
		// the same wait): the one that shows more says more.
		if (as.lockType != "") != (bs.lockType != "") {
			return as.lockType != ""
		}
		if (as.mode != ModeUnknown) != (bs.mode != ModeUnknown) {
			return as.mode != ModeUnknown
		}
		if len(as.stack) != len(bs.stack) {
			return len(as.stack) > len(bs.stack)
		}
		return a.stack.count > b.stack.count
	}
	for _, ep := range eps[1:] {
		if better(ep, best) {
			best = ep
		}
	}
	return best
}

func rank(r Role) int {
	switch r {
	case Holder:
		return 0
	case Waiter:
		return 1
	}
	return 2
}

// claims lists every wait and hold the evidence shows, each with the
// identities it gives the lock.
func (e *Evidence) claims(s *incidentSet, ms map[taskKey]*member) []*claim {
	var out []*claim
	get := func(pid int, comm string) *member {
		k := taskKey{pid: pid}
		m := ms[k]
		if m == nil {
			ta := e.tasks[k]
			if ta == nil {
				ta = &taskAcc{key: k, kinds: map[string]int{}}
				if comm != "" {
					ta.comms = []string{comm}
				}
			}
			m = &member{task: ta, role: Other, sh: shape{role: Other, waitsIn: "(stack not shown)"}}
			ms[k] = m
		}
		return m
	}
	// Stack shapes.
	objects := map[string]bool{}
	for _, m := range ms {
		if m.task.object != "" {
			objects[m.task.object] = true
		}
	}
	for _, m := range sortedMembers(ms) {
		sh := m.sh
		switch sh.role {
		case Waiter:
			c := &claim{m: m, mode: sh.mode, ev: Reason{Kind: EvidenceStack, Text: sh.why, Source: m.primary.stack.source}}
			c.addShapeKeys(sh.kind, sh.site, sh.lockType, sh.name, sh.global, m.task.object)
			out = append(out, c)
		case Holder:
			c := &claim{m: m, hold: true, mode: sh.mode, ev: Reason{Kind: EvidenceStack, Text: sh.why, Source: m.primary.stack.source}}
			c.addShapeKeys(sh.kind, sh.site, "", "", false, m.task.object)
			out = append(out, c)
		}
		for _, hs := range sh.holds {
			c := &claim{m: m, hold: true, mode: hs.mode, ev: Reason{Kind: EvidenceStack,
				Text: fmt.Sprintf("its stack passed %s into a callee that runs with the lock held", hs.site), Source: m.primary.stack.source}}
			c.addShapeKeys(hs.kind, hs.site, "", "", false, m.task.object)
			out = append(out, c)
		}
	}
	out = append(out, e.blockerClaims(s, get)...)
	out = append(out, e.lockdepClaims(s, get)...)
	out = append(out, ownerClaims(s.owners, ms, get)...)
	return out
}

func (c *claim) addShapeKeys(kind, site, lockType, name string, global bool, object string) {
	switch {
	case kind != "" && object != "":
		c.strong = append(c.strong, "obj:"+kind+"@"+object)
		c.weak = append(c.weak, "kind:"+kind)
	case kind != "":
		c.weak = append(c.weak, "kind:"+kind)
	case name != "" && global:
		c.strong = append(c.strong, "name:"+name)
	case name != "":
		c.weak = append(c.weak, "named:"+name+" via "+site)
	default:
		c.weak = append(c.weak, "bare:"+lockType+" via "+site)
	}
}

// blockerClaims: the kernel read the lock's owner field.
func (e *Evidence) blockerClaims(s *incidentSet, get func(int, string) *member) []*claim {
	var out []*claim
	for _, b := range s.blockers {
		key := "blk:" + b.Lock + " owned by " + strconv.Itoa(b.OwnerPID)
		if b.OwnerPID == 0 {
			key = "blk:" + b.Lock + " of " + strconv.Itoa(b.PID) + ", owner not found"
		}
		w := get(b.PID, b.Comm)
		times := ""
		if b.count > 1 {
			times = fmt.Sprintf(", %d times", b.count)
		}
		text := fmt.Sprintf("kernel: task %s:%d is blocked on %s likely owned by task %s:%d", b.Comm, b.PID, article(b.Lock), b.OwnerComm, b.OwnerPID)
		if b.OwnerPID == 0 {
			text = fmt.Sprintf("kernel: task %s:%d is blocked on %s, but the owner is not found", b.Comm, b.PID, article(b.Lock))
		}
		ev := Reason{Kind: EvidenceBlocker, Text: text, Source: b.Source, Count: b.count}
		_ = times
		wc := &claim{m: w, mode: b.Mode, strong: []string{key}, ev: ev}
		if w.sh.role == Waiter {
			// The stack says which lock: the two are one.
			wc.addShapeKeys(w.sh.kind, w.sh.site, w.sh.lockType, w.sh.name, w.sh.global, w.task.object)
		} else if len(w.sh.stack) == 0 {
			w.sh = shape{role: Waiter, site: b.Lock, lockType: b.Lock, mode: b.Mode, waitsIn: "(stack not shown)"}
		}
		w.role = Waiter
		if w.mode == ModeUnknown {
			w.mode = b.Mode
		}
		out = append(out, wc)
		if b.OwnerPID != 0 {
			o := get(b.OwnerPID, b.OwnerComm)
			out = append(out, &claim{m: o, hold: true, mode: b.OwnerMode, strong: []string{key}, ev: ev})
			o.holdsStrong = true
		}
	}
	return out
}

// lockdepClaims: lockdep lists a lock when its acquisition begins, so a
// task's entries before the last are held; the last is held unless the
// task sleeps in a lock's slow path under the function that took it.
func (e *Evidence) lockdepClaims(s *incidentSet, get func(int, string) *member) []*claim {
	var out []*claim
	for _, h := range s.held {
		m := get(h.pid, h.comm)
		self := selfAcquire(h)
		for i, l := range h.locks {
			if pseudoLock(l.Class) {
				continue
			}
			keys := lockdepKeys(l)
			if len(keys) == 0 {
				continue
			}
			last := i == len(h.locks)-1
			src := Reason{Kind: EvidenceLockdep, Source: h.source, Count: h.count}
			switch {
			case self != nil && l.Addr == self.Lock.Addr:
				src.Text = fmt.Sprintf("lockdep: %s:%d holds %s (taken at %s), which its warning says it is acquiring again", m.name(), h.pid, lockdepName(l), l.At)
				out = append(out, &claim{m: m, hold: true, strong: keys, ev: src, site: l.At, class: l.Class})
				m.holdsStrong = true
			case last && m.sh.role == Waiter && slices.Contains(m.sh.stack, l.At):
				src.Text = fmt.Sprintf("lockdep: %s:%d is acquiring %s (its last entry, taken at %s, where its stack sleeps in the lock's slow path)", m.name(), h.pid, lockdepName(l), l.At)
				c := &claim{m: m, mode: m.sh.mode, strong: keys, ev: src}
				c.addShapeKeys(m.sh.kind, m.sh.site, m.sh.lockType, m.sh.name, m.sh.global, m.task.object)
				out = append(out, c)
			case last && (len(m.sh.stack) == 0 || m.sh.role == Waiter):
				// No stack, or a stack in another lock's slow path: the
				// last entry may be the one it waits for.
				continue
			default:
				why := "an entry before its last"
				if last {
					why = "and its stack sleeps outside that lock's slow path"
				}
				src.Text = fmt.Sprintf("lockdep: %s:%d holds %s (taken at %s; %s)", m.name(), h.pid, lockdepName(l), l.At, why)
				out = append(out, &claim{m: m, hold: true, strong: keys, ev: src})
				m.holdsStrong = true
			}
		}
		if self != nil && !slices.ContainsFunc(h.locks, func(l HeldLock) bool { return l.Addr == self.Lock.Addr }) {
			src := Reason{Kind: EvidenceLockdep, Source: self.Source,
				Text: fmt.Sprintf("lockdep: %s:%d holds %s (taken at %s), its warning says", m.name(), h.pid, lockdepName(*self.Held), self.Held.At)}
			out = append(out, &claim{m: m, hold: true, strong: lockdepKeys(*self.Held), ev: src, site: self.Held.At, class: self.Held.Class})
			m.holdsStrong = true
		}
		if self != nil {
			src := Reason{Kind: EvidenceLockdep, Source: self.Source,
				Text: fmt.Sprintf("lockdep: %s:%d is trying to acquire %s at %s, the lock it already holds: it waits for itself", m.name(), h.pid, lockdepName(self.Lock), self.Lock.At)}
			out = append(out, &claim{m: m, strong: lockdepKeys(self.Lock), ev: src, site: self.Lock.At, class: self.Lock.Class})
		}
	}
	return out
}

// selfAcquire is the task's lockdep warning when the lock it is acquiring
// is, by address, one it holds: a wait that cannot end (the warning of a
// lock class taken twice at two addresses, or of a circular order, is
// about a deadlock that could happen, and claims no wait). Nil otherwise.
func selfAcquire(h *heldAcc) *Acquire {
	a := h.acquire
	if a == nil || a.Lock.Addr == "" || pseudoLock(a.Lock.Class) {
		return nil
	}
	held := slices.ContainsFunc(h.locks, func(l HeldLock) bool { return l.Addr == a.Lock.Addr })
	if !held && (a.Held == nil || a.Held.Addr != a.Lock.Addr) {
		return nil
	}
	return a
}

// pseudoLock is a lockdep map that is no lock a task can wait for by its
// owner: RCU read sides, and the maps of workqueues and works.
func pseudoLock(class string) bool {
	return strings.HasPrefix(class, "rcu_") || strings.HasPrefix(class, "(")
}

// lockdepKeys are the identities of a lockdep entry: its address, and a
// class name when the class is one lock (a static lock is named by its
// variable, "rtnl_mutex"; an embedded one by its key, "&sb->s_type->...").
func lockdepKeys(l HeldLock) []string {
	var keys []string
	if l.Addr != "" {
		keys = append(keys, "addr:"+strings.TrimPrefix(l.Addr, "0x"))
	}
	if globalClass(l.Class) {
		keys = append(keys, "name:"+strings.TrimSuffix(l.Class, ".rw_sem"))
	}
	return keys
}

func globalClass(class string) bool {
	return class != "" && !strings.ContainsAny(class, "&(>#.") && !strings.Contains(class, "->")
}

func lockdepName(l HeldLock) string {
	if l.Addr != "" {
		return fmt.Sprintf("%s (%s)", l.Class, l.Addr)
	}
	return l.Class
}

// ownerClaims: a crash owner field names the owner of the lock at an
// address. The waiters join that lock when their stack shows its address
// is what they wait for, or when it is the only lock of their lock's type
// the transcript examines.
func ownerClaims(owners []Owner, ms map[taskKey]*member, get func(int, string) *member) []*claim {
	var out []*claim
	byType := map[string]int{}
	for _, o := range owners {
		byType[ownerLockType(o.Type)]++
	}
	for _, o := range owners {
		key := "addr:" + strings.TrimPrefix(o.Lock, "0x")
		h := get(o.PID, o.Comm)
		text := fmt.Sprintf("crash: the owner field of %s %s points at %s:%d (%s)", o.Type, o.Lock, h.name(), o.PID, o.Via)
		if o.Reader {
			text += "; it is reader-owned, so the field names the last reader to take it"
		}
		out = append(out, &claim{m: h, hold: true, strong: []string{key}, ev: Reason{Kind: EvidenceOwner, Text: text, Source: o.Source}})
		h.holdsStrong = true
		lt := ownerLockType(o.Type)
		if byType[lt] != 1 {
			continue
		}
		for _, m := range sortedMembers(ms) {
			if m.sh.role != Waiter || m.sh.lockType != lt || m.task.key.pid == o.PID {
				continue
			}
			c := &claim{m: m, mode: m.sh.mode, strong: []string{key}, ev: Reason{Kind: EvidenceOwner,
				Text: fmt.Sprintf("crash: %s %s is the only %s the transcript examines, and %s:%d waits for %s", o.Type, o.Lock, lt, m.name(), m.task.key.pid, article(lt)), Source: o.Source}}
			c.addShapeKeys(m.sh.kind, m.sh.site, m.sh.lockType, m.sh.name, m.sh.global, m.task.object)
			out = append(out, c)
		}
	}
	return out
}

func ownerLockType(structType string) string {
	switch structType {
	case "rw_semaphore":
		return "rwsem"
	case "extent_buffer":
		return "btrfs tree lock"
	}
	return structType
}

func (m *member) name() string {
	if len(m.task.comms) > 0 {
		return m.task.comms[0]
	}
	return "?"
}

func sortedMembers(ms map[taskKey]*member) []*member {
	out := make([]*member, 0, len(ms))
	for _, m := range ms {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *member) int {
		if c := cmp.Compare(a.task.key.pid, b.task.key.pid); c != 0 {
			return c
		}
		return cmp.Compare(a.task.key.place, b.task.key.place)
	})
	return out
}

func article(lock string) string {
	if strings.HasPrefix(lock, "rw") || strings.HasPrefix(lock, "ld") {
		return "an " + lock
	}
	return "a " + lock
}
