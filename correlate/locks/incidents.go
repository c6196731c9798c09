package locks

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Options configure Infer.
type Options struct {
	// BootToWall puts a boot-clock time on the wall clock, when the
	// sources allow it (a dmesg -T line beside its raw stamp); nil keeps
	// the clocks apart.
	BootToWall func(boot float64) (wall float64, ok bool)
}

// episode is the part of one task's observations with one stack that falls
// in one incident: a run of dated observations, or the undated ones.
type episode struct {
	task  *taskAcc
	stack *stackAcc
	run   *run // nil for the undated observations
	// clock and times are the run's, moved to the wall clock when it can.
	clock      string
	start, end float64
}

// dated is anything with a time that belongs to an incident.
type dated struct {
	clock      string
	start, end float64
	// fresh says start is when the task got stuck anew, as the kernel's
	// blocked time tells: no slack is given before it.
	fresh   bool
	keys    []stallKey
	ep      *episode
	blocker *blockerAcc
	held    *heldAcc
}

// stallKey names one stall of one task: a task that ran between two
// hung-task reports and got stuck again is in two stalls, which may be two
// incidents.
type stallKey struct {
	task  taskKey
	stall int
}

// incidentSet is one incident being built.
type incidentSet struct {
	episodes []*episode
	blockers []*blockerAcc
	held     []*heldAcc
	owners   []Owner
	clock    string
	first    float64
	last     float64
	dated    bool
}

// splitIncidents groups everything the Evidence holds into incidents:
// observations close in time (within a few of the detector's intervals)
// are one incident, and so are stretches that share a task; observations
// without a time join the incident whose tasks they share, or, when there
// is only one, that one.
func (e *Evidence) splitIncidents(opts Options) []*incidentSet {
	var items []*dated
	var undated []*episode
	conv := func(clock string, t float64) (string, float64) {
		if clock == ClockBoot && opts.BootToWall != nil {
			if w, ok := opts.BootToWall(t); ok {
				return ClockWall, w
			}
		}
		return clock, t
	}
	for _, ta := range e.order {
		for _, sa := range ta.stacks {
			for i := range sa.runs {
				r := &sa.runs[i]
				ep := &episode{task: ta, stack: sa, run: r}
				ep.clock, ep.start = conv(r.clock, r.start)
				_, ep.end = conv(r.clock, r.end)
				items = append(items, &dated{clock: ep.clock, start: ep.start, end: ep.end, keys: []stallKey{{ta.key, r.stall}}, ep: ep, fresh: r.stall > 0})
			}
			if sa.undated > 0 {
				undated = append(undated, &episode{task: ta, stack: sa})
			}
		}
	}
	var undatedBlockers []*blockerAcc
	for _, b := range e.bOrder {
		keys := []stallKey{{task: taskKey{pid: b.PID}}}
		if b.OwnerPID != 0 {
			keys = append(keys, stallKey{task: taskKey{pid: b.OwnerPID}})
		}
		if b.Clock == "" {
			undatedBlockers = append(undatedBlockers, b)
			continue
		}
		c, s := conv(b.Clock, b.start)
		_, en := conv(b.Clock, b.end)
		items = append(items, &dated{clock: c, start: s, end: en, keys: keys, blocker: b})
	}
	var undatedHeld []*heldAcc
	for _, h := range e.hOrder {
		if h.clock == "" {
			undatedHeld = append(undatedHeld, h)
			continue
		}
		c, t := conv(h.clock, h.time)
		items = append(items, &dated{clock: c, start: t, end: t, keys: []stallKey{{task: taskKey{pid: h.pid}}}, held: h})
	}
	sets := mergeSharingTasks(clusterByTime(items, e.gap()))
	return e.placeUndated(sets, undated, undatedBlockers, undatedHeld, e.owners)
}

// gap is the silence that separates incidents: three of the hung-task
// detector's intervals (the shortest "blocked for more than N seconds"
// seen), or three sampling intervals, and never under 30 s.
func (e *Evidence) gap() float64 {
	g := math.Inf(1)
	for _, ta := range e.order {
		for _, sa := range ta.stacks {
			for _, r := range sa.runs {
				if r.end > r.start && sa.hung > 0 {
					g = min(g, r.end-r.start)
				}
			}
		}
	}
	var times []float64
	for _, s := range e.sOrder {
		times = append(times, s.time)
	}
	slices.Sort(times)
	for i := 1; i < len(times); i++ {
		if d := times[i] - times[i-1]; d > 0 {
			g = min(g, d)
		}
	}
	if math.IsInf(g, 1) {
		return incidentGap
	}
	return max(3*g, 30)
}

