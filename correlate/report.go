package correlate

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
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
	// Day is seconds since midnight of a trace's first day: strace -t/-tt
	// stamps no date places on the wall clock.
	Day Clock = "day"
	// TraceClock is a trace's own clock (strace -r, seconds since its
	// first call): comparable only within its own trace.
	TraceClock Clock = "trace"
)

// SourceFile is one input file and what it was read as.
type SourceFile struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
	// Paste names the decorations of a pasted text the reader removed
	// ("quote", "indent", "fence", "prompt", "wrap", "prose").
	Paste []string `json:"paste,omitempty"`
	// Records counts a kernel log's records; Shared of them are records
	// of the earlier log SameAs (dmesg -T beside dmesg): read for the
	// clock, not counted twice.
	Records int    `json:"records,omitempty"`
	SameAs  string `json:"same_as,omitempty"`
	Shared  int    `json:"shared_records,omitempty"`
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
	// Local says the wall clock it was read from prints local time
	// (dmesg -T, syslog), read in the host's zone.
	Local bool
}

// HostInput is everything read for one host.
type HostInput struct {
	Label string
	Files []SourceFile
	// Listing and Activity are fed from the host's strace files, if any.
	Listing  *Listing
	Activity *Activity
	// Locks gathers the kernel's evidence of who holds and who waits:
	// stacks, blocker lines, lockdep lists, crash owner fields.
	Locks *locks.Evidence
	// Seen counts, per PID and kind of source, the observations of each
	// task, for the report's task stories.
	Seen map[int]map[string]*Sighting
	// events dates the observations for the timeline, bounded per task
	// and kind of event (see addEvent).
	events eventLog
	// frames is room for one kernel stack's function names, reused:
	// the evidence copies a stack only when it is new.
	frames []string
	// Anchor is set when the boot clock could be put on the wall clock.
	Anchor *Anchor
	// Zone is the zone of the host's local-time sources (dmesg -T,
	// syslog, strace -t/-tt), set before they are read; nil reads them as
	// UTC, with a warning. ZoneFrom says where it came from ("--tz").
	Zone     *time.Location
	ZoneFrom string
	// Date is the day strace -t/-tt traces start (--date); zero lets the
	// report date them by the host's other sources.
	Date time.Time
	// MaxLine is the longest line the readers keep (see lines.DefaultMax).
	MaxLine int
	// Scrub, when set, is called on every record a reader yields (a
	// *strace.Event, *dmesg.Record, *procstack.Sample or crash.Record)
	// before anything is built from it: --redact rewrites the strings
	// that identify the customer there (package redact).
	Scrub func(rec any)

	// localSources are the sources read that print local time.
	localSources []string
	// prints remember the kernel logs read, to recognise their records
	// in another file of the host; printed counts their records.
	prints  []*kernelPrint
	printed int
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
	// MaxEvents caps the slow calls of the timeline per host (kernel
	// events are bounded as they are read, see eventLog). 0 means 3.
	MaxEvents int
	// MaxInFlight caps the calls in flight shown per host (the
	// longest-running); the rest are counted. 0 means 20.
	MaxInFlight int
}

// Report is one incident: every host, every source, joined.
type Report struct {
	Hosts   []HostReport
	Compare *Comparison
	// Syscalls sets the same system call of several hosts side by side.
	Syscalls []SyscallCompare
	Tasks    []JoinedTask
	Timeline []TimelineEntry
	Hints    []HostHint
	// Verdict is at most three sentences: how much slower, who holds what
	// and why, the known issue and its fix.
	Verdict  string
	Warnings []string
}

// HostReport is one host's part of a Report.
type HostReport struct {
	Label string
	Files []SourceFile
	Locks *locks.Analysis
	// Clock says how the host's sources were put on one clock, source by
	// source; Zone is the zone its wall times are shown in (nil: UTC).
	Clock string
	Zone  *time.Location
	// Traces are its strace files.
	Traces []TraceFile
	// InFlight are calls still running when the host's strace ended (the
	// longest-running, at most ReportOptions.MaxInFlight); InFlightMore
	// counts the processes with one that are not listed.
	InFlight     []Call
	InFlightMore int
	// Slow are the slowest finished calls of its strace.
	Slow []Call
	// Listings are every directory listing of its strace, in the order
	// they started.
	Listings []ListingSummary
	// Syscalls is its per-syscall table, Calls the calls it counts.
	Syscalls []SyscallStat
	Calls    int
	// Tables are the rows of the strace -c tables its traces hold, as
	// strace counted them; TablesMore counts the rows left out.
	Tables     []SummaryRow
	TablesMore int
}

