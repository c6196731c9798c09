package correlate

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/locks"
)

// A task's story joins what every source of its host says of one PID.
// The hung-task detector, /proc/PID/stack and strace -f all name tasks by
// their thread ID, so a thread of a multi-threaded process is joined by
// its TID, and named as a thread of its process when a source says so
// (strace's clone(CLONE_THREAD), a task line's tgid). A row reads:
//
//	26760 (ls): getdents64 of dir5k blocked 49.37 s (B.strace:138); waits
//	for L1 (dir i_rwsem) in read mode at iterate_dir (B.stacks:40, 3
//	samples); absent from the hung-task reports (killable)

// join builds the task stories of one host.
type join struct {
	h     *HostInput
	hr    HostReport
	hc    *hostClock
	inc   *locks.Incident
	byPID map[int]*JoinedTask
	order []int
	procs map[int]Proc
	// reported: the host's kernel log has hung-task reports.
	reported bool
	// alias maps the PID of a trace that names none (negative) to the
	// task it was joined to.
	alias map[int]int
}

func newJoin(h *HostInput, hr HostReport, hc *hostClock) *join {
	j := &join{h: h, hr: hr, hc: hc, inc: Latest(hr.Locks), byPID: map[int]*JoinedTask{}, procs: map[int]Proc{}, alias: map[int]int{}}
	if h.Activity != nil {
		for _, p := range h.Activity.Procs() {
			j.procs[p.PID] = p
		}
	}
	for _, kinds := range h.Seen {
		if s := kinds[KindDmesg]; s != nil && s.Reports > 0 {
			j.reported = true
		}
	}
	return j
}

func (j *join) get(pid int, comm string) *JoinedTask {
	t := j.byPID[pid]
	if t == nil {
		t = &JoinedTask{Host: j.h.Label, PID: pid, Role: locks.Other}
		j.byPID[pid] = t
		j.order = append(j.order, pid)
	}
	if t.Comm == "" {
		t.Comm = comm
	}
	return t
}

// fromLocks takes each task's role from the latest incident.
func (j *join) fromLocks() {
	if j.inc == nil {
		return
	}
	for _, tr := range j.inc.Tasks {
		if tr.PID == nil {
			continue
		}
		t := j.get(*tr.PID, tr.Comm)
		t.Role, t.Lock, t.Mode, t.WaitsIn, t.Killable, t.Running = tr.Role, tr.Lock, tr.Mode, tr.WaitsIn, tr.Killable, tr.Running
	}
}

// fromSightings joins every task a kernel source saw.
func (j *join) fromSightings() {
	for _, pid := range sortedPIDs(j.h.Seen) {
		t := j.get(pid, j.kernelComm(pid))
		for _, k := range []string{KindDmesg, KindProcStack, KindCrash} {
			if s := j.h.Seen[pid][k]; s != nil {
				t.Sources = appendSource(t.Sources, TaskSource{Kind: k, Loc: s.First})
				if s.TGID != 0 && t.TGID == 0 {
					t.TGID = s.TGID
				}
			}
		}
	}
}

// matchUnnamed joins each trace that names no PID (strace without -f) to
// the one task the kernel sources saw with its command name, stuck while
// one of its calls ran.
func (j *join) matchUnnamed() {
	for _, u := range sortedPIDs(j.procs) {
		p := j.procs[u]
		if u >= 0 || p.Comm == "" {
			continue
		}
		var cands []int
		for _, pid := range sortedPIDs(j.h.Seen) {
			if _, traced := j.procs[pid]; traced || !sameComm(j.commOf(pid), p.Comm) {
				continue
			}
			if q := p; len(j.overlapping(pid, q)) > 0 {
				cands = append(cands, pid)
			}
		}
		if len(cands) == 1 {
			j.alias[u] = cands[0]
			q := p
			q.PID = cands[0]
			q.Long = renumber(q.Long, cands[0])
			if q.InFlight != nil {
				c := *q.InFlight
				c.PID = cands[0]
				q.InFlight = &c
			}
			delete(j.procs, u)
			j.procs[cands[0]] = q
		}
	}
}

func renumber(cs []Call, pid int) []Call {
	out := slices.Clone(cs)
	for i := range out {
		out[i].PID = pid
	}
	return out
}

// commOf is the command name the kernel sources give a task.
func (j *join) commOf(pid int) string {
	if t := j.byPID[pid]; t != nil && t.Comm != "" {
		return t.Comm
	}
	return j.kernelComm(pid)
}

// kernelComm is the command name the kernel evidence gives pid, if any.
func (j *join) kernelComm(pid int) string {
	if j.h.Locks == nil {
		return ""
	}
	return j.h.Locks.Comm(pid)
}

