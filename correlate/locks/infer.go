package locks

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// Schema versions the JSON form of Analysis (docs/locks-json.md).
const Schema = "lagtrace.locks/v1"

// Task is one observation of a task's kernel stack, from one source: a
// hung-task report, a /proc/PID/stack snapshot or a crash bt. The same PID
// may be observed many times; Infer joins the observations.
type Task struct {
	PID  int
	Comm string
	// State is the scheduler state as the source prints it ("D", "UN").
	State string
	// Source locates the observation, "file:line".
	Source string
	// Kind is the source's kind: "dmesg", "procstack" or "crash". A dmesg
	// observation is a hung-task report, which kernels never write for
	// killable sleepers; Infer says so when it matters.
	Kind string
	// Hung marks a hung-task report, as opposed to a task a log printed
	// for another reason (the owner dumped after a blocker line, SysRq-w).
	Hung bool
	// Frames are the stack, innermost first, as printed or as bare names
	// ("iterate_dir+0x86/0x2a0", "iterate_dir"); frames the unwinder marked
	// unreliable ("? foo+0x1/0x2") are ignored.
	Frames []string
	// Object is the address of the inode the task's lock site works on,
	// when the source proves it (crash: struct file.f_inode of the file
	// being read, or dentry.d_inode of the directory being searched).
	Object string
	// ObjectVia is the slab cache of the stack word that led to Object:
	// "filp" (an open file of the inode, as getdents64 holds one),
	// "dentry" (a path lookup), "nfs_inode_cache"...
	ObjectVia string
	// Path is the file the task's blocked system call is on (strace -y).
	Path string
	// Snapshot names the moment the observation belongs to, for sources
	// that sample many tasks at once and repeatedly (a time-stamped
	// /proc/PID/stack loop): "" when the source does not say.
	Snapshot string
}

// Blocker is a line the kernel's hung-task detector writes since 6.15 when
// built with CONFIG_DETECT_HUNG_TASK_BLOCKER, naming the task that owns the
// lock a hung task waits for:
//
//	INFO: task A:1 is blocked on a mutex likely owned by task B:2.
//	INFO: task A:1 blocked on a semaphore likely last held by task B:2
//	INFO: task A:1 <writer> blocked on an rw-semaphore likely owned by task B:2 <reader>
//	INFO: task A:1 is blocked on a mutex, but the owner is not found.
type Blocker struct {
	PID  int
	Comm string
	// Lock is "mutex", "semaphore" or "rw-semaphore".
	Lock string
	// Mode is the waiter's rw-semaphore mode ("<reader>" is ModeRead).
	Mode Mode
	// OwnerPID is 0 when the kernel did not find the owner.
	OwnerPID  int
	OwnerComm string
	OwnerMode Mode
	Source    string
}

// Role is what a task does with respect to a lock.
type Role string

// The roles.
const (
	// Holder: the task passed the lock's site and sleeps deeper, outside
	// the lock's slow path, or the kernel names it as the owner.
	Holder Role = "holder"
	// Waiter: the task sleeps in the lock's slow path (or, when the kernel
	// omitted the wait functions, directly at the site).
	Waiter Role = "waiter"
	// Other: neither could be shown.
	Other Role = "other"
)

// Confidence grades a lock's holder and membership.
type Confidence string

// The confidence levels, strongest first.
const (
	// Confirmed: the kernel's blocker line names the owner, or a source
	// proves that the holder and the waiters work on one inode.
	Confirmed Confidence = "confirmed"
	// Inferred: the stacks' shapes show a holder passing the site the
	// waiters wait at, but nothing proves it is the same object.
	Inferred Confidence = "inferred"
	// Weak: no holder is visible; the waiters are grouped by the kind of
	// object their sites lock, and may wait on different ones.
	Weak Confidence = "weak"
)