// ListingSummary is one directory listing of a host's strace.
type ListingSummary struct {
	PID, Fd int
	// Dir is the directory as the trace wrote it; DirKnown is false when
	// the trace does not say (Dir is then "fd N of pid P").
	Dir      string
	DirKnown bool
	File     string
	Line     int
	Calls    int
	Entries  int
	// Complete: a call returned 0, the end of the directory.
	Complete bool
	// Err is the errno of the first failed call ("EIO").
	Err string
	// Timed says the trace has stamps: First and Last (on Clock) are the
	// first call's entry and the last call's return, Duration the seconds
	// between them and Rate the entries per second.
	Timed          bool
	Clock          Clock
	First, Last    float64
	Duration, Rate float64
	// Compared marks the listing the comparison aligned.
	Compared bool
}

// JoinedTask is one task of one host with every source that saw it.
type JoinedTask struct {
	Host string
	PID  int
	// TGID is the process a thread belongs to, when a source says.
	TGID     int
	Comm     string
	Role     locks.Role
	Lock     string
	Mode     locks.Mode
	WaitsIn  string
	Killable bool
	// Running says WaitsIn printed the task's own stack while it ran
	// (lockdep, a WARN): no sleep is shown.
	Running bool
	// Unnamed says the task's strace names no PID (strace without -f):
	// it was joined by command name and time.
	Unnamed bool
	Sources []TaskSource
	// Calls are the strace calls the story tells: those that overlap the
	// kernel's observations of the task, or without a common clock its
	// longest calls and the one in flight.
	Calls []Call
	// Story is what each source says of the task, a clause each, with
	// its locations; Summary is the task's row, "PID (comm): ...; ...".
	Story   []string
	Summary string
	// Shape is the story without its locations and PIDs: tasks of one
	// shape have the same evidence.
	Shape string
}

// TaskSource is one sighting of a task.
type TaskSource struct {
	Kind string `json:"kind"`
	Loc  string `json:"loc"`
}

// TimelineEntry is one dated line of the report.
type TimelineEntry struct {
	Host  string
	Clock Clock
	Time  float64
	// Zone is the zone wall times of the host are shown in (nil: UTC).
	Zone   *time.Location
	PID    int
	What   string
	Source string
}

// HostHint is a hint matched on one host.
type HostHint struct {
	Host string
	locks.HintMatch
}

// SyscallCompare is one system call on every host that timed it, or on
// every host whose strace -c table counts it.
type SyscallCompare struct {
	Name string
	// From is what the figures come from: FromTimed, the calls lagtrace
	// timed (PerCall is their median), or FromTables, strace -c tables
	// (PerCall is strace's seconds over its calls).
	From string
	// Reference is the host the ratios are against: the comparison's
	// baseline when it timed the call, else the host with the lowest
	// median.
	Reference string
	Hosts     []SyscallSide
}

// What SyscallCompare figures come from.
const (
	FromTimed  = "timed calls"
	FromTables = "strace -c"
)

// SyscallSide is one host's figures of a SyscallCompare. P99 and Max are
// unknown (0) for a strace -c table.
type SyscallSide struct {
	Host                 string
	Count, Timed         int
	P50, P99, Max, Total int64
	// PerCall is the figure compared: P50 for timed calls, the mean for a
	// strace -c table.
	PerCall int64
	// Ratio is PerCall over the reference's; HasRatio is false when the
	// reference's is zero.
	Ratio    float64
	HasRatio bool
}

// ErrUnaligned is returned, wrapped, when hosts cannot be compared.
var ErrUnaligned = errors.New("cannot be aligned")