// sameComm compares a kernel command name, cut at 15 bytes (TASK_COMM_LEN),
// with a program name from execve.
func sameComm(kernel, prog string) bool {
	if kernel == "" || prog == "" {
		return false
	}
	if len(prog) > 15 {
		prog = prog[:15]
	}
	return kernel == prog
}

// fromStrace joins the strace calls of each task, and the processes only
// strace saw stuck in a call.
func (j *join) fromStrace() {
	j.matchUnnamed()
	for _, c := range j.hr.InFlight {
		if pid, ok := j.alias[c.PID]; ok {
			j.get(pid, "")
			continue
		}
		j.get(c.PID, "")
	}
	for _, pid := range j.order {
		t := j.byPID[pid]
		p, ok := j.procs[pid]
		if !ok {
			continue
		}
		t.Unnamed = slices.ContainsFunc(sortedPIDs(j.alias), func(u int) bool { return j.alias[u] == pid })
		if t.Comm == "" {
			t.Comm = p.Comm
		}
		if t.TGID == 0 && p.TGID != 0 {
			t.TGID = p.TGID
		}
		t.Calls = j.calls(pid, p)
		for _, c := range t.Calls {
			t.Sources = appendSource(t.Sources, TaskSource{Kind: KindStrace, Loc: c.File + ":" + strconv.Itoa(c.Line)})
		}
		if len(t.Calls) == 0 {
			t.Sources = appendSource(t.Sources, TaskSource{Kind: KindStrace, Loc: p.File})
		}
	}
}

// kernelSpan is when the kernel sources saw the task stuck, on the host's
// clock; ok is false when they saw it on no clock the strace shares.
func (j *join) kernelSpan(pid int) (clock Clock, from, to float64, ok bool) {
	for _, k := range []string{KindDmesg, KindProcStack} {
		s := j.h.Seen[pid][k]
		if s == nil {
			continue
		}
		for c, sp := range s.Spans {
			cl, a := j.hc.kernelAt(c, sp.From)
			_, b := j.hc.kernelAt(c, sp.To)
			if cl != Wall {
				continue
			}
			if !ok {
				clock, from, to, ok = cl, a, b, true
			}
			from, to = min(from, a), max(to, b)
		}
	}
	return clock, from, to, ok
}

// hasKernel reports whether a kernel source saw pid.
func (j *join) hasKernel(pid int) bool {
	return j.h.Seen[pid][KindDmesg] != nil || j.h.Seen[pid][KindProcStack] != nil || j.h.Seen[pid][KindCrash] != nil
}

// calls picks the strace calls of a task's story: those that overlap the
// kernel's observations of it (within a second), or, without a common
// clock, the one in flight and the longest.
func (j *join) calls(pid int, p Proc) []Call {
	cands := slices.Clone(p.Long)
	if p.InFlight != nil {
		cands = append([]Call{*p.InFlight}, cands...)
	}
	if !j.hasKernel(pid) {
		if p.InFlight != nil {
			return []Call{*p.InFlight}
		}
		return nil
	}
	_, _, _, ok := j.kernelSpan(pid)
	out := j.overlapping(pid, p)
	if ok && len(out) > 0 {
		return out
	}
	if ok && slices.ContainsFunc(cands, func(c Call) bool {
		cl, _ := j.hc.straceAt(c.File, c.Entry)
		return c.HasEntry && cl == Wall
	}) {
		return nil // on one clock, and nothing overlaps: none is the stall
	}
	// No common clock: the call in flight and the longest.
	if len(cands) > 2 {
		cands = cands[:2]
	}
	return cands
}

// overlapping are the calls of p (in flight first, then the longest) that
// overlap, within a second, the kernel's observations of pid on the wall
// clock.
func (j *join) overlapping(pid int, p Proc) []Call {
	_, from, to, ok := j.kernelSpan(pid)
	if !ok {
		return nil
	}
	cands := slices.Clone(p.Long)
	if p.InFlight != nil {
		cands = append([]Call{*p.InFlight}, cands...)
	}
	var out []Call
	for _, c := range cands {
		if !c.HasEntry {
			continue
		}
		cl, start := j.hc.straceAt(c.File, c.Entry)
		if cl != Wall {
			continue
		}
		end := math.Inf(1)
		if !c.Unfinished {
			end = start + float64(c.Duration)/1e9
		}
		if start <= to+1 && end >= from-1 {
			out = append(out, c)
		}
	}
	return out
}