// Analysis is what Infer finds; it is also the JSON document
// "lagtrace.locks/v1" (docs/locks-json.md), so its field order is stable.
type Analysis struct {
	Schema string `json:"schema"`
	// Tasks has one entry per PID: holders first, then waiters, then
	// others, each by PID.
	Tasks []TaskRole `json:"tasks"`
	// Locks are ordered by the number of tasks on them, most first.
	Locks []Lock `json:"locks"`
	// Notes explain what the sources cannot show.
	Notes []string `json:"notes"`
}

// TaskRole is one task's part, joined across sources and samples.
type TaskRole struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
	Role Role   `json:"role"`
	// Lock is the Lock.ID the task holds or waits for; empty for Other.
	Lock string `json:"lock,omitempty"`
	// Mode is how it holds or wants the lock, when known.
	Mode Mode `json:"mode,omitempty"`
	// WaitsIn is where the task sleeps: the wait function, or the site.
	WaitsIn string `json:"waits_in"`
	// Site is the lock site in the task's stack ("iterate_dir").
	Site string `json:"site,omitempty"`
	// Killable reports a TASK_KILLABLE sleep, invisible to the hung-task
	// detector.
	Killable bool `json:"killable"`
	// Object is the inode address a source proved the task works on.
	Object string `json:"object,omitempty"`
	// AlsoHolds lists locks a waiter holds further down its stack.
	AlsoHolds []string `json:"also_holds,omitempty"`
	// Sources are the observations, "file:line", in input order.
	Sources []string `json:"sources"`
	// Stack is the signature of the observation the role comes from:
	// function names, innermost first, scheduler frames left out.
	Stack []string `json:"stack"`
}

// Lock is one lock the tasks pile up on.
type Lock struct {
	ID string `json:"id"`
	// Site is where the lock is taken ("iterate_dir"), or for a lock seen
	// only through its slow path, the first caller ("rtnl_lock").
	Site string `json:"site"`
	// Type is the lock's type ("rwsem", "mutex"), when a frame shows it.
	Type string `json:"type,omitempty"`
	// Kind says what is locked ("dir i_rwsem").
	Kind string `json:"kind,omitempty"`
	// Object is the locked inode's address, when a source proves it.
	Object     string        `json:"object,omitempty"`
	Holders    []int         `json:"holders"`
	HolderMode Mode          `json:"holder_mode,omitempty"`
	Waiters    []int         `json:"waiters"`
	Groups     []WaiterGroup `json:"waiter_groups"`
	Confidence Confidence    `json:"confidence"`
	Evidence   []string      `json:"evidence"`
}

// WaiterGroup gathers the waiters whose stacks are identical.
type WaiterGroup struct {
	Count   int      `json:"count"`
	Mode    Mode     `json:"mode,omitempty"`
	WaitsIn string   `json:"waits_in"`
	Stack   []string `json:"stack"`
	PIDs    []int    `json:"pids"`
}

// observation is one Task classified.
type observation struct {
	task     *Task
	role     Role
	site     string
	kind     string // what the site locks, or "" for a bare slow path
	lockType string
	mode     Mode
	waitsIn  string
	killable bool
	holds    []string // deeper sites a waiter holds
	stack    []string
	why      string
}