// BuildReport joins the hosts' sources into a Report.
func BuildReport(hosts []*HostInput, opts ReportOptions) (*Report, error) {
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = 3
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 20
	}
	r := &Report{}
	clocks := make([]*hostClock, len(hosts))
	for i, h := range hosts {
		clocks[i] = newHostClock(h)
		if w := clocks[i].zoneWarning(); w != "" {
			r.Warnings = append(r.Warnings, w)
		}
	}
	c, warns, err := compareHosts(hosts, opts.Compare)
	if err != nil {
		return nil, err
	}
	r.Compare = c
	r.Warnings = append(r.Warnings, warns...)

	for i, h := range hosts {
		hc := clocks[i]
		hr := HostReport{Label: h.Label, Files: h.Files, Clock: hc.describe(), Zone: h.Zone}
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
		if h.Activity != nil {
			hr.Traces = h.Activity.Files()
			hr.InFlight, hr.InFlightMore = h.Activity.InFlight(opts.MaxInFlight)
			hr.Slow = h.Activity.Slow()
			hr.Syscalls = h.Activity.Syscalls()
			hr.Tables, hr.TablesMore = h.Activity.Tables()
			for _, s := range hr.Syscalls {
				hr.Calls += s.Count
			}
			r.Warnings = append(r.Warnings, activityWarnings(h.Label, hr, h.Activity)...)
		}
		if h.Listing != nil {
			hr.Listings = listingSummaries(h, hc, c)
		}
		tasks, alias := joinTasks(h, hr, hc)
		hr.InFlight, hr.Slow = aliased(hr.InFlight, alias), aliased(hr.Slow, alias)
		r.Hosts = append(r.Hosts, hr)
		r.Tasks = append(r.Tasks, tasks...)
		r.Timeline = append(r.Timeline, timeline(h, hr, hc, tasks, c, opts.MaxEvents)...)
	}
	r.Syscalls = compareSyscalls(r.Hosts, c)
	sortTimeline(r.Timeline)
	r.Verdict = verdict(r)
	return r, nil
}

// compareHosts compares the listings of the hosts that have a timed one.
func compareHosts(hosts []*HostInput, co CompareOptions) (*Comparison, []string, error) {
	var listed []Host
	var warns []string
	for _, h := range hosts {
		if !h.HasListing() {
			continue
		}
		if !h.Listing.timed() {
			if len(hosts) == 1 {
				continue
			}
			warns = append(warns, fmt.Sprintf("%s's strace has no timestamps: its listings are shown, not compared (capture with strace -ttt)", h.Label))
			continue
		}
		listed = append(listed, Host{Label: h.Label, Listing: h.Listing})
	}
	if co.Baseline != "" && len(listed) >= 2 && !slices.ContainsFunc(listed, func(h Host) bool { return h.Label == co.Baseline }) {
		return nil, nil, fmt.Errorf("baseline %q has no timed strace listing", co.Baseline)
	}
	switch {
	case len(listed) >= 2:
		c, err := Compare(listed, co)
		return c, warns, err
	case len(listed) == 1 && len(hosts) > 1:
		warns = append(warns, "only "+listed[0].Label+"'s strace lists a directory with timestamps: no slowdown can be measured without a second host's listing")
	}
	return nil, warns, nil
}

// listingSummaries describes every listing of the host, the compared one
// marked.
func listingSummaries(h *HostInput, hc *hostClock, c *Comparison) []ListingSummary {
	var compared *HostResult
	if c != nil {
		for i := range c.Hosts {
			if c.Hosts[i].Label == h.Label {
				compared = &c.Hosts[i]
			}
		}
	}
	var out []ListingSummary
	for _, d := range h.Listing.Listings() {
		ls := ListingSummary{PID: d.PID, Fd: d.Fd, Dir: d.Path, DirKnown: d.PathKnown, File: d.File, Line: d.Line,
			Calls: d.Calls, Entries: d.Entries, Complete: d.Complete, Err: d.Err}
		ls.Compared = compared != nil && compared.PID == d.PID && compared.Line == d.Line && compared.File == d.File
		if d.TimeKind != strace.NoTime && d.Listed > 0 {
			ls.Timed = true
			var last float64
			ls.Clock, ls.First = hc.straceAt(d.File, d.Start)
			_, last = hc.straceAt(d.File, d.Last.Return)
			ls.Last = last
			ls.Duration = float64(d.Last.Return-d.Start) / 1e9
			if ls.Duration > 0 {
				ls.Rate = float64(d.Entries) / ls.Duration
			}
		}
		out = append(out, ls)
	}
	return out
}

// joinTasks gives each PID of the host one entry with every source, and
// says which traces that name no PID were joined to which task.
func joinTasks(h *HostInput, hr HostReport, hc *hostClock) ([]JoinedTask, map[int]int) {
	j := newJoin(h, hr, hc)
	j.fromLocks()
	j.fromSightings()
	j.fromStrace()
	return j.finish(), j.alias
}