// finish writes each task's story and sorts the tasks: holders, waiters,
// others, each by PID.
func (j *join) finish() []JoinedTask {
	out := make([]JoinedTask, 0, len(j.order))
	for _, pid := range j.order {
		t := j.byPID[pid]
		j.story(t)
		out = append(out, *t)
	}
	slices.SortStableFunc(out, func(a, b JoinedTask) int {
		if c := cmp.Compare(roleRank(a.Role), roleRank(b.Role)); c != 0 {
			return c
		}
		return a.PID - b.PID
	})
	return out
}

// story writes the clauses of a task's row.
func (j *join) story(t *JoinedTask) {
	var cl []string
	if t.TGID != 0 && t.TGID != t.PID {
		comm := j.procs[t.TGID].Comm
		if comm == "" {
			comm = j.kernelComm(t.TGID)
		}
		if comm != "" {
			cl = append(cl, fmt.Sprintf("thread of process %d (%s)", t.TGID, comm))
		} else {
			cl = append(cl, fmt.Sprintf("thread of process %d", t.TGID))
		}
	}
	_, _, _, common := j.kernelSpan(t.PID)
	for _, c := range t.Calls {
		cl = append(cl, j.callClause(c, common && j.hasKernel(t.PID)))
	}
	if t.Unnamed && len(t.Calls) > 0 {
		cl = append(cl, fmt.Sprintf("%s names no PID: joined by its command and the time of its call", t.Calls[0].File))
	}
	if len(t.Calls) == 0 && j.hasKernel(t.PID) {
		if p, ok := j.procs[t.PID]; ok {
			cl = append(cl, fmt.Sprintf("traced in %s, where no call of it overlaps the kernel's observations", p.File))
		}
	}
	if c := j.kernelClause(t); c != "" {
		cl = append(cl, c)
	}
	if c := j.detectorClause(t); c != "" {
		cl = append(cl, c)
	}
	t.Story = cl
	name := strconv.Itoa(t.PID)
	if t.Comm != "" {
		name += " (" + t.Comm + ")"
	}
	if len(cl) == 0 {
		t.Summary = name
	} else {
		t.Summary = name + ": " + strings.Join(cl, "; ")
	}
	t.Shape = string(t.Role) + "|" + locRE.ReplaceAllString(strings.Join(cl, "; "), "")
}

// locRE matches a parenthesis that locates evidence: "(B.strace:138)",
// "(B.stacks:40, 3 samples)".
var locRE = regexp.MustCompile(` ?\([^()]*:\d+[^()]*\)`)

// callClause tells one strace call: "getdents64 of dir5k blocked 49.37 s
// (B.strace:138)". blocked says the kernel saw the task stuck during it.
func (j *join) callClause(c Call, blocked bool) string {
	loc := c.File + ":" + strconv.Itoa(c.Line)
	d := fmtDuration(float64(c.Duration) / 1e9)
	verb := "took"
	if blocked {
		verb = "blocked"
	}
	switch {
	case c.Unfinished && c.HasEntry:
		return fmt.Sprintf("in %s for %s when its trace ended (%s)", callWhat(c), d, loc)
	case c.Unfinished:
		return fmt.Sprintf("in %s when its trace ended (%s)", callWhat(c), loc)
	case c.UntilNext:
		return fmt.Sprintf("%s %s up to %s (%s; no return stamp)", callWhat(c), verb, d, loc)
	}
	s := fmt.Sprintf("%s %s %s (%s)", callWhat(c), verb, d, loc)
	if !blocked && j.hasKernel(c.PID) {
		s += ", on a clock the kernel sources do not share"
	}
	return s
}

// kernelClause tells what the kernel sources say of the task's place in
// the lock pile-up, with where they say it.
func (j *join) kernelClause(t *JoinedTask) string {
	loc := j.kernelLocs(t.PID)
	if loc == "" {
		return ""
	}
	switch t.Role {
	case locks.Holder:
		if t.Running {
			return fmt.Sprintf("holds %s for %s, running (%s printed its stack) (%s)", lockName(j.inc, t.Lock), modeWord(t.Mode), t.WaitsIn, loc)
		}
		return fmt.Sprintf("holds %s for %s, asleep in %s (%s)", lockName(j.inc, t.Lock), modeWord(t.Mode), t.WaitsIn, loc)
	case locks.Waiter:
		site := t.WaitsIn
		for _, tr := range j.inc.Tasks {
			if tr.PID != nil && *tr.PID == t.PID && tr.Site != "" {
				site = tr.Site
			}
		}
		mode := "in " + modeWord(t.Mode) + " mode"
		if t.Mode == locks.ModeUnknown {
			mode = "(mode not shown)"
		}
		return fmt.Sprintf("waits for %s %s at %s (%s)", lockName(j.inc, t.Lock), mode, site, loc)
	}
	if t.Running {
		return fmt.Sprintf("running (%s printed its stack), on no lock of the incident (%s)", t.WaitsIn, loc)
	}
	if t.WaitsIn != "" && t.WaitsIn != "(stack not shown)" {
		return fmt.Sprintf("asleep in %s, on no lock of the incident (%s)", t.WaitsIn, loc)
	}
	return fmt.Sprintf("named by the kernel sources (%s)", loc)
}