// classify reads one stack. Frames are innermost first: a waiter has the
// lock's slow path on top of the site; a holder has the site deeper than a
// sleep that is not that lock's.
func classify(t *Task) observation {
	o := observation{task: t, role: Other}
	fns := make([]string, 0, len(t.Frames))
	for _, f := range t.Frames {
		if strings.HasPrefix(strings.TrimSpace(f), "?") {
			continue
		}
		if fn := kernel.FuncName(f); fn != "" {
			if w, ok := kernel.Wait(fn); ok && w.Class == kernel.Sched {
				continue
			}
			fns = append(fns, fn)
		}
	}
	o.stack = fns
	if len(fns) == 0 {
		return o
	}
	o.waitsIn = fns[0]
	// Lock frames at the top: the task is queued on a lock.
	j := 0
	var entry, slow kernel.WaitPoint
	for ; j < len(fns); j++ {
		w, ok := kernel.Wait(fns[j])
		if !ok || (w.Class != kernel.SlowPath && w.Class != kernel.LockCall) {
			break
		}
		if w.Killable {
			o.killable = true
		}
		if w.Class == kernel.LockCall {
			entry = w
		} else if slow.Fn == "" {
			slow = w
		}
		o.lockType = w.Lock
	}
	if j > 0 {
		o.role = Waiter
		o.mode = entry.Mode
		if o.mode == ModeUnknown {
			o.mode = slow.Mode
		}
		frames := strings.Join(fns[:j], " ← ")
		if j == len(fns) {
			o.site = fns[j-1]
			o.why = fmt.Sprintf("sleeps in %s with no caller shown", frames)
			return o
		}
		if s, ok := kernel.Site(fns[j]); ok {
			o.site, o.kind = s.Fn, s.Object
			if s.Mode != ModeUnknown && o.mode == ModeUnknown {
				o.mode = s.Mode
			}
			o.why = fmt.Sprintf("%s directly under %s: queued on the lock %s takes", frames, s.Fn, s.Fn)
		} else {
			o.site = fns[j]
			o.why = fmt.Sprintf("%s called from %s", frames, fns[j])
		}
		for _, fn := range fns[j+1:] {
			if s, ok := kernel.Site(fn); ok && !s.WaitOnly && s.Object != "" {
				o.holds = append(o.holds, s.Fn)
			}
		}
		return o
	}
	// Recent kernels' /proc/PID/stack leaves out __sched functions, so a
	// waiter's stack can begin at the site itself.
	if s, ok := kernel.Site(fns[0]); ok {
		o.role = Waiter
		o.site, o.kind, o.mode, o.killable = s.Fn, s.Object, s.Mode, s.Killable
		o.why = fmt.Sprintf("stack begins at %s (recent kernels, or the person who saved it, leave out the wait functions above it): it sleeps taking the lock", s.Fn)
		return o
	}
	if w, ok := kernel.Wait(fns[0]); ok && w.Killable {
		o.killable = true
	}
	for i := 1; i < len(fns); i++ {
		s, ok := kernel.Site(fns[i])
		if !ok || (s.WaitOnly && !kernel.HeldCallee(fns[i-1])) {
			continue
		}
		o.role = Holder
		o.site, o.kind, o.mode = s.Fn, s.Object, s.Mode
		o.why = fmt.Sprintf("passed %s and sleeps deeper in %s (%s), not in a lock's slow path",
			s.Fn, fns[0], strings.Join(fns[:i], " ← "))
		return o
	}
	return o
}

// lockKey groups observations on one lock: what is locked and, when
// proven, which object.
type lockKey struct {
	kind   string
	object string
}

type lockAcc struct {
	key      lockKey
	site     string
	lockType string
	holders  []*taskAcc
	waiters  []*taskAcc
	blockers []Blocker
	evidence []string
	order    int
}

type taskAcc struct {
	pid         int
	comm        string
	obs         []observation
	primary     observation
	object      string
	objectVia   string
	sources     []string
	fromBlocker bool
	lock        *lockAcc
	role        Role
	mode        Mode
}

