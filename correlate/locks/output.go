package locks

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// buildLocks turns the incident's locks into their output form: only locks
// some task waits for, or whose owner a crash session proves; holders
// known only from a stack or a lockdep list, with no task waiting, are no
// lock of the incident (a task holding a lock nobody wants explains no
// stall).
func (e *Evidence) buildLocks(las []*lockAcc, ms map[taskKey]*member, s *incidentSet) ([]Lock, []string) {
	var keep []*lockAcc
	for _, la := range las {
		ownerProven := slices.ContainsFunc(la.evidence, func(ev Reason) bool { return ev.Kind == EvidenceOwner })
		if len(la.waiters) == 0 && !ownerProven {
			continue
		}
		keep = append(keep, la)
	}
	slices.SortStableFunc(keep, func(x, y *lockAcc) int {
		if c := cmp.Compare(len(y.holders)+len(y.waiters), len(x.holders)+len(x.waiters)); c != 0 {
			return c
		}
		return cmp.Compare(x.order, y.order)
	})
	ids := map[*lockAcc]string{}
	for i, la := range keep {
		la.id = "L" + strconv.Itoa(i+1)
		ids[la] = la.id
	}
	for _, la := range keep {
		for _, w := range la.waiters {
			if w.waits == nil {
				w.waits = la
			}
		}
		for _, h := range la.holders {
			h.holds = append(h.holds, la)
		}
	}
	for _, m := range ms {
		switch {
		case len(m.holds) > 0 && slices.ContainsFunc(m.holds, func(la *lockAcc) bool { return len(la.waiters) > 0 || la.strong }):
			m.role = Holder
		case m.waits != nil:
			m.role = Waiter
		default:
			m.role = Other
		}
	}
	var out []Lock
	var notes []string
	var noHolder []string
	for _, la := range keep {
		l := e.lockOut(ids[la], la, ids)
		out = append(out, l)
		if len(l.Holders) == 0 {
			noHolder = append(noHolder, l.ID+" ("+l.Site+")")
		}
		notes = append(notes, e.killableNote(l.ID, la)...)
		if l.Site == "iterate_dir" && l.HolderMode == ModeWrite {
			notes = append(notes, fmt.Sprintf("%s: iterate_dir takes the directory's i_rwsem exclusively for file systems without ->iterate_shared (NFS until commit 93a6ab7b691f \"NFS: Switch readdir to using iterate_shared()\"), so concurrent listings of one directory run one at a time", l.ID))
		}
	}
	if len(noHolder) > 0 {
		why := "no task in the sources holds it visibly"
		if e.haveDmesg && !e.haveOther {
			why = "dmesg alone cannot show it: the hung-task detector does not report TASK_KILLABLE sleepers, such as a holder waiting in rpc_wait_bit_killable or waiters in down_write_killable; capture /proc/PID/stack of every D task, or a vmcore"
		}
		notes = append(notes, fmt.Sprintf("%s: holder not visible: %s", strings.Join(noHolder, ", "), why))
	}
	if out == nil {
		out = []Lock{}
	}
	return out, notes
}

func (e *Evidence) lockOut(id string, la *lockAcc, ids map[*lockAcc]string) Lock {
	l := Lock{ID: id, Site: la.site, Type: la.lockType, Kind: la.kind, Name: la.name, Address: la.address, Object: la.object,
		Holders: []int{}, Waiters: []int{}, Groups: []WaiterGroup{}, Evidence: []Reason{}}
	switch {
	case la.address != "":
		l.Identity = "address"
	case la.object != "":
		l.Identity = "inode"
	case la.name != "" && la.strong:
		l.Identity = "name"
	case la.strong:
		l.Identity = "owner"
	default:
		l.Identity = "site"
	}
	if s := holderSite(la); s != "" {
		l.Site = s
	}
	if l.Site == "" {
		l.Site = mostWaitedSite(la)
	}
	if l.Type == "" && strings.HasSuffix(l.Kind, "i_rwsem") {
		l.Type = "rwsem"
	}
	for _, h := range la.holders {
		if h.task.key.place == "" {
			l.Holders = append(l.Holders, h.task.key.pid)
		}
	}
	slices.Sort(l.Holders)
	l.Holders = slices.Compact(l.Holders)
	l.HolderMode = holderMode(la)
	for _, w := range la.waiters {
		if w.task.key.place != "" {
			l.Unnamed++
			continue
		}
		l.Waiters = append(l.Waiters, w.task.key.pid)
	}
	slices.Sort(l.Waiters)
	l.Groups = waiterGroups(la)
	l.Evidence = lockEvidence(la, l)
	l.Confidence = confidence(la)
	return l
}