// kernelLocs locates a task's kernel sightings: "B.dmesg:1, 3 records;
// B.stacks:40, 3 samples; crash.txt:30, crash".
func (j *join) kernelLocs(pid int) string {
	var parts []string
	if s := j.h.Seen[pid][KindDmesg]; s != nil {
		p := s.First
		if s.Count > 1 {
			p += ", " + plural(s.Count, "record")
		}
		parts = append(parts, p)
	}
	if s := j.h.Seen[pid][KindProcStack]; s != nil {
		parts = append(parts, s.First+", "+plural(s.Count, "sample"))
	}
	if s := j.h.Seen[pid][KindCrash]; s != nil {
		parts = append(parts, s.First+", crash")
	}
	return strings.Join(parts, "; ")
}

// detectorClause says whether the hung-task detector reported the task.
func (j *join) detectorClause(t *JoinedTask) string {
	s := j.h.Seen[t.PID][KindDmesg]
	if s != nil && s.Reports > 0 {
		c := "reported hung " + times(s.Reports)
		if r := s.FirstReport; r != nil {
			c += fmt.Sprintf(", first after %s s blocked (%s)", strconv.FormatFloat(r.Blocked, 'f', -1, 64), r.Source)
		}
		return c
	}
	if !j.reported || t.Role == locks.Other {
		return ""
	}
	if t.Killable {
		return "absent from the hung-task reports (killable: the detector skips such sleeps)"
	}
	return "absent from the hung-task reports"
}

// verdict writes the "what happened" paragraph from the evidence alone: at
// most three sentences, how much slower, who holds what and why, and the
// known issue with its fix. The details are the report's sections.
func verdict(r *Report) string {
	var parts []string
	for _, s := range []string{slowdownSentence(r), lockSentence(r), hintSentence(r)} {
		if s != "" {
			parts = append(parts, sentence(s))
		}
	}
	if len(parts) == 0 {
		return "The sources show neither a slower listing nor tasks piled up on a lock."
	}
	return strings.Join(parts, " ")
}

// slowdownSentence says how much slower the slowest host listed than the
// baseline, or, with one host, how its largest listing went, or its
// slowest call.
func slowdownSentence(r *Report) string {
	if c := r.Compare; c != nil {
		var slowest *HostResult
		for i, h := range c.Hosts {
			s := c.Slowdown[h.Label]
			if h.Label == c.Baseline || !s.HasFinal {
				continue
			}
			if slowest == nil || s.Final > c.Slowdown[slowest.Label].Final {
				slowest = &c.Hosts[i]
			}
		}
		if slowest == nil {
			return ""
		}
		s := c.Slowdown[slowest.Label]
		p := fmt.Sprintf("%s listed %s %s %s", slowest.Label, slowest.Dir, RatioWords(s.Final), c.Baseline)
		var why []string
		if c.BaselineChoice == BaselineFastest {
			why = append(why, c.Baseline+", the fastest, is the baseline")
		}
		if c.AlignedBy == AlignByNames {
			why = append(why, fmt.Sprintf("%s file names aligned", thousands(c.Common)))
		} else {
			why = append(why, fmt.Sprintf("aligned by entry count over %s entries, as a trace captured without -v prints counts only", thousands(c.Common)))
		}
		p += " (" + strings.Join(why, "; ") + ")"
		if !slowest.Complete {
			p += fmt.Sprintf(", and its trace ended before the listing did (%d entries read; %s listed %d)", slowest.Entries, c.Baseline, c.Hosts[0].Entries)
		}
		return p
	}
	for _, h := range r.Hosts {
		var best *ListingSummary
		for i, l := range h.Listings {
			if best == nil || l.Entries > best.Entries {
				best = &h.Listings[i]
			}
		}
		if best != nil {
			return listingSentence(h.Label, *best)
		}
	}
	for _, h := range r.Hosts {
		if len(h.Slow) > 0 {
			c := h.Slow[0]
			return fmt.Sprintf("The slowest call on %s: %s %s (%s:%d)", h.Label, callWhat(c), callOutcome(c), c.File, c.Line)
		}
	}
	return ""
}

