package correlate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lagtrace/lagtrace/correlate/kernel"
	"github.com/lagtrace/lagtrace/correlate/locks"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// ReportSchema versions the JSON of a report (docs/report-json.md).
const ReportSchema = "lagtrace.report/v1"

// Clock names the clock a timeline time is on.
type Clock string

// The clocks sources carry.
const (
	// Wall is Unix time: strace -ttt, wall-clock log prefixes, and boot
	// times put on the wall clock through an anchor.
	Wall Clock = "wall"
	// Boot is seconds since the host booted: dmesg's "[316100.086897]".
	Boot Clock = "boot"
	// TraceClock is a strace clock that is not Unix time (-t/-tt time of
	// day, -r relative): comparable only within its own trace.
	TraceClock Clock = "trace"
)

// SourceFile is one input file and what it was read as.
type SourceFile struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
	// Paste names the decorations of a pasted text the reader removed
	// ("quote", "indent", "fence", "prompt", "wrap", "prose").
	Paste []string `json:"paste,omitempty"`
}

// TimedEvent is one dated fact from a source.
type TimedEvent struct {
	Clock Clock
	// Time is seconds on Clock.
	Time   float64
	PID    int
	Comm   string
	What   string
	Source string // file:line
	// Kind groups events that say the same thing of a task ("hung-task
	// report", "stack sample: in iterate_dir"), whatever the numbers in
	// What.
	Kind string
	// More counts the events like this one that were seen after it and
	// are not kept.
	More int
}

// eventLog keeps, per task and kind of event, the first few events and the
// last one, and counts the rest: the hung-task detector repeats its report
// every check for as long as a task is stuck, and a stack sampler every
// pass, so what is worth a timeline is bounded by the tasks, not the input.
type eventLog struct {
	runs  map[eventKey]*eventRun
	order []eventKey
}

type eventKey struct {
	pid  int
	kind string
}

type eventRun struct {
	kept []TimedEvent
	last TimedEvent
	n    int
}

// keepEvents is how many events of one task and kind the timeline shows
// from the start; the last one is kept too.
const keepEvents = 3

func (l *eventLog) add(e TimedEvent) {
	if l.runs == nil {
		l.runs = map[eventKey]*eventRun{}
	}
	k := eventKey{e.PID, e.Kind}
	r := l.runs[k]
	if r == nil {
		r = &eventRun{}
		l.runs[k] = r
		l.order = append(l.order, k)
	}
	r.n++
	if len(r.kept) < keepEvents {
		r.kept = append(r.kept, e)
		return
	}
	r.last = e
}

// Events returns the host's dated events, bounded: per task and kind the
// first few, then the last one with More counting those left out.
func (h *HostInput) Events() []TimedEvent {
	var out []TimedEvent
	for _, k := range h.events.order {
		r := h.events.runs[k]
		out = append(out, r.kept...)
		if r.n > len(r.kept) {
			last := r.last
			last.More = r.n - len(r.kept) - 1
			out = append(out, last)
		}
	}
	return out
}

// Anchor relates the boot clock to the wall clock: wall = boot + Offset.
type Anchor struct {
	Offset float64
	// Uncertainty is in seconds; Method says where the anchor came from.
	Uncertainty float64
	Method      string
}

// HostInput is everything read for one host.
type HostInput struct {
	Label string
	Files []SourceFile
	// Listing and Activity are fed from the host's strace files, if any.
	Listing    *Listing
	Activity   *Activity
	StraceFile string
	// Locks gathers the kernel's evidence of who holds and who waits:
	// stacks, blocker lines, lockdep lists, crash owner fields.
	Locks *locks.Evidence
	// Seen counts, per PID and kind of source, the observations of each
	// task, for the report's task stories.
	Seen map[int]map[string]*Sighting
	// events dates the observations for the timeline, bounded per task
	// and kind of event (see addEvent).
	events eventLog
	// Anchor is set when the boot clock could be put on the wall clock.
	Anchor *Anchor
	// MaxLine is the longest line the readers keep (see lines.DefaultMax).
	MaxLine int
	// Scrub, when set, is called on every record a reader yields (a
	// *strace.Event, *dmesg.Record, *procstack.Sample or crash.Record)
	// before anything is built from it: --redact rewrites the strings
	// that identify the customer there (package redact).
	Scrub func(rec any)
}

// bootToWall converts boot-clock times with the anchor; nil without one.
func (a *Anchor) bootToWall() func(float64) (float64, bool) {
	if a == nil {
		return nil
	}
	return func(t float64) (float64, bool) { return t + a.Offset, true }
}