func holderSite(la *lockAcc) string {
	for _, h := range la.holders {
		if h.sh.role == Holder && h.sh.site != "" {
			return h.sh.site
		}
	}
	return ""
}

func mostWaitedSite(la *lockAcc) string {
	count := map[string]int{}
	best := ""
	for _, w := range la.waiters {
		count[w.sh.site]++
		if best == "" || count[w.sh.site] > count[best] {
			best = w.sh.site
		}
	}
	return best
}

// holderMode is the mode a holder took the lock in: what the evidence says,
// or, for a site whose mode depends on the file system (iterate_dir), the
// mode the waiters at the same site on the same object ask for.
func holderMode(la *lockAcc) Mode {
	switch la.lockType {
	case "mutex", "semaphore", "rt_mutex", "page lock", "buffer lock":
		return ModeWrite // taken one way only
	}
	for _, h := range la.holders {
		if m := la.hmode[h]; m != ModeUnknown {
			return m
		}
		if s, ok := kernel.Site(h.sh.site); ok && s.Mode != ModeUnknown && h.sh.role == Holder {
			return s.Mode
		}
	}
	for _, h := range la.holders {
		s, ok := kernel.Site(h.sh.site)
		if !ok || !s.ModeByObject || la.object == "" {
			continue
		}
		for _, w := range la.waiters {
			if w.sh.site == h.sh.site {
				if m := waiterMode(la, w); m != ModeUnknown {
					return m
				}
			}
		}
	}
	return ModeUnknown
}

// waiterMode is what a waiter asks for; at a site whose mode depends on
// the object, a waiter whose stack does not say takes the mode of another
// waiter at that site on the same proven object.
func waiterMode(la *lockAcc, w *member) Mode {
	m, _ := modeSource(la, w)
	return m
}

// modeSource is waiterMode, with the waiter whose stack showed the mode
// when it was not w's own.
func modeSource(la *lockAcc, w *member) (Mode, *member) {
	if m := la.wmode[w]; m != ModeUnknown {
		return m, nil
	}
	if m := w.sh.mode; m != ModeUnknown {
		return m, nil
	}
	s, ok := kernel.Site(w.sh.site)
	if !ok || !s.ModeByObject || la.object == "" || w.task.object != la.object {
		return ModeUnknown, nil
	}
	for _, x := range la.waiters {
		if x != w && x.sh.site == w.sh.site && x.task.object == la.object {
			if m := la.wmode[x]; m != ModeUnknown {
				return m, x
			}
			if x.sh.mode != ModeUnknown {
				return x.sh.mode, x
			}
		}
	}
	return ModeUnknown, nil
}

// waiterGroups gathers waiters with identical stacks and modes.
func waiterGroups(la *lockAcc) []WaiterGroup {
	type acc struct {
		g     *WaiterGroup
		order int
	}
	groups := map[string]*acc{}
	var order []string
	for _, w := range la.waiters {
		mode := waiterMode(la, w)
		key := string(mode) + "\x00" + strings.Join(w.sh.stack, "\x00") + "\x00" + w.sh.waitsIn
		a := groups[key]
		if a == nil {
			stack := w.sh.stack
			if stack == nil {
				stack = []string{}
			}
			a = &acc{g: &WaiterGroup{Mode: mode, WaitsIn: orStackNotShown(w.sh.waitsIn), Running: w.sh.running, Stack: stack, PIDs: []int{}, Comms: []string{}}, order: len(order)}
			groups[key] = a
			order = append(order, key)
		}
		a.g.Count++
		if w.task.key.place != "" {
			a.g.Places = append(a.g.Places, w.task.key.place)
		} else {
			a.g.PIDs = append(a.g.PIDs, w.task.key.pid)
		}
		if n := w.name(); n != "?" && !slices.Contains(a.g.Comms, n) {
			a.g.Comms = append(a.g.Comms, n)
		}
	}
	out := make([]WaiterGroup, 0, len(order))
	for _, k := range order {
		g := groups[k].g
		slices.Sort(g.PIDs)
		slices.Sort(g.Comms)
		out = append(out, *g)
	}
	slices.SortStableFunc(out, func(x, y WaiterGroup) int { return cmp.Compare(y.Count, x.Count) })
	return out
}

func orStackNotShown(s string) string {
	if s == "" {
		return "(stack not shown)"
	}
	return s
}