// listingSentence tells one listing: "B listed /d: 5003 entries in
// 38.84 s (129 entries/s), to the end of the directory".
func listingSentence(host string, l ListingSummary) string {
	p := fmt.Sprintf("%s listed %s: %s in %s", host, l.Dir, plural(l.Entries, "entry"), plural(l.Calls, "getdents call"))
	if l.Timed {
		p = fmt.Sprintf("%s listed %s: %s in %s", host, l.Dir, plural(l.Entries, "entry"), fmtDuration(l.Duration))
		if l.Rate > 0 {
			p += fmt.Sprintf(" (%s entries/s)", strconv.FormatFloat(l.Rate, 'f', 0, 64))
		}
	}
	switch {
	case l.Err != "":
		p += ", until getdents64 failed with " + l.Err
	case l.Complete:
		p += ", to the end of the directory"
	default:
		p += ", and the trace ends before the end of the directory"
	}
	return strings.Replace(p, "entrys", "entries", 1)
}

// RatioWords says a ratio against a baseline honestly: "12.54x slower
// than", "as fast as", "2.00x faster than" (for 0.5).
func RatioWords(v float64) string {
	switch {
	case math.IsInf(v, 0) || math.IsNaN(v):
		return "at an unknown ratio to"
	case v >= 1.005:
		return fmtRatio(v) + " slower than"
	case v > 0 && v <= 0.995:
		return fmtRatio(1/v) + " faster than"
	}
	return "as fast as"
}

// lockSentence says who holds what and why, on the first host with a lock
// pile-up.
func lockSentence(r *Report) string {
	for _, hr := range r.Hosts {
		la := Latest(hr.Locks)
		if la == nil {
			continue
		}
		if len(la.Cycles) > 0 {
			return fmt.Sprintf("On %s, %s", hr.Label, firstSentence(la.Cycles[0].Text))
		}
		for i, l := range la.Locks {
			waiters := len(l.Waiters) + l.Unnamed
			if waiters == 0 && len(l.Holders) == 0 {
				continue
			}
			what := l.Kind
			if what == "" {
				what = l.Type
			}
			if l.Name != "" {
				what = l.Name
			}
			if what == "" {
				what = "a lock"
			}
			if l.Site != "" {
				what += " taken in " + l.Site
			}
			var p string
			if len(l.Holders) > 0 {
				var hs []string
				sleeps := "sleeps in "
				for _, pid := range l.Holders {
					for _, t := range la.Tasks {
						if t.PID != nil && *t.PID == pid {
							hs = append(hs, strings.TrimSpace(t.Comm+" "+strconv.Itoa(pid)))
							sleeps = t.Asleep()
						}
					}
				}
				p = fmt.Sprintf("On %s, %s holds %s, the %s, and %s; %s for it", hr.Label, joinNames(hs), l.ID, what, sleeps, plural(waiters, "task")+" wait")
				if waiters == 1 {
					p = strings.Replace(p, "1 task wait", "1 task waits", 1)
				}
			} else {
				p = fmt.Sprintf("On %s, %s for %s, the %s, whose holder is not visible in these sources", hr.Label, plural(waiters, "task")+" wait", l.ID, what)
			}
			if l.Object != "" {
				p += ", all on inode " + l.Object
			}
			p += fmt.Sprintf(" (confidence: %s)", l.Confidence)
			if more := len(la.Locks) - i - 1; more > 0 {
				p += fmt.Sprintf("; %s more in the locks section", plural(more, "lock"))
			}
			return p
		}
	}
	return ""
}

// hintSentence names the first known behaviour matched, with the first
// sentence of its fix.
func hintSentence(r *Report) string {
	if len(r.Hints) == 0 {
		return ""
	}
	h := r.Hints[0]
	p := fmt.Sprintf("This is a known behaviour, %s [%s]", strings.TrimSuffix(h.Title, "."), h.ID)
	if fix := firstSentence(h.Fix); fix != "" {
		p += ": " + lowerFirst(strings.TrimSuffix(fix, "."))
	}
	if n := len(r.Hints) - 1; n > 0 {
		p += fmt.Sprintf(" (%s more below)", plural(n, "hint"))
	}
	return p
}

// firstSentence is s up to its first full stop that ends a sentence.
func firstSentence(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && i+2 < len(s) && s[i+2] >= 'A' && s[i+2] <= 'Z' {
			return s[:i+1]
		}
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' || len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// sentence ends s with a full stop unless it has one.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

func fmtRatio(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "x"
}