// aliased renames the calls of traces that name no PID to the task they
// were joined to.
func aliased(cs []Call, alias map[int]int) []Call {
	if len(alias) == 0 {
		return cs
	}
	out := slices.Clone(cs)
	for i := range out {
		if pid, ok := alias[out[i].PID]; ok {
			out[i].PID = pid
		}
	}
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
			return id + " (" + name + ")"
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

// fmtDuration writes seconds for a sentence: "49.37 s", "1.9 ms", "12 µs".
func fmtDuration(s float64) string {
	switch {
	case s >= 1:
		return strconv.FormatFloat(s, 'f', 2, 64) + " s"
	case s >= 1e-3:
		return strconv.FormatFloat(s*1e3, 'g', 3, 64) + " ms"
	}
	return strconv.FormatFloat(s*1e6, 'g', 3, 64) + " µs"
}

// timeline dates the host's facts on its clock.
func timeline(h *HostInput, hr HostReport, hc *hostClock, tasks []JoinedTask, c *Comparison, max int) []TimelineEntry {
	var out []TimelineEntry
	add := func(clock Clock, t float64, pid int, what, src string) {
		out = append(out, TimelineEntry{Host: h.Label, Clock: clock, Time: t, Zone: h.Zone, PID: pid, What: what, Source: src})
	}
	for _, f := range captureEnds(hr.Traces) {
		cl, t := hc.straceAt(f.Name, f.First)
		add(cl, t, 0, "strace capture starts"+f.of, f.Name)
		cl, t = hc.straceAt(f.Name, f.Last)
		add(cl, t, 0, "strace capture ends"+f.of, f.Name)
	}
	told := map[string]bool{}
	callAt := func(call Call, what string) {
		key := call.File + ":" + strconv.Itoa(call.Line)
		if told[key] || !call.HasEntry {
			return // never a time from a call whose start is not known
		}
		told[key] = true
		cl, t := hc.straceAt(call.File, call.Entry)
		add(cl, t, call.PID, what, key)
	}
	for _, tk := range tasks {
		for _, call := range tk.Calls {
			callAt(call, "enters "+callWhat(call)+"; "+callOutcome(call))
		}
	}
	for _, call := range hr.InFlight {
		callAt(call, "enters "+callWhat(call)+"; "+callOutcome(call))
	}
	for i, call := range hr.Slow {
		if i == max {
			break
		}
		callAt(call, "enters "+callWhat(call)+"; "+callOutcome(call))
	}
	for _, l := range hr.Listings {
		if !l.Timed || !l.Compared && c != nil || c == nil && !largest(hr.Listings, l) {
			continue
		}
		add(l.Clock, l.First, l.PID, "first getdents64 on "+l.Dir, l.File+":"+strconv.Itoa(l.Line))
		end := "last getdents64 of the listing in the trace"
		if l.Complete {
			end = "listing complete"
		}
		add(l.Clock, l.Last, l.PID, fmt.Sprintf("%s: %d entries", end, l.Entries), l.File)
	}
	for _, e := range h.Events() {
		clock, t := hc.kernelAt(string(e.Clock), e.Time)
		what := e.What
		if e.More > 0 {
			what += fmt.Sprintf(" (after %d more like it)", e.More)
		}
		add(clock, t, e.PID, what, e.Source)
	}
	return out
}

// maxCaptureLines is how many strace files' starts and ends the timeline
// shows; an strace -ff directory of thousands of files shows its span.
const maxCaptureLines = 8

type captureSpan struct {
	TraceFile
	of string
}

// captureEnds are the strace files whose start and end the timeline
// shows: each of a few, else one span from the earliest start to the
// latest end (named by the file that starts first).
func captureEnds(fs []TraceFile) []captureSpan {
	var timed []TraceFile
	for _, f := range fs {
		if f.HasTime {
			timed = append(timed, f)
		}
	}
	if len(timed) <= maxCaptureLines {
		out := make([]captureSpan, 0, len(timed))
		for _, f := range timed {
			out = append(out, captureSpan{TraceFile: f})
		}
		return out
	}
	span := captureSpan{TraceFile: timed[0], of: fmt.Sprintf(" (the span of %d strace files)", len(timed))}
	for _, f := range timed[1:] {
		if f.TimeKind == span.TimeKind {
			span.First, span.Last = min(span.First, f.First), max(span.Last, f.Last)
		}
	}
	return []captureSpan{span}
}

// largest reports whether l has the most entries of the host's listings.
func largest(ls []ListingSummary, l ListingSummary) bool {
	for _, o := range ls {
		if o.Entries > l.Entries {
			return false
		}
		if o.Entries == l.Entries {
			return o == l // the first of the largest
		}
	}
	return true
}

// CallWhat names a call and what it works on: "getdents64 of /mnt/dir".
func CallWhat(c Call) string { return callWhat(c) }

func callWhat(c Call) string {
	if c.Path != "" {
		return c.Name + " of " + c.Path
	}
	if p, ok := quoted(c.Args); ok {
		return c.Name + " of " + p
	}
	return c.Name + "(" + shorten(c.Args, 40) + ")"
}

// quoted is the first quoted string of a call's arguments.
func quoted(args string) (string, bool) {
	i := strings.IndexByte(args, '"')
	if i < 0 {
		return "", false
	}
	for j := i + 1; j < len(args); j++ {
		switch args[j] {
		case '\\':
			j++
		case '"':
			return args[i : j+1], true
		}
	}
	return "", false
}

// callOutcome says how long a call took: "blocked 49.37 s".
func callOutcome(c Call) string {
	d := fmtDuration(float64(c.Duration) / 1e9)
	switch {
	case c.Unfinished && c.HasEntry:
		return "still inside " + d + " later, when its trace ended"
	case c.Unfinished:
		return "still inside when its trace ended"
	case c.UntilNext:
		return "took up to " + d + " (no return stamp: until the process's next event)"
	}
	return "took " + d
}

// sortTimeline orders by clock (wall, day, trace, boot), then by time.
func sortTimeline(tl []TimelineEntry) {
	rank := map[Clock]int{Wall: 0, Day: 1, TraceClock: 2, Boot: 3}
	slices.SortStableFunc(tl, func(a, b TimelineEntry) int {
		if c := cmp.Compare(rank[a.Clock], rank[b.Clock]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Time, b.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Host, b.Host)
	})
}

// compareSyscalls sets each system call timed on two hosts or more side by
// side, the largest ratio first.
func compareSyscalls(hosts []HostReport, c *Comparison) []SyscallCompare {
	baseline := ""
	if c != nil {
		baseline = c.Baseline
	}
	out := compareSides(hosts, baseline, FromTimed, timedSides)
	out = append(out, compareSides(hosts, baseline, FromTables, tableSides)...)
	top := func(s SyscallCompare) float64 {
		m := 0.0
		for _, h := range s.Hosts {
			m = math.Max(m, h.Ratio)
		}
		return m
	}
	slices.SortStableFunc(out, func(a, b SyscallCompare) int { return cmp.Compare(top(b), top(a)) })
	return out
}

// namedSide is one host's figures of one system call.
type namedSide struct {
	name string
	side SyscallSide
}

// timedSides are a host's timed system calls, by their median.
func timedSides(h HostReport) []namedSide {
	var out []namedSide
	for _, s := range h.Syscalls {
		if s.Timed > 0 {
			out = append(out, namedSide{s.Name, SyscallSide{Host: h.Label, Count: s.Count, Timed: s.Timed, P50: s.P50, P99: s.P99, Max: s.Max, Total: s.Total, PerCall: s.P50}})
		}
	}
	return out
}

// tableSides are the rows of a host's strace -c tables, by strace's mean
// time a call; the first row of a name counts (a trace holds one table
// per strace -C run) and "total" is no system call.
func tableSides(h HostReport) []namedSide {
	var out []namedSide
	seen := map[string]bool{}
	for _, t := range h.Tables {
		if t.Calls == 0 || t.Name == "total" || seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		out = append(out, namedSide{t.Name, SyscallSide{Host: h.Label, Count: t.Calls, Timed: t.Calls, Total: t.Time, PerCall: t.Time / int64(t.Calls)}})
	}
	return out
}

// compareSides sets the same system call of several hosts side by side,
// each against the reference: the baseline when it has the call, else the
// host with the lowest figure a call; the reference comes first.
func compareSides(hosts []HostReport, baseline, from string, sidesOf func(HostReport) []namedSide) []SyscallCompare {
	byName := map[string][]SyscallSide{}
	var names []string
	for _, h := range hosts {
		for _, ns := range sidesOf(h) {
			if _, ok := byName[ns.name]; !ok {
				names = append(names, ns.name)
			}
			byName[ns.name] = append(byName[ns.name], ns.side)
		}
	}
	var out []SyscallCompare
	for _, name := range names {
		sides := byName[name]
		if len(sides) < 2 {
			continue
		}
		ref := slices.IndexFunc(sides, func(s SyscallSide) bool { return s.Host == baseline })
		if ref < 0 {
			ref = 0
			for i, s := range sides {
				if s.PerCall < sides[ref].PerCall {
					ref = i
				}
			}
		}
		for i := range sides {
			if sides[ref].PerCall > 0 {
				sides[i].Ratio, sides[i].HasRatio = round4(float64(sides[i].PerCall)/float64(sides[ref].PerCall)), true
			}
		}
		sides = append([]SyscallSide{sides[ref]}, slices.Delete(slices.Clone(sides), ref, ref+1)...)
		out = append(out, SyscallCompare{Name: name, From: from, Reference: sides[0].Host, Hosts: sides})
	}
	return out
}