// Infer joins the observations by PID, classifies each task as holder,
// waiter or other, and gathers them per lock. Blocker lines override the
// inference: the owner they name is a confirmed holder. It never names a
// holder without a stack or a kernel line to show for it.
func Infer(tasks []Task, blockers []Blocker) *Analysis {
	byPID := map[int]*taskAcc{}
	var order []*taskAcc
	get := func(pid int, comm string) *taskAcc {
		ta, ok := byPID[pid]
		if !ok {
			ta = &taskAcc{pid: pid}
			byPID[pid] = ta
			order = append(order, ta)
		}
		if ta.comm == "" {
			ta.comm = comm
		}
		return ta
	}
	dmesgSeen := map[int]bool{}
	haveDmesg, haveOther := false, false
	for i := range tasks {
		t := &tasks[i]
		ta := get(t.PID, t.Comm)
		ta.obs = append(ta.obs, classify(t))
		if t.Source != "" && !slices.Contains(ta.sources, t.Source) {
			ta.sources = append(ta.sources, t.Source)
		}
		if t.Object != "" && ta.object == "" {
			ta.object, ta.objectVia = t.Object, t.ObjectVia
		}
		if t.Kind == "dmesg" {
			if t.Hung {
				dmesgSeen[t.PID] = true
			}
			haveDmesg = true
		} else {
			haveOther = true
		}
	}
	var notes []string
	// PIDs whose role changes across samples, by the sequence of roles,
	// so that one note covers every task that went the same way.
	changed := map[string][]int{}
	var changeOrder []string
	worst := worstSnapshot(order)
	// One role per PID. Roles change while a capture runs: the holder lets
	// go, a waiter takes the lock. When the sources are time-stamped
	// snapshots, the roles are those of the snapshot with the most waiters,
	// the pile-up itself; otherwise a holder observation wins, since a task
	// that held the lock in one sample is the one to explain. Either way
	// the change is noted.
	for _, ta := range order {
		// The role the pile-up snapshot shows, if the task is in it.
		var want Role
		for _, o := range ta.obs {
			if worst != "" && o.task.Snapshot == worst && len(o.stack) > 0 {
				want = o.role
			}
		}
		best := ta.obs[0]
		for _, o := range ta.obs[1:] {
			if want != "" && o.role != want {
				continue
			}
			// A report cut before its stack (a repeated "blocked for more
			// than" header) tells nothing about the role.
			if len(best.stack) == 0 || want != "" && best.role != want ||
				len(o.stack) > 0 && rank(o.role) < rank(best.role) {
				best = o
			}
		}
		ta.primary, ta.role, ta.mode = best, best.role, best.mode
		var roles []string
		for _, o := range ta.obs {
			if len(o.stack) > 0 && !slices.Contains(roles, string(o.role)) {
				roles = append(roles, string(o.role))
			}
		}
		if len(roles) > 1 {
			seq := strings.Join(roles, ", then ")
			if _, ok := changed[seq]; !ok {
				changeOrder = append(changeOrder, seq)
			}
			changed[seq] = append(changed[seq], ta.pid)
		}
	}
	for _, seq := range changeOrder {
		pids := changed[seq]
		verb := "is"
		if len(pids) > 1 {
			verb = "are each"
		}
		notes = append(notes, fmt.Sprintf("%s %s %s across samples: the lock passes between tasks while the capture runs", joinInts(pids), verb, seq))
	}
	// Gather tasks per lock.
	locks := map[lockKey]*lockAcc{}
	var lockOrder []*lockAcc
	lockFor := func(k lockKey, o observation) *lockAcc {
		la, ok := locks[k]
		if !ok {
			la = &lockAcc{key: k, order: len(lockOrder)}
			locks[k] = la
			lockOrder = append(lockOrder, la)
		}
		if la.site == "" || (o.role == Waiter && la.site != o.site && len(la.waiters) == 0) {
			la.site = o.site
		}
		if la.lockType == "" {
			la.lockType = o.lockType
		}
		return la
	}
	// Objects proven per kind: a task with no proof joins the only proven
	// lock of its kind, if there is exactly one.
	proven := map[string][]string{}
	for _, ta := range order {
		if k := ta.primary.kind; k != "" && ta.object != "" && !slices.Contains(proven[k], ta.object) {
			proven[k] = append(proven[k], ta.object)
		}
	}
	for _, ta := range order {
		o := ta.primary
		if o.role == Other && len(o.stack) == 0 && ta.object != "" && len(proven[kernel.DirLock]) > 0 && slices.Contains(proven[kernel.DirLock], ta.object) {
			// No stack in any source, but a source proves the task works
			// on a locked inode (crash notes often list only the filp).
			o = observation{task: o.task, role: Waiter, kind: kernel.DirLock, waitsIn: "(stack not shown)",
				why: "no stack in the sources, but it works on the same inode"}
			if ta.objectVia == "filp" {
				// An open file of a directory on a sleeping task's stack
				// is what getdents64 holds while iterate_dir takes the
				// directory's lock; a lookup would hold a dentry.
				o.site = "iterate_dir"
				o.why = "no stack in the sources, but an open file (filp) of the locked directory is on its stack, as a getdents64 waiting in iterate_dir holds"
			}
			ta.primary, ta.role = o, Waiter
		}
		if o.role == Other {
			continue
		}
		k := lockKey{kind: o.kind}
		if k.kind == "" {
			// A bare slow path: the lock is known only by its caller.
			k.kind = o.lockType + " via " + o.site
		} else if ta.object != "" {
			k.object = ta.object
		} else if objs := proven[k.kind]; len(objs) == 1 {
			k.object = objs[0]
		}
		la := lockFor(k, o)
		ta.lock = la
		if o.role == Holder {
			la.holders = append(la.holders, ta)
		} else {
			la.waiters = append(la.waiters, ta)
		}
	}
	// A site whose mode depends only on the object: waiters there on one
	// proven object all ask the same way.
	for _, la := range lockOrder {
		if la.key.object == "" {
			continue
		}
		for _, w := range la.waiters {
			s, ok := kernel.Site(w.primary.site)
			if !ok || !s.ModeByObject || w.mode != ModeUnknown || w.object != la.key.object {
				continue
			}
			for _, x := range la.waiters {
				if x.primary.site == s.Fn && x.mode != ModeUnknown && x.object == la.key.object {
					w.mode = x.mode
					w.primary.mode = x.mode
					w.primary.why += fmt.Sprintf("; mode %s as %d's at %s on the same inode (%s chooses the mode by the directory's file operations)", x.mode, x.pid, s.Fn, s.Fn)
					break
				}
			}
		}
	}
	// Blocker lines: the kernel read the lock's owner field.
	for _, b := range blockers {
		w := get(b.PID, b.Comm)
		if w.lock == nil {
			w.role, w.mode, w.fromBlocker = Waiter, b.Mode, true
			w.primary = observation{role: Waiter, waitsIn: b.Lock, lockType: b.Lock, mode: b.Mode, site: b.Lock}
			w.lock = lockFor(lockKey{kind: b.Lock + " owned by " + strconv.Itoa(b.OwnerPID)}, w.primary)
			w.lock.waiters = append(w.lock.waiters, w)
		}
		if b.Source != "" && !slices.Contains(w.sources, b.Source) {
			w.sources = append(w.sources, b.Source)
		}
		la := w.lock
		la.blockers = append(la.blockers, b)
		if b.OwnerPID == 0 {
			continue
		}
		h := get(b.OwnerPID, b.OwnerComm)
		if b.Source != "" && !slices.Contains(h.sources, b.Source) {
			h.sources = append(h.sources, b.Source)
		}
		if h.lock == la && h.role == Holder {
			if h.mode == ModeUnknown {
				h.mode = b.OwnerMode
			}
			continue
		}
		if h.lock != nil {
			// Inference put the owner elsewhere; the kernel's word wins.
			h.lock.holders = slices.DeleteFunc(h.lock.holders, func(x *taskAcc) bool { return x == h })
			h.lock.waiters = slices.DeleteFunc(h.lock.waiters, func(x *taskAcc) bool { return x == h })
		}
		h.lock, h.role, h.fromBlocker = la, Holder, true
		h.mode = b.OwnerMode
		if h.primary.task == nil {
			h.primary = observation{role: Holder, waitsIn: "(not shown)"}
		}
		la.holders = append(la.holders, h)
	}

	a := &Analysis{Schema: Schema, Tasks: []TaskRole{}, Locks: []Lock{}}
	slices.SortStableFunc(lockOrder, func(x, y *lockAcc) int {
		if c := cmp.Compare(len(y.holders)+len(y.waiters), len(x.holders)+len(x.waiters)); c != 0 {
			return c
		}
		return cmp.Compare(x.order, y.order)
	})
	ids := map[*lockAcc]string{}
	n := 0
	for _, la := range lockOrder {
		if len(la.holders)+len(la.waiters) == 0 {
			continue
		}
		n++
		ids[la] = "L" + strconv.Itoa(n)
	}
	for _, la := range lockOrder {
		id, ok := ids[la]
		if !ok {
			continue
		}
		l, lockNotes := buildLock(id, la, dmesgSeen, haveDmesg, haveOther)
		a.Locks = append(a.Locks, l)
		notes = append(notes, lockNotes...)
	}
	for _, ta := range order {
		tr := TaskRole{
			PID: ta.pid, Comm: ta.comm, Role: ta.role, Mode: ta.mode,
			WaitsIn: ta.primary.waitsIn, Site: ta.primary.site,
			Killable: ta.primary.killable, Object: ta.object,
			Sources: ta.sources, Stack: ta.primary.stack,
		}
		if tr.Sources == nil {
			tr.Sources = []string{}
		}
		if tr.Stack == nil {
			tr.Stack = []string{}
		}
		if ta.lock != nil {
			tr.Lock = ids[ta.lock]
			if ta.role == Holder && tr.Mode == ModeUnknown {
				tr.Mode = holderMode(ta.lock)
			}
		}
		if ta.role == Waiter {
			tr.AlsoHolds = ta.primary.holds
		}
		a.Tasks = append(a.Tasks, tr)
	}
	slices.SortStableFunc(a.Tasks, func(x, y TaskRole) int {
		if c := cmp.Compare(rank(x.Role), rank(y.Role)); c != 0 {
			return c
		}
		return cmp.Compare(x.PID, y.PID)
	})
	if notes == nil {
		notes = []string{}
	}
	a.Notes = notes
	return a
}