// lockEvidence lists the reasons, strongest first: the kernel's lines,
// lockdep, crash owner fields, the shared object, then the stacks' shapes
// (one line per group of identical stacks).
func lockEvidence(la *lockAcc, l Lock) []Reason {
	order := map[string]int{EvidenceBlocker: 0, EvidenceLockdep: 1, EvidenceOwner: 2}
	var out []Reason
	for _, ev := range la.evidence {
		if _, ok := order[ev.Kind]; ok {
			out = append(out, ev)
		}
	}
	slices.SortStableFunc(out, func(a, b Reason) int { return cmp.Compare(order[a.Kind], order[b.Kind]) })
	if l.Object != "" {
		n, all := 0, 0
		for _, m := range append(slices.Clone(la.holders), la.waiters...) {
			all++
			if m.task.object == l.Object {
				n++
			}
		}
		if n > 0 {
			out = append(out, Reason{Kind: EvidenceObject, Text: fmt.Sprintf("%d of %d tasks work on inode %s (crash f_inode/d_inode)", n, all, l.Object)})
		}
	}
	for _, h := range la.holders {
		if h.sh.role == Holder && h.sh.why != "" {
			out = append(out, Reason{Kind: EvidenceStack, Text: fmt.Sprintf("holder %s: %s", h.label(), h.sh.why), Source: h.primary.stack.source, Count: h.primary.stack.count})
		}
	}
	// The first waiter of each group, by PID or place.
	first := map[taskKey]*member{}
	for _, x := range la.waiters {
		first[x.task.key] = x
	}
	seen := map[string]bool{}
	for _, g := range l.Groups {
		var w *member
		switch {
		case len(g.PIDs) > 0:
			w = first[taskKey{pid: g.PIDs[0]}]
		case len(g.Places) > 0:
			w = first[taskKey{place: g.Places[0]}]
		}
		if w != nil && w.sh.why == "" {
			w = nil
		}
		if w == nil || seen[w.sh.why] {
			continue
		}
		seen[w.sh.why] = true
		who := w.label()
		if g.Count > 1 {
			who = fmt.Sprintf("%d waiters (%s, ...)", g.Count, w.label())
		}
		why := w.sh.why
		if m, x := modeSource(la, w); x != nil {
			why += fmt.Sprintf("; mode %s as %s's at %s on the same inode (%s chooses the mode by the directory's file operations)", m, x.label(), w.sh.site, w.sh.site)
		}
		out = append(out, Reason{Kind: EvidenceStack, Text: fmt.Sprintf("%s: %s", who, why), Source: w.primary.stack.source})
	}
	if m := l.HolderMode; m != ModeUnknown && len(la.holders) > 0 && la.hmode[la.holders[0]] == ModeUnknown && la.holders[0].sh.mode == ModeUnknown {
		out = append(out, Reason{Kind: EvidenceTable, Text: fmt.Sprintf("holder mode %s: the waiters at %s on the same object ask for it that way", m, la.holders[0].sh.site)})
	}
	if out == nil {
		out = []Reason{}
	}
	return out
}

func (m *member) label() string {
	if m.task.key.place != "" {
		return "the stack at " + m.task.key.place
	}
	return strconv.Itoa(m.task.key.pid)
}

// confidence: the kernel, lockdep or a crash owner field naming the
// holder, or a proven shared object, confirm it; a stack-shape holder is
// inferred; no holder is weak.
func confidence(la *lockAcc) Confidence {
	if len(la.holders) == 0 {
		return Weak
	}
	for _, ev := range la.evidence {
		switch ev.Kind {
		case EvidenceBlocker, EvidenceLockdep, EvidenceOwner:
			if strings.Contains(ev.Text, "owner is not found") {
				continue
			}
			return Confirmed
		}
	}
	if la.object != "" {
		all := true
		for _, m := range append(slices.Clone(la.holders), la.waiters...) {
			if m.task.object != la.object {
				all = false
			}
		}
		if all {
			return Confirmed
		}
	}
	return Inferred
}

// killableNote: the hung-task detector skips TASK_KILLABLE sleepers, so
// when dmesg is one source among others it saw only part of the pile-up.
func (e *Evidence) killableNote(id string, la *lockAcc) []string {
	if !e.haveDmesg || !e.haveOther {
		return nil
	}
	var inDmesg []int
	seen := map[int]bool{}
	count := map[string]int{}
	var keys []string
	n := 0
	for _, m := range append(slices.Clone(la.holders), la.waiters...) {
		if m.task.kinds["dmesg"] > 0 && m.task.reports > 0 {
			if !seen[m.task.key.pid] {
				seen[m.task.key.pid] = true
				inDmesg = append(inDmesg, m.task.key.pid)
			}
			continue
		}
		if !m.sh.killable {
			continue
		}
		fn := killableFrame(m.sh.stack)
		if count[fn] == 0 {
			keys = append(keys, fn)
		}
		count[fn]++
		n++
	}
	if len(inDmesg) == 0 || n == 0 {
		return nil
	}
	slices.Sort(inDmesg)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d in %s", count[k], k))
	}
	return []string{fmt.Sprintf("%s: dmesg reports only %s as hung: the hung-task detector does not report killable sleepers (%d more tasks on this lock sleep killable: %s)",
		id, joinInts(inDmesg), n, strings.Join(parts, ", "))}
}

