package locks

import (
	"slices"
	"strings"
)

// Evidence gathers observations as they are read and keeps, per task, one
// summary per distinct stack: how often it was seen, when first and last,
// and a few of its locations. Memory grows with the distinct tasks and
// stacks, not with the observations: a hung-task detector that repeated
// its reports for days costs what one round costs. Infer reads it.
type Evidence struct {
	tasks map[taskKey]*taskAcc
	order []*taskAcc
	// stacks holds each distinct stack once, with what classify says of
	// it, by signature: tasks with one stack share it.
	stacks   map[string]*canonStack
	blockers map[blockerKey]*blockerAcc
	bOrder   []*blockerAcc
	held     map[int]*heldAcc
	hOrder   []*heldAcc
	owners   []Owner
	// snapshots are the passes of sampling loops: their times and how
	// many waiters each held, to find the pile-up.
	snapshots map[string]*snapAcc
	sOrder    []*snapAcc
	haveDmesg bool
	haveOther bool
}

// canonStack is one distinct stack.
type canonStack struct {
	frames []string
	shape  *shape
}

// taskKey names a task: its PID, or, without one, its place.
type taskKey struct {
	pid   int
	place string
}

type taskAcc struct {
	key   taskKey
	comms []string
	state string
	// stacks are the distinct stacks, in order of first sight.
	stacks    []*stackAcc
	object    string
	objectVia string
	sources   sourceAcc
	reports   int
	kinds     map[string]int
	// addrBits is the width of the addresses of its stacks, 0 unknown.
	addrBits int
}

// stackAcc summarises the observations of one task with one stack.
type stackAcc struct {
	// frames and shape are shared by every task with this stack.
	frames []string
	shape  *shape
	count  int
	// runs are the stretches of time the stack was seen in; a gap longer
	// than the incident gap starts a new run.
	runs    []run
	source  string
	kind    string
	hung    int
	undated int
	// snapshots holds the sampling passes the stack was seen in, up to a cap.
	snapshots []string
}

// run is a stretch of observations on one clock: [start, end] with start
// extended back by what hung-task reports say the task was blocked for.
type run struct {
	clock      string
	start, end float64
	count      int
	// blocked is the last hung-task report's blocked time; stall counts
	// the stalls of the task before this run's (see addTime).
	blocked float64
	stall   int
}

// sourceAcc keeps a count and the first and last few locations.
type sourceAcc struct {
	count int
	first []string
	last  []string
}

const keepSources = 3

func (s *sourceAcc) add(loc string) {
	if loc == "" {
		return
	}
	s.count++
	if len(s.first) < keepSources {
		if !slices.Contains(s.first, loc) {
			s.first = append(s.first, loc)
		}
		return
	}
	if slices.Contains(s.first, loc) || slices.Contains(s.last, loc) {
		return
	}
	if len(s.last) == keepSources {
		copy(s.last, s.last[1:])
		s.last = s.last[:keepSources-1]
	}
	s.last = append(s.last, loc)
}

type blockerKey struct {
	pid, owner int
	lock       string
}

type blockerAcc struct {
	Blocker
	count      int
	last       string
	start, end float64
}

// heldAcc is the latest lockdep list of a task, with the entries ever seen.
type heldAcc struct {
	pid    int
	comm   string
	locks  []HeldLock // the latest list
	source string
	count  int
	time   float64
	clock  string
	// acquire is the task's latest lockdep warning.
	acquire *Acquire
}

type snapAcc struct {
	id      string
	time    float64
	clock   string
	waiters int
}

// NewEvidence returns an empty Evidence.
func NewEvidence() *Evidence {
	return &Evidence{
		tasks:     map[taskKey]*taskAcc{},
		stacks:    map[string]*canonStack{},
		blockers:  map[blockerKey]*blockerAcc{},
		held:      map[int]*heldAcc{},
		snapshots: map[string]*snapAcc{},
	}
}

// maxSnapshotsPerStack caps the sampling passes remembered per stack.
const maxSnapshotsPerStack = 256

// AddTask adds one observation of a task's stack.
func (e *Evidence) AddTask(t Task) {
	if t.Kind == "dmesg" {
		e.haveDmesg = true
	} else {
		e.haveOther = true
	}
	k := taskKey{pid: t.PID}
	if t.NoPID {
		k = taskKey{place: t.Source}
	}
	ta := e.tasks[k]
	if ta == nil {
		ta = &taskAcc{key: k, kinds: map[string]int{}}
		e.tasks[k] = ta
		e.order = append(e.order, ta)
	}
	if t.Comm != "" && !slices.Contains(ta.comms, t.Comm) && len(ta.comms) < 4 {
		ta.comms = append(ta.comms, t.Comm)
	}
	if t.State != "" {
		ta.state = t.State
	}
	if t.Object != "" && ta.object == "" {
		ta.object, ta.objectVia = t.Object, t.ObjectVia
	}
	ta.sources.add(t.Source)
	ta.kinds[t.Kind]++
	if ta.addrBits == 0 {
		ta.addrBits = t.AddrBits
	}
	if t.Hung {
		ta.reports++
	}
	// The same stack again (the detector repeats its report) is found
	// without building its signature.
	var sa *stackAcc
	for _, s := range ta.stacks {
		if slices.Equal(s.frames, t.Frames) {
			sa = s
			break
		}
	}
	if sa == nil {
		sig := strings.Join(t.Frames, "\x00")
		cs := e.stacks[sig]
		if cs == nil {
			c := classify(t.Frames)
			cs = &canonStack{frames: slices.Clone(t.Frames), shape: &c}
			e.stacks[sig] = cs
		}
		sa = &stackAcc{frames: cs.frames, shape: cs.shape, source: t.Source, kind: t.Kind}
		ta.stacks = append(ta.stacks, sa)
	}
	sa.count++
	if t.Hung {
		sa.hung++
	}
	if t.Clock == "" {
		sa.undated++
	} else {
		sa.addTime(t)
	}
	if t.Snapshot != "" && len(sa.snapshots) < maxSnapshotsPerStack && !slices.Contains(sa.snapshots, t.Snapshot) {
		sa.snapshots = append(sa.snapshots, t.Snapshot)
	}
	if t.Snapshot != "" {
		sn := e.snapshots[t.Snapshot]
		if sn == nil {
			sn = &snapAcc{id: t.Snapshot, time: t.Time, clock: t.Clock}
			e.snapshots[t.Snapshot] = sn
			e.sOrder = append(e.sOrder, sn)
		}
		if sa.shape.role == Waiter {
			sn.waiters++
		}
	}
}