// worstSnapshot is the snapshot in which most tasks wait on a lock, or ""
// when the observations carry no snapshots. Ties go to the earliest.
func worstSnapshot(order []*taskAcc) string {
	waiters := map[string]int{}
	var seen []string
	for _, ta := range order {
		for _, o := range ta.obs {
			snap := o.task.Snapshot
			if snap == "" {
				continue
			}
			if _, ok := waiters[snap]; !ok {
				waiters[snap] = 0
				seen = append(seen, snap)
			}
			if o.role == Waiter {
				waiters[snap]++
			}
		}
	}
	best := ""
	for _, snap := range seen {
		if best == "" || waiters[snap] > waiters[best] {
			best = snap
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

// holderMode is the mode a holder took the lock in. A site whose mode
// depends on the file system (iterate_dir) takes one object the same way
// every time, so the waiters at the same site on the same object tell it.
func holderMode(la *lockAcc) Mode {
	for _, h := range la.holders {
		if h.mode != ModeUnknown {
			return h.mode
		}
		if s, ok := kernel.Site(h.primary.site); ok && s.Mode != ModeUnknown {
			return s.Mode
		}
	}
	for _, h := range la.holders {
		for _, w := range la.waiters {
			if w.primary.site == h.primary.site && w.mode != ModeUnknown {
				return w.mode
			}
		}
	}
	return ModeUnknown
}

func buildLock(id string, la *lockAcc, dmesgSeen map[int]bool, haveDmesg, haveOther bool) (Lock, []string) {
	l := Lock{
		ID: id, Site: la.site, Type: la.lockType, Object: la.key.object,
		Holders: []int{}, Waiters: []int{}, Groups: []WaiterGroup{}, Evidence: []string{},
	}
	l.Site = lockSiteOf(la)
	if !strings.Contains(la.key.kind, " via ") && !strings.Contains(la.key.kind, " owned by ") {
		l.Kind = la.key.kind
	}
	if l.Type == "" && l.Kind != "" && strings.HasSuffix(l.Kind, "i_rwsem") {
		l.Type = "rwsem"
	}
	for _, h := range la.holders {
		l.Holders = append(l.Holders, h.pid)
	}
	slices.Sort(l.Holders)
	l.HolderMode = holderMode(la)
	for _, w := range la.waiters {
		l.Waiters = append(l.Waiters, w.pid)
	}
	slices.Sort(l.Waiters)

	// Waiter groups by identical stack.
	groups := map[string]*WaiterGroup{}
	var gorder []string
	for _, w := range la.waiters {
		key := string(w.mode) + "\x00" + strings.Join(w.primary.stack, "\x00")
		g, ok := groups[key]
		if !ok {
			g = &WaiterGroup{Mode: w.mode, WaitsIn: w.primary.waitsIn, Stack: w.primary.stack}
			if g.Stack == nil {
				g.Stack = []string{}
			}
			groups[key] = g
			gorder = append(gorder, key)
		}
		g.Count++
		g.PIDs = append(g.PIDs, w.pid)
	}
	for _, k := range gorder {
		g := groups[k]
		slices.Sort(g.PIDs)
		l.Groups = append(l.Groups, *g)
	}
	slices.SortStableFunc(l.Groups, func(x, y WaiterGroup) int { return cmp.Compare(y.Count, x.Count) })

	// Evidence, strongest first.
	// The detector repeats its lines every check: one entry per waiter and
	// owner, with the first line and the count.
	type seenKey struct{ pid, owner int }
	seenAt := map[seenKey]int{}
	var seenOrder []seenKey
	first := map[seenKey]Blocker{}
	for _, b := range la.blockers {
		k := seenKey{b.PID, b.OwnerPID}
		if seenAt[k] == 0 {
			seenOrder = append(seenOrder, k)
			first[k] = b
		}
		seenAt[k]++
	}
	for _, k := range seenOrder {
		b := first[k]
		times := ""
		if n := seenAt[k]; n > 1 {
			times = fmt.Sprintf(", %d times", n)
		}
		if b.OwnerPID != 0 {
			l.Evidence = append(l.Evidence, fmt.Sprintf("kernel: task %s:%d is blocked on %s likely owned by task %s:%d (%s%s)", b.Comm, b.PID, article(b.Lock), b.OwnerComm, b.OwnerPID, b.Source, times))
		} else {
			l.Evidence = append(l.Evidence, fmt.Sprintf("kernel: task %s:%d is blocked on %s, but the owner is not found (%s%s)", b.Comm, b.PID, article(b.Lock), b.Source, times))
		}
	}
	all := append(slices.Clone(la.holders), la.waiters...)
	provenAll := l.Object != "" && len(all) > 0
	nProven := 0
	for _, t := range all {
		if t.object == l.Object && l.Object != "" {
			nProven++
		} else {
			provenAll = false
		}
	}
	if nProven > 0 {
		l.Evidence = append(l.Evidence, fmt.Sprintf("%d of %d tasks work on inode %s (crash f_inode/d_inode)", nProven, len(all), l.Object))
	}
	for _, h := range la.holders {
		switch {
		case h.primary.why == "":
		case h.primary.role == Holder:
			l.Evidence = append(l.Evidence, fmt.Sprintf("holder %d: %s", h.pid, h.primary.why))
		default:
			l.Evidence = append(l.Evidence, fmt.Sprintf("holder %d, named by the kernel, itself sleeps: %s", h.pid, h.primary.why))
		}
	}
	for _, k := range gorder {
		g := groups[k]
		var w *taskAcc
		for _, x := range la.waiters {
			if x.pid == g.PIDs[0] {
				w = x
			}
		}
		if w != nil && w.primary.why != "" {
			who := strconv.Itoa(w.pid)
			if g.Count > 1 {
				who = fmt.Sprintf("%d waiters (%d ...)", g.Count, g.PIDs[0])
			}
			l.Evidence = append(l.Evidence, fmt.Sprintf("%s: %s", who, w.primary.why))
		}
	}
	if m := holderMode(la); m != ModeUnknown && len(la.holders) > 0 && la.holders[0].mode == ModeUnknown {
		l.Evidence = append(l.Evidence, fmt.Sprintf("holder mode %s: the waiters at %s on the same object ask for it that way", m, la.holders[0].primary.site))
	}

	confirmedByKernel := false
	for _, b := range la.blockers {
		if b.OwnerPID != 0 {
			confirmedByKernel = true
		}
	}
	switch {
	case confirmedByKernel || (provenAll && len(la.holders) > 0):
		l.Confidence = Confirmed
	case len(la.holders) > 0:
		l.Confidence = Inferred
	default:
		l.Confidence = Weak
	}

	var notes []string
	if len(la.holders) == 0 {
		why := "no task in the sources sleeps past this lock's site"
		if haveDmesg && !haveOther {
			why = "dmesg alone cannot show it: the hung-task detector does not report TASK_KILLABLE sleepers, such as a holder waiting in rpc_wait_bit_killable or waiters in down_write_killable; capture /proc/PID/stack of every D task, or a vmcore"
		}
		notes = append(notes, fmt.Sprintf("%s (%s): holder not visible: %s", id, l.Site, why))
	}
	if haveDmesg && haveOther {
		var inDmesg, killable []int
		for _, t := range all {
			if dmesgSeen[t.pid] {
				inDmesg = append(inDmesg, t.pid)
			} else if t.primary.killable {
				killable = append(killable, t.pid)
			}
		}
		if len(inDmesg) > 0 && len(killable) > 0 {
			slices.Sort(inDmesg)
			notes = append(notes, fmt.Sprintf("%s: dmesg reports only %s as hung: the hung-task detector does not report killable sleepers (%d more tasks on this lock sleep killable: %s)",
				id, joinInts(inDmesg), len(killable), killableSummary(all, dmesgSeen)))
		}
	}
	if l.Site == "iterate_dir" && l.HolderMode == ModeWrite {
		notes = append(notes, fmt.Sprintf("%s: iterate_dir takes the directory's i_rwsem exclusively for file systems without ->iterate_shared (NFS until commit 93a6ab7b691f \"NFS: Switch readdir to using iterate_shared()\"), so concurrent listings of one directory run one at a time", id))
	}
	return l, notes
}

// lockSiteOf names a lock by where its holder took it, else by where most
// of its waiters wait.
func lockSiteOf(la *lockAcc) string {
	for _, h := range la.holders {
		if h.primary.role == Holder && h.primary.site != "" {
			return h.primary.site
		}
	}
	count := map[string]int{}
	best := la.site
	for _, w := range la.waiters {
		count[w.primary.site]++
		if count[w.primary.site] > count[best] {
			best = w.primary.site
		}
	}
	return best
}

func killableSummary(all []*taskAcc, dmesgSeen map[int]bool) string {
	count := map[string]int{}
	var keys []string
	for _, t := range all {
		if dmesgSeen[t.pid] || !t.primary.killable {
			continue
		}
		fn := killableFrame(t.primary.stack)
		if count[fn] == 0 {
			keys = append(keys, fn)
		}
		count[fn]++
	}
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d in %s", count[k], k))
	}
	return strings.Join(parts, ", ")
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

func article(lock string) string {
	if strings.HasPrefix(lock, "rw") {
		return "an " + lock
	}
	return "a " + lock
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