// clusterByTime sweeps the items of each clock in time order, starting a
// new set after a silence longer than gap.
func clusterByTime(items []*dated, gap float64) [][]*dated {
	slices.SortStableFunc(items, func(a, b *dated) int {
		if c := cmp.Compare(a.clock, b.clock); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	var sets [][]*dated
	var cur []*dated
	end, clock := 0.0, ""
	for _, it := range items {
		slack := gap
		if it.fresh {
			slack = 0
		}
		if len(cur) > 0 && (it.clock != clock || it.start > end+slack) {
			sets = append(sets, cur)
			cur = nil
		}
		if len(cur) == 0 {
			end, clock = it.end, it.clock
		}
		cur = append(cur, it)
		end = max(end, it.end)
	}
	if len(cur) > 0 {
		sets = append(sets, cur)
	}
	return sets
}

// mergeSharingTasks joins time sets that share a task: the same stall
// seen again after a silence (the detector stops after
// hung_task_warnings reports; a sampler runs later), or on another clock.
func mergeSharingTasks(sets [][]*dated) []*incidentSet {
	parent := make([]int, len(sets))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[stallKey]int{}
	for i, s := range sets {
		for _, it := range s {
			for _, k := range it.keys {
				if j, ok := owner[k]; ok {
					parent[find(i)] = find(j)
				} else {
					owner[k] = i
				}
			}
		}
	}
	byRoot := map[int]*incidentSet{}
	var out []*incidentSet
	for i, s := range sets {
		r := find(i)
		is := byRoot[r]
		if is == nil {
			is = &incidentSet{}
			byRoot[r] = is
			out = append(out, is)
		}
		for _, it := range s {
			is.add(it)
		}
	}
	return out
}

func (is *incidentSet) add(it *dated) {
	switch {
	case it.ep != nil:
		is.episodes = append(is.episodes, it.ep)
	case it.blocker != nil:
		is.blockers = append(is.blockers, it.blocker)
	case it.held != nil:
		is.held = append(is.held, it.held)
	}
	if !is.dated {
		is.clock, is.first, is.last, is.dated = it.clock, it.start, it.end, true
		return
	}
	if it.clock == is.clock {
		is.first, is.last = min(is.first, it.start), max(is.last, it.end)
	}
}

// placeUndated puts observations without a time into the incident that
// shares most of their tasks, or the only one; the rest make an incident
// of their own.
func (e *Evidence) placeUndated(sets []*incidentSet, eps []*episode, bs []*blockerAcc, hs []*heldAcc, os []Owner) []*incidentSet {
	if len(eps)+len(bs)+len(hs)+len(os) == 0 {
		return sets
	}
	member := map[taskKey][]int{}
	for i, s := range sets {
		for _, ep := range s.episodes {
			member[ep.task.key] = append(member[ep.task.key], i)
		}
		for _, b := range s.blockers {
			member[taskKey{pid: b.PID}] = append(member[taskKey{pid: b.PID}], i)
			member[taskKey{pid: b.OwnerPID}] = append(member[taskKey{pid: b.OwnerPID}], i)
		}
		for _, h := range s.held {
			member[taskKey{pid: h.pid}] = append(member[taskKey{pid: h.pid}], i)
		}
	}
	// The files the dated observations come from.
	datedFiles := map[string]bool{}
	for _, s := range sets {
		for _, ep := range s.episodes {
			datedFiles[fileOf(ep.stack.source)] = true
		}
	}
	var rest *incidentSet
	restOf := func() *incidentSet {
		if rest == nil {
			rest = &incidentSet{}
		}
		return rest
	}
	pick := func(keys ...taskKey) *incidentSet {
		votes := map[int]int{}
		best, bestN := -1, 0
		for _, k := range keys {
			for _, i := range member[k] {
				votes[i]++
				if votes[i] > bestN || votes[i] == bestN && i > best {
					best, bestN = i, votes[i]
				}
			}
		}
		switch {
		case best >= 0:
			return sets[best]
		case len(sets) == 1:
			return sets[0]
		}
		return restOf()
	}
	for _, ep := range eps {
		// A stack that names no task and carries no time, pasted into a
		// text whose other observations are dated, is tied to them by
		// nothing: another capture (another machine, another day).
		if ep.task.key.place != "" && datedFiles[fileOf(ep.task.key.place)] {
			s := restOf()
			s.episodes = append(s.episodes, ep)
			continue
		}
		s := pick(ep.task.key)
		s.episodes = append(s.episodes, ep)
	}
	for _, b := range bs {
		s := pick(taskKey{pid: b.PID}, taskKey{pid: b.OwnerPID})
		s.blockers = append(s.blockers, b)
	}
	for _, h := range hs {
		s := pick(taskKey{pid: h.pid})
		s.held = append(s.held, h)
	}
	// Crash owner fields go with the episodes of the same transcript,
	// placed above, so they are placed last.
	for _, ep := range eps {
		for i, s := range sets {
			if slices.Contains(s.episodes, ep) {
				member[ep.task.key] = append(member[ep.task.key], i)
			}
		}
	}
	for _, o := range os {
		s := pick(taskKey{pid: o.PID})
		s.owners = append(s.owners, o)
	}
	if rest != nil {
		sets = append(sets, splitByMachine(rest)...)
	}
	return sets
}

// splitByMachine cuts undated observations that nothing ties to a dated
// incident where, in the order of the text, the stacks' addresses change
// width: a kernel prints addresses of one width, so a 32-bit stack and a
// 64-bit one come from two machines (two boards' logs pasted in one
// mail). What shows no address goes with the stacks before it.
func splitByMachine(s *incidentSet) []*incidentSet {
	type item struct {
		file  string
		line  int
		bits  int
		place func(*incidentSet)
	}
	var items []item
	add := func(src string, bits int, place func(*incidentSet)) {
		file, line := splitLoc(src)
		items = append(items, item{file, line, bits, place})
	}
	widths := map[int]bool{}
	for _, ep := range s.episodes {
		if b := ep.task.addrBits; b != 0 {
			widths[b] = true
		}
		add(ep.stack.source, ep.task.addrBits, func(t *incidentSet) { t.episodes = append(t.episodes, ep) })
	}
	if len(widths) < 2 {
		return []*incidentSet{s}
	}
	for _, b := range s.blockers {
		add(b.Source, 0, func(t *incidentSet) { t.blockers = append(t.blockers, b) })
	}
	for _, h := range s.held {
		add(h.source, 0, func(t *incidentSet) { t.held = append(t.held, h) })
	}
	for _, o := range s.owners {
		add(o.Source, 0, func(t *incidentSet) { t.owners = append(t.owners, o) })
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.file, b.file); c != 0 {
			return c
		}
		return cmp.Compare(a.line, b.line)
	})
	var out []*incidentSet
	cur, bits := &incidentSet{}, 0
	for _, it := range items {
		if it.bits != 0 && bits != 0 && it.bits != bits {
			out = append(out, cur)
			cur, bits = &incidentSet{}, 0
		}
		if bits == 0 {
			bits = it.bits
		}
		it.place(cur)
	}
	return append(out, cur)
}

// splitLoc reads a "file:line" location; line is 0 when there is none.
func splitLoc(loc string) (string, int) {
	i := strings.LastIndexByte(loc, ':')
	if i <= 0 {
		return loc, 0
	}
	n, err := strconv.Atoi(loc[i+1:])
	if err != nil {
		return loc, 0
	}
	return loc[:i], n
}

// orderIncidents puts the latest incident first; undated ones last.
func orderIncidents(sets []*incidentSet) {
	slices.SortStableFunc(sets, func(a, b *incidentSet) int {
		switch {
		case a.dated && !b.dated:
			return -1
		case !a.dated && b.dated:
			return 1
		case !a.dated:
			return 0
		}
		return cmp.Compare(b.last, a.last)
	})
}

// fileOf is the file of a "file:line" location.
func fileOf(loc string) string {
	if i := strings.LastIndexByte(loc, ':'); i > 0 {
		return loc[:i]
	}
	return loc
}