// incidentGap is the silence after which observations are a new stretch
// when nothing tells the detector's interval: the hung-task detector
// reports a stuck task at every check (default hung_task_timeout_secs,
// 120 s), so three checks without a word mean it was no longer stuck.
const incidentGap = 3 * 120.0

func (s *stackAcc) addTime(t Task) {
	start := t.Time - t.Blocked
	if n := len(s.runs); n > 0 {
		r := &s.runs[n-1]
		// Since 5.x a repeated report says how long the task has been
		// blocked, which grows report after report: a smaller number
		// means the task ran in between and is stuck anew, a new stall.
		// (Older kernels print the timeout every time: never smaller.)
		fresh := t.Blocked > 0 && r.blocked > 0 && t.Blocked < r.blocked && t.Time > r.end
		if !fresh && r.clock == t.Clock && start <= r.end+incidentGap && t.Time >= r.start-incidentGap {
			r.start, r.end = min(r.start, start), max(r.end, t.Time)
			r.count++
			if t.Blocked > 0 {
				r.blocked = t.Blocked
			}
			return
		}
		stall := r.stall
		if fresh {
			stall++
		}
		s.runs = append(s.runs, run{clock: t.Clock, start: start, end: t.Time, count: 1, blocked: t.Blocked, stall: stall})
		return
	}
	s.runs = append(s.runs, run{clock: t.Clock, start: start, end: t.Time, count: 1, blocked: t.Blocked})
}

// AddBlocker adds a 6.15+ blocker line.
func (e *Evidence) AddBlocker(b Blocker) {
	e.haveDmesg = true
	e.sighting(b.PID, b.Comm, b.Source)
	if b.OwnerPID != 0 {
		e.sighting(b.OwnerPID, b.OwnerComm, b.Source)
	}
	k := blockerKey{b.PID, b.OwnerPID, b.Lock}
	ba := e.blockers[k]
	if ba == nil {
		ba = &blockerAcc{Blocker: b, start: b.Time, end: b.Time}
		e.blockers[k] = ba
		e.bOrder = append(e.bOrder, ba)
	}
	ba.count++
	ba.last = b.Source
	if b.Clock != "" {
		ba.start, ba.end = min(ba.start, b.Time), max(ba.end, b.Time)
	}
}

// sighting records that a source names a task, without its stack.
func (e *Evidence) sighting(pid int, comm, src string) {
	k := taskKey{pid: pid}
	ta := e.tasks[k]
	if ta == nil {
		ta = &taskAcc{key: k, kinds: map[string]int{}}
		e.tasks[k] = ta
		e.order = append(e.order, ta)
	}
	if comm != "" && !slices.Contains(ta.comms, comm) && len(ta.comms) < 4 {
		ta.comms = append(ta.comms, comm)
	}
	ta.sources.add(src)
}

// AddHeld adds a lockdep held-lock list; a task's latest list replaces the
// one before (the detector prints it at every report).
func (e *Evidence) AddHeld(h Held) {
	ha := e.held[h.PID]
	if ha == nil {
		ha = &heldAcc{pid: h.PID}
		e.held[h.PID] = ha
		e.hOrder = append(e.hOrder, ha)
	}
	ha.comm, ha.locks, ha.source, ha.time, ha.clock = h.Comm, slices.Clone(h.Locks), h.Source, h.Time, h.Clock
	ha.count++
}

// AddAcquire adds a lockdep warning. The lock it says the task holds
// stands for the task's held-lock list until lockdep prints one.
func (e *Evidence) AddAcquire(a Acquire) {
	e.haveDmesg = true
	e.sighting(a.PID, a.Comm, a.Source)
	ha := e.held[a.PID]
	if ha == nil {
		ha = &heldAcc{pid: a.PID, comm: a.Comm, source: a.Source, time: a.Time, clock: a.Clock}
		e.held[a.PID] = ha
		e.hOrder = append(e.hOrder, ha)
	}
	if len(ha.locks) == 0 && a.Held != nil {
		ha.locks = []HeldLock{*a.Held}
	}
	ha.acquire = &a
}

// AddOwner adds a crash owner field.
func (e *Evidence) AddOwner(o Owner) {
	if slices.Contains(e.owners, o) {
		return
	}
	e.owners = append(e.owners, o)
}

// Empty reports whether nothing was added.
func (e *Evidence) Empty() bool {
	return len(e.order) == 0 && len(e.bOrder) == 0 && len(e.hOrder) == 0 && len(e.owners) == 0
}

// Comm returns the name the sources gave a task, "" when unknown.
func (e *Evidence) Comm(pid int) string {
	if ta := e.tasks[taskKey{pid: pid}]; ta != nil && len(ta.comms) > 0 {
		return ta.comms[0]
	}
	return ""
}