func killableFrame(stack []string) string {
	for _, fn := range stack {
		if w, ok := kernel.Wait(fn); ok && w.Killable {
			return fn
		}
	}
	if len(stack) > 0 {
		return stack[0]
	}
	return "?"
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

// taskRoles lists the incident's tasks: holders, waiters, others, each
// by PID.
func taskRoles(ms map[taskKey]*member) []TaskRole {
	sorted := sortedMembers(ms)
	out := make([]TaskRole, 0, len(sorted))
	for _, r := range []Role{Holder, Waiter, Other} {
		for _, m := range sorted {
			if m.role == r {
				out = append(out, m.taskRole())
			}
		}
	}
	return out
}

func (m *member) taskRole() TaskRole {
	t := TaskRole{Comm: m.name(), Role: m.role, WaitsIn: orStackNotShown(m.sh.waitsIn), Site: m.sh.site,
		Killable: m.sh.killable, Running: m.sh.running, Object: m.task.object, Reports: m.task.reports}
	if t.Comm == "?" {
		t.Comm = ""
	}
	if m.task.key.place != "" {
		t.Place = m.task.key.place
	} else {
		pid := m.task.key.pid
		t.PID = &pid
	}
	if len(m.task.comms) > 1 {
		t.Comms = slices.Clone(m.task.comms)
	}
	t.Stack = m.sh.stack
	if t.Stack == nil {
		t.Stack = []string{}
	}
	if len(m.task.stacks) > 1 {
		for _, s := range m.task.stacks {
			t.Stacks = append(t.Stacks, StackCount{Stack: s.shape.stack, Count: s.count})
		}
	}
	t.Sources = Sources{Count: m.task.sources.count, First: slices.Clone(m.task.sources.first), Last: slices.Clone(m.task.sources.last)}
	if t.Sources.First == nil {
		t.Sources.First = []string{}
	}
	for _, la := range m.holds {
		if la.id != "" {
			t.Holds = append(t.Holds, la.id)
		}
	}
	if m.waits != nil {
		t.WaitsFor = m.waits.id
		t.WaitMode = waiterMode(m.waits, m)
	}
	switch m.role {
	case Holder:
		for _, la := range m.holds {
			if la.id != "" && (len(la.waiters) > 0 || la.strong) {
				t.Lock = la.id
				t.Mode = holderMode(la)
				break
			}
		}
	case Waiter:
		if m.waits != nil {
			t.Lock = m.waits.id
			t.Mode = waiterMode(m.waits, m)
		}
	}
	if m.role == Waiter && t.Mode == ModeUnknown {
		t.Mode = m.mode
	}
	return t
}

func roleChangeNotes(ms map[taskKey]*member) []string {
	changed := map[string][]int{}
	var order []string
	for _, m := range sortedMembers(ms) {
		if m.changed == "" || m.task.key.place != "" {
			continue
		}
		if _, ok := changed[m.changed]; !ok {
			order = append(order, m.changed)
		}
		changed[m.changed] = append(changed[m.changed], m.task.key.pid)
	}
	var out []string
	for _, seq := range order {
		pids := changed[seq]
		verb := "is"
		if len(pids) > 1 {
			verb = "are each"
		}
		out = append(out, fmt.Sprintf("%s %s %s across samples: the lock passes between tasks while the capture runs", joinInts(pids), verb, seq))
	}
	return out
}

// releasedNotes say, once per reason, why tasks that passed a lock site are
// no holders of it.
func releasedNotes(ms map[taskKey]*member) []string {
	by := map[string][]string{}
	var order []string
	for _, m := range sortedMembers(ms) {
		if m.role != Other || m.sh.released == "" {
			continue
		}
		if _, ok := by[m.sh.released]; !ok {
			order = append(order, m.sh.released)
		}
		by[m.sh.released] = append(by[m.sh.released], m.label())
	}
	var out []string
	for _, r := range order {
		out = append(out, fmt.Sprintf("%s %s", strings.Join(by[r], ", "), r))
	}
	return out
}