// InferLocks reads the host's kernel evidence into incidents and locks,
// putting kernel times on the wall clock when an anchor allows it.
func (h *HostInput) InferLocks() *locks.Analysis {
	if h.Locks == nil {
		return locks.NewEvidence().Infer(locks.Options{})
	}
	return h.Locks.Infer(locks.Options{BootToWall: h.Anchor.bootToWall()})
}

// Latest is the latest incident of an analysis, nil when there is none.
func Latest(la *locks.Analysis) *locks.Incident {
	if la == nil || len(la.Incidents) == 0 {
		return nil
	}
	return &la.Incidents[0]
}

// HasListing reports whether the host's strace lists a directory.
func (h *HostInput) HasListing() bool { return h.Listing != nil && h.Listing.Calls() > 0 }

// ReportOptions configure BuildReport.
type ReportOptions struct {
	Compare CompareOptions
	Hints   []kernel.Hint
	// MaxEvents caps the timeline entries per host, PID and kind of fact,
	// so a log of thousands of repeated reports stays readable.
	MaxEvents int
	// MaxInFlight caps the calls in flight shown per host (the
	// longest-running); the rest are counted. 0 means 20.
	MaxInFlight int
}

// (MaxEvents now bounds the slow calls of the timeline only; events of the
// kernel sources are bounded as they are read, see eventLog.)

// Report is one incident: every host, every source, joined.
type Report struct {
	Hosts    []HostReport
	Compare  *Comparison
	Tasks    []JoinedTask
	Timeline []TimelineEntry
	Hints    []HostHint
	Verdict  string
	Warnings []string
}

// HostReport is one host's part of a Report.
type HostReport struct {
	Label string
	Files []SourceFile
	Locks *locks.Analysis
	// Clock says how boot times were put on the wall clock, or why not.
	Clock string
	// InFlight are calls still running when the host's strace ended (the
	// longest-running, at most ReportOptions.MaxInFlight); InFlightMore
	// counts the processes with one that are not listed.
	InFlight     []Call
	InFlightMore int
	// Slow are the slowest finished calls of its strace.
	Slow []Call
}

// JoinedTask is one task of one host with every source that saw it.
type JoinedTask struct {
	Host    string
	PID     int
	Comm    string
	Role    locks.Role
	Lock    string
	Mode    locks.Mode
	WaitsIn string
	Sources []TaskSource
	// Story is what each source says of the task, in words.
	Story []string
}

// TaskSource is one sighting of a task.
type TaskSource struct {
	Kind string `json:"kind"`
	Loc  string `json:"loc"`
}

// TimelineEntry is one dated line of the report.
type TimelineEntry struct {
	Host   string
	Clock  Clock
	Time   float64
	PID    int
	What   string
	Source string
}

// HostHint is a hint matched on one host.
type HostHint struct {
	Host string
	locks.HintMatch
}

// BuildReport joins the hosts' sources into a Report.
func BuildReport(hosts []*HostInput, opts ReportOptions) (*Report, error) {
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = 3
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 20
	}
	r := &Report{}
	var listed []Host
	for _, h := range hosts {
		if h.HasListing() {
			listed = append(listed, Host{Label: h.Label, File: h.StraceFile, Listing: h.Listing})
		}
	}
	if len(listed) >= 2 {
		co := opts.Compare
		if co.Baseline != "" && !slices.ContainsFunc(listed, func(h Host) bool { return h.Label == co.Baseline }) {
			return nil, fmt.Errorf("baseline %q has no strace listing", co.Baseline)
		}
		c, err := Compare(listed, co)
		if err != nil {
			return nil, err
		}
		r.Compare = c
	} else if len(listed) == 1 && len(hosts) > 1 {
		r.Warnings = append(r.Warnings, "only "+listed[0].Label+"'s strace lists a directory: no slowdown can be measured without a second host's listing")
	}

	for _, h := range hosts {
		hr := HostReport{Label: h.Label, Files: h.Files}
		if h.Locks != nil && !h.Locks.Empty() {
			hr.Locks = h.InferLocks()
			for _, m := range locks.MatchHints(hr.Locks, opts.Hints) {
				if m.Incident == hr.Locks.Incidents[0].ID {
					r.Hints = append(r.Hints, HostHint{Host: h.Label, HintMatch: m})
				}
			}
			if n := len(hr.Locks.Incidents); n > 1 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s's kernel sources hold %d separate incidents; the report is on the latest (%s); lagtrace locks --incident all shows every one", h.Label, n, hr.Locks.Incidents[0].ID))
			}
		}
		hr.Clock = clockNote(h)
		if h.Activity != nil {
			hr.InFlight, hr.InFlightMore = h.Activity.InFlight(opts.MaxInFlight)
			hr.Slow = h.Activity.Slow()
			r.Warnings = append(r.Warnings, activityWarnings(h.Label, hr, h.Activity)...)
		}
		r.Hosts = append(r.Hosts, hr)
		r.Tasks = append(r.Tasks, joinTasks(h, hr)...)
		r.Timeline = append(r.Timeline, timeline(h, hr, r.Compare, opts.MaxEvents)...)
	}
	sortTimeline(r.Timeline)
	r.Verdict = verdict(r)
	return r, nil
}

func clockNote(h *HostInput) string {
	hasBoot := slices.ContainsFunc(h.Events(), func(e TimedEvent) bool { return e.Clock == Boot })
	switch {
	case !hasBoot:
		return "all sources on the wall clock"
	case h.Anchor != nil:
		return fmt.Sprintf("kernel times put on the wall clock by %s (±%s s)", h.Anchor.Method, strconv.FormatFloat(h.Anchor.Uncertainty, 'g', 3, 64))
	}
	return "kernel times stay in seconds since boot: no wall-clock prefix, no --boot-time"
}

// joinTasks gives each PID of the host one entry with every source.
func joinTasks(h *HostInput, hr HostReport) []JoinedTask {
	byPID := map[int]*JoinedTask{}
	var order []int
	get := func(pid int, comm string) *JoinedTask {
		t := byPID[pid]
		if t == nil {
			t = &JoinedTask{Host: h.Label, PID: pid, Role: locks.Other}
			byPID[pid] = t
			order = append(order, pid)
		}
		if t.Comm == "" {
			t.Comm = comm
		}
		return t
	}
	if inc := Latest(hr.Locks); inc != nil {
		for _, tr := range inc.Tasks {
			if tr.PID == nil {
				continue
			}
			t := get(*tr.PID, tr.Comm)
			t.Role, t.Lock, t.Mode, t.WaitsIn = tr.Role, tr.Lock, tr.Mode, tr.WaitsIn
			switch tr.Role {
			case locks.Holder:
				t.Story = append(t.Story, fmt.Sprintf("holds %s (%s), sleeping in %s", lockName(inc, tr.Lock), modeWord(tr.Mode), tr.WaitsIn))
			case locks.Waiter:
				site := tr.Site
				if site == "" {
					site = tr.WaitsIn
				}
				t.Story = append(t.Story, fmt.Sprintf("waits for %s in %s mode at %s", lockName(inc, tr.Lock), modeWord(tr.Mode), site))
			}
		}
	}
	// Sources and per-kind stories, from the sightings.
	pids := make([]int, 0, len(h.Seen))
	for pid := range h.Seen {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	for _, pid := range pids {
		t := get(pid, h.Locks.Comm(pid))
		for _, k := range []string{KindDmesg, KindProcStack, KindCrash} {
			s := h.Seen[pid][k]
			if s == nil {
				continue
			}
			t.Sources = appendSource(t.Sources, TaskSource{Kind: k, Loc: s.First})
			switch {
			case k == KindDmesg && s.Reports > 0:
				t.Story = append(t.Story, fmt.Sprintf("reported by the hung-task detector %s (first at %s)", times(s.Reports), s.First))
			case k == KindDmesg:
				t.Story = append(t.Story, fmt.Sprintf("named by the kernel log %s (first at %s)", times(s.Count), s.First))
			case k == KindProcStack:
				t.Story = append(t.Story, fmt.Sprintf("%s in /proc/PID/stack snapshots (first at %s)", plural(s.Count, "stack sample"), s.First))
			case k == KindCrash:
				t.Story = append(t.Story, fmt.Sprintf("seen in the crash transcript (%s)", s.First))
			}
		}
	}
	reported := false
	for _, kinds := range h.Seen {
		if s := kinds[KindDmesg]; s != nil && s.Reports > 0 {
			reported = true
			break
		}
	}
	for _, pid := range order {
		t := byPID[pid]
		if s := h.Seen[pid][KindDmesg]; (s == nil || s.Reports == 0) && t.Role != locks.Other && reported {
			t.Story = append(t.Story, "absent from the hung-task reports")
		}
	}
	// strace: the call each task was inside when its trace ended.
	for _, c := range hr.InFlight {
		// A process only strace saw is joined too: it was stuck.
		t := get(c.PID, "")
		t.Sources = appendSource(t.Sources, TaskSource{Kind: "strace", Loc: h.StraceFile + ":" + strconv.Itoa(c.Line)})
		t.Story = append(t.Story, fmt.Sprintf("entered %s and was still inside when its strace ended, %s s later", callWhat(c), fmtSeconds(float64(c.Duration)/1e9)))
	}
	if h.Activity != nil {
		for _, p := range h.Activity.Procs() {
			if t, ok := byPID[p.PID]; ok && t.Comm == "" {
				t.Comm = p.Comm
			}
		}
	}
	out := make([]JoinedTask, 0, len(order))
	for _, pid := range order {
		out = append(out, *byPID[pid])
	}
	slices.SortStableFunc(out, func(a, b JoinedTask) int {
		if c := cmp.Compare(roleRank(a.Role), roleRank(b.Role)); c != 0 {
			return c
		}
		return a.PID - b.PID
	})
	return out
}

func roleRank(r locks.Role) int {
	switch r {
	case locks.Holder:
		return 0
	case locks.Waiter:
		return 1
	}
	return 2
}

func appendSource(ss []TaskSource, s TaskSource) []TaskSource {
	if slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}

func lockName(inc *locks.Incident, id string) string {
	for _, l := range inc.Locks {
		if l.ID == id {
			name := l.Kind
			if name == "" {
				name = l.Type
			}
			if name == "" {
				name = "a lock"
			}
			if l.Object != "" {
				name += " of inode " + l.Object
			}
			return name + " [" + id + "]"
		}
	}
	return id
}

func modeWord(m locks.Mode) string {
	if m == locks.ModeUnknown {
		return "unknown"
	}
	return string(m)
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func fmtSeconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

// timeline dates the host's facts. Repeated facts of one kind for one PID
// are capped at max entries (first ones kept) with a count on the last.
func timeline(h *HostInput, hr HostReport, c *Comparison, max int) []TimelineEntry {
	var out []TimelineEntry
	straceClock := Wall
	if h.Activity != nil && h.Activity.TimeKind() != strace.Epoch {
		straceClock = TraceClock
	}
	if h.Activity != nil && h.Activity.TimeKind() != strace.NoTime {
		if first, last, ok := h.Activity.Span(); ok {
			out = append(out,
				TimelineEntry{Host: h.Label, Clock: straceClock, Time: float64(first) / 1e9, What: "strace capture starts", Source: h.StraceFile},
				TimelineEntry{Host: h.Label, Clock: straceClock, Time: float64(last) / 1e9, What: "strace capture ends", Source: h.StraceFile})
		}
		for _, call := range hr.InFlight {
			out = append(out, TimelineEntry{Host: h.Label, Clock: straceClock, Time: float64(call.Entry) / 1e9, PID: call.PID,
				What: "enters " + callWhat(call) + "; still inside when the trace ends", Source: h.StraceFile + ":" + strconv.Itoa(call.Line)})
		}
		for i, call := range hr.Slow {
			if i == max {
				break
			}
			took := fmt.Sprintf("%s takes %s s", callWhat(call), fmtSeconds(float64(call.Duration)/1e9))
			if call.UntilNext {
				took = fmt.Sprintf("%s takes up to %s s (no return stamp; until the process's next event)", callWhat(call), fmtSeconds(float64(call.Duration)/1e9))
			}
			out = append(out, TimelineEntry{Host: h.Label, Clock: straceClock, Time: float64(call.Entry) / 1e9, PID: call.PID,
				What: took, Source: h.StraceFile + ":" + strconv.Itoa(call.Line)})
		}
	}
	if c != nil && h.HasListing() {
		for _, hres := range c.Hosts {
			if hres.Label != h.Label {
				continue
			}
			for _, d := range h.Listing.Listings() {
				if d.PID == hres.PID && d.Line == hres.Line {
					out = append(out, TimelineEntry{Host: h.Label, Clock: straceClock, Time: float64(d.Start) / 1e9, PID: d.PID,
						What: "first getdents64 on " + d.Path, Source: h.StraceFile + ":" + strconv.Itoa(d.Line)})
					end := "last getdents64 in the trace"
					if d.Complete {
						end = "listing complete"
					}
					out = append(out, TimelineEntry{Host: h.Label, Clock: straceClock, Time: float64(d.Last.Return) / 1e9, PID: d.PID,
						What: fmt.Sprintf("%s: %d entries", end, d.Entries), Source: h.StraceFile})
				}
			}
		}
	}
	for _, e := range h.Events() {
		clock, t := e.Clock, e.Time
		if clock == Boot && h.Anchor != nil {
			clock, t = Wall, t+h.Anchor.Offset
		}
		what := e.What
		if e.More > 0 {
			what += fmt.Sprintf(" (after %d more like it)", e.More)
		}
		out = append(out, TimelineEntry{Host: h.Label, Clock: clock, Time: t, PID: e.PID, What: what, Source: e.Source})
	}
	return out
}

func callWhat(c Call) string {
	if c.Path != "" {
		return c.Name + " on " + c.Path
	}
	return c.Name + "(" + shorten(c.Args, 40) + ")"
}

// sortTimeline orders by clock (wall, trace, boot), then by time.
func sortTimeline(tl []TimelineEntry) {
	rank := map[Clock]int{Wall: 0, TraceClock: 1, Boot: 2}
	sort.SliceStable(tl, func(i, j int) bool {
		a, b := tl[i], tl[j]
		if a.Clock != b.Clock {
			return rank[a.Clock] < rank[b.Clock]
		}
		if a.Time != b.Time {
			return a.Time < b.Time
		}
		return a.Host < b.Host
	})
}

// verdict writes the "what happened" paragraph from the evidence alone.
func verdict(r *Report) string {
	var parts []string
	if c := r.Compare; c != nil {
		for _, h := range c.Hosts {
			if h.Label == c.Baseline {
				continue
			}
			s := c.Slowdown[h.Label]
			if !s.HasFinal {
				continue
			}
			p := fmt.Sprintf("%s listed %s %s slower than %s", h.Label, h.Dir, fmtRatio(s.Final), c.Baseline)
			if s.HasRate {
				p += fmt.Sprintf(" (the rate between markers was %s; %d common file names compared)", fmtRatio(s.Rate), c.Common)
			}
			if !h.Complete {
				p += fmt.Sprintf(", and its trace ended before the listing did (%d entries read; %s listed %d)", h.Entries, c.Baseline, c.Hosts[0].Entries)
			}
			parts = append(parts, sentence(p))
		}
	}
	for _, hr := range r.Hosts {
		la := Latest(hr.Locks)
		if la == nil {
			continue
		}
		for _, l := range la.Locks {
			if len(l.Waiters)+l.Unnamed == 0 && len(l.Holders) == 0 {
				continue
			}
			what := l.Kind
			if what == "" {
				what = l.Type
			}
			if l.Name != "" {
				what = l.Name
			}
			if l.Site != "" {
				what += " taken in " + l.Site
			}
			var groups []string
			for _, g := range l.Groups {
				if len(g.Stack) == 0 {
					groups = append(groups, fmt.Sprintf("%d with no stack in the sources", g.Count))
					continue
				}
				groups = append(groups, fmt.Sprintf("%d in %s (%s)", g.Count, g.WaitsIn, modeWord(g.Mode)))
			}
			p := fmt.Sprintf("On %s, %s waited for the %s", hr.Label, plural(len(l.Waiters)+l.Unnamed, "task"), what)
			if len(groups) > 0 {
				p += ": " + strings.Join(groups, ", ")
			}
			if len(l.Holders) > 0 {
				var hs []string
				for _, pid := range l.Holders {
					for _, t := range la.Tasks {
						if t.PID != nil && *t.PID == pid {
							hs = append(hs, fmt.Sprintf("%d (%s), sleeping in %s", pid, t.Comm, t.WaitsIn))
						}
					}
				}
				p += "; the holder is " + strings.Join(hs, " and ")
			} else {
				p += "; the holder is not visible in these sources"
			}
			if l.Object != "" {
				p += "; all on inode " + l.Object
			}
			p += fmt.Sprintf(" (confidence: %s)", l.Confidence)
			parts = append(parts, sentence(p))
		}
		for _, c := range la.Cycles {
			parts = append(parts, sentence(c.Text))
		}
		for _, n := range la.Notes {
			parts = append(parts, sentence(n))
		}
	}
	for _, h := range r.Hints {
		parts = append(parts, fmt.Sprintf("Known behaviour on %s: %s [%s].", h.Host, h.Title, h.ID))
	}
	if len(parts) == 0 {
		return "The sources show neither a slower listing nor tasks piled up on a lock."
	}
	return strings.Join(slices.Compact(parts), " ")
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

// FormatTime renders a timeline time on its clock.
func FormatTime(c Clock, t float64) string {
	switch c {
	case Wall:
		sec, frac := math.Modf(t)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC().Format("2006-01-02T15:04:05.000000Z")
	case Boot:
		return "boot+" + strconv.FormatFloat(t, 'f', 6, 64) + "s"
	}
	return strconv.FormatFloat(t, 'f', 6, 64) + "s"
}
