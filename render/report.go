package render

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/correlate/locks"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// ReportDoc is the JSON form of a report ("lagtrace.report/v1",
// docs/report-json.md): one object with everything the other formats show.
type ReportDoc struct {
	Schema   string                     `json:"schema"`
	Hosts    []ReportHost               `json:"hosts"`
	Compare  *CompareDoc                `json:"compare"`
	Syscalls []ReportSyscallCompare     `json:"syscall_compare"`
	Locks    map[string]*locks.Analysis `json:"locks"`
	Tasks    []ReportTask               `json:"tasks"`
	Timeline []ReportEvent              `json:"timeline"`
	Verdict  ReportVerdict              `json:"verdict"`
	Warnings []string                   `json:"warnings"`
}

// ReportHost is one host and its files.
type ReportHost struct {
	Label string                 `json:"label"`
	Files []correlate.SourceFile `json:"files"`
	Clock string                 `json:"clock"`
	// Zone is the zone wall times of the host are shown in.
	Zone     string          `json:"zone"`
	Straces  []ReportTrace   `json:"straces"`
	Calls    int             `json:"calls"`
	Syscalls []ReportSyscall `json:"syscalls"`
	// Tables are the rows of strace -c tables the traces hold, as strace
	// counted them; TablesMore counts the rows left out.
	Tables     []ReportTableRow `json:"strace_c"`
	TablesMore int              `json:"strace_c_more"`
	Listings   []ReportListing  `json:"listings"`
	InFlight   []ReportCall     `json:"in_flight"`
	// InFlightMore counts the processes with a call in flight that
	// in_flight leaves out (it lists the longest-running).
	InFlightMore int          `json:"in_flight_more"`
	Slow         []ReportCall `json:"slow_calls"`
}

// ReportTrace is one strace file of a host.
type ReportTrace struct {
	File string `json:"file"`
	// TimeKind is "unix" (-ttt), "time of day" (-t/-tt), "relative" (-r)
	// or "none".
	TimeKind string  `json:"time_kind"`
	First    *string `json:"first"`
	Last     *string `json:"last"`
	Calls    int     `json:"calls"`
	// BackAt is the line where its stamps go back by more than a second
	// (concatenated traces), BackS by how much.
	BackAt *int     `json:"back_at_line"`
	BackS  *float64 `json:"back_s"`
}

// ReportSyscall is one line of a host's per-syscall table; times in
// seconds over the timed calls.
type ReportSyscall struct {
	Name   string  `json:"name"`
	Count  int     `json:"count"`
	Timed  int     `json:"timed"`
	Bounds int     `json:"timed_to_next_event"`
	TotalS float64 `json:"total_s"`
	MaxS   float64 `json:"max_s"`
	P50S   float64 `json:"p50_s"`
	P99S   float64 `json:"p99_s"`
}

// ReportTableRow is one row of an strace -c table.
type ReportTableRow struct {
	Name    string  `json:"name"`
	Calls   int     `json:"calls"`
	Errors  int     `json:"errors"`
	Seconds float64 `json:"seconds"`
	Source  string  `json:"source"`
}

// ReportListing is one directory listing of a host's strace.
type ReportListing struct {
	// PID is null when the trace names none (strace without -f).
	PID       *int     `json:"pid"`
	Fd        int      `json:"fd"`
	Dir       *string  `json:"dir"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Calls     int      `json:"calls"`
	Entries   int      `json:"entries"`
	Complete  bool     `json:"complete"`
	Error     *string  `json:"error"`
	First     *string  `json:"first"`
	Last      *string  `json:"last"`
	DurationS *float64 `json:"duration_s"`
	Rate      *float64 `json:"rate"`
	Compared  bool     `json:"compared"`
}

// ReportSyscallCompare is one system call of several hosts side by side.
type ReportSyscallCompare struct {
	Name string `json:"name"`
	// From is "timed calls" (per_call_s is their median) or "strace -c"
	// (per_call_s is strace's seconds over its calls).
	From      string              `json:"from"`
	Reference string              `json:"reference"`
	Hosts     []ReportSyscallSide `json:"hosts"`
}

// ReportSyscallSide is one host's figures of a ReportSyscallCompare.
type ReportSyscallSide struct {
	Host  string  `json:"host"`
	Count int     `json:"count"`
	Timed int     `json:"timed"`
	P50S  float64 `json:"p50_s"`
	P99S  float64 `json:"p99_s"`
	MaxS  float64 `json:"max_s"`
	// PerCallS is the figure the ratio compares.
	PerCallS float64  `json:"per_call_s"`
	Ratio    *float64 `json:"ratio"`
}

// ReportCall is a system call from a host's strace.
type ReportCall struct {
	// PID is null when the trace names none (strace without -f).
	PID  *int   `json:"pid"`
	Name string `json:"name"`
	Path string `json:"path,omitempty"`
	Args string `json:"args"`
	File string `json:"file"`
	Line int    `json:"line"`
	// Entry is the entry stamp (seconds on the file's own clock), null
	// when the trace does not show the call's start.
	Entry     *float64 `json:"entry"`
	DurationS float64  `json:"duration_s"`
	UntilNext bool     `json:"until_next_event,omitempty"`
}

// ReportTask is one task joined across a host's sources.
type ReportTask struct {
	Host string `json:"host"`
	// PID is null for a process whose trace names no PID and that could
	// not be joined to a task the kernel saw.
	PID      *int                   `json:"pid"`
	TGID     int                    `json:"tgid,omitempty"`
	Comm     string                 `json:"comm"`
	Role     locks.Role             `json:"role"`
	Lock     string                 `json:"lock,omitempty"`
	Mode     locks.Mode             `json:"mode,omitempty"`
	WaitsIn  string                 `json:"waits_in,omitempty"`
	Killable bool                   `json:"killable"`
	Sources  []correlate.TaskSource `json:"sources"`
	Calls    []ReportCall           `json:"calls"`
	Story    []string               `json:"story"`
	Summary  string                 `json:"summary"`
}

// ReportEvent is one timeline entry; Time is formatted on its clock and
// T is the number behind it (Unix seconds, or seconds since boot).
type ReportEvent struct {
	Host   string          `json:"host"`
	Time   string          `json:"time"`
	T      float64         `json:"t"`
	Clock  correlate.Clock `json:"clock"`
	PID    int             `json:"pid,omitempty"`
	What   string          `json:"what"`
	Source string          `json:"source"`
}

// ReportVerdict is the "what happened" paragraph and the hints it cites.
type ReportVerdict struct {
	Text  string       `json:"text"`
	Hints []ReportHint `json:"hints"`
}

// ReportHint is a known behaviour whose whole pattern matched.
type ReportHint struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Host        string `json:"host"`
	Lock        string `json:"lock"`
	Holders     []int  `json:"holders"`
	Explanation string `json:"explanation"`
	Reference   string `json:"reference"`
	Fix         string `json:"fix"`
}

// ReportOptions are the report's own rendering choices.
type ReportOptions struct {
	Options
}

// NewReportDoc converts a report to its JSON form.
func NewReportDoc(r *correlate.Report) ReportDoc {
	d := ReportDoc{
		Schema: correlate.ReportSchema, Hosts: []ReportHost{}, Locks: map[string]*locks.Analysis{},
		Syscalls: []ReportSyscallCompare{},
		Tasks:    []ReportTask{}, Timeline: []ReportEvent{}, Warnings: append([]string{}, r.Warnings...),
		Verdict: ReportVerdict{Text: r.Verdict, Hints: []ReportHint{}},
	}
	if r.Compare != nil {
		cd := NewCompareDoc(r.Compare, true)
		d.Compare = &cd
	}
	for _, h := range r.Hosts {
		rh := ReportHost{Label: h.Label, Files: h.Files, Clock: h.Clock, Zone: zoneName(h), Calls: h.Calls,
			Straces: []ReportTrace{}, Syscalls: []ReportSyscall{}, Tables: []ReportTableRow{}, TablesMore: h.TablesMore, Listings: []ReportListing{},
			InFlight: reportCalls(h.InFlight), InFlightMore: h.InFlightMore, Slow: reportCalls(h.Slow)}
		if rh.Files == nil {
			rh.Files = []correlate.SourceFile{}
		}
		for _, f := range h.Traces {
			rh.Straces = append(rh.Straces, reportTrace(h, f))
		}
		for _, s := range h.Syscalls {
			rh.Syscalls = append(rh.Syscalls, ReportSyscall{Name: s.Name, Count: s.Count, Timed: s.Timed, Bounds: s.Bounds,
				TotalS: secs(s.Total), MaxS: secs(s.Max), P50S: secs(s.P50), P99S: secs(s.P99)})
		}
		for _, t := range h.Tables {
			rh.Tables = append(rh.Tables, ReportTableRow{Name: t.Name, Calls: t.Calls, Errors: t.Errors, Seconds: secs(t.Time), Source: t.Source})
		}
		for _, l := range h.Listings {
			rh.Listings = append(rh.Listings, reportListing(h, l))
		}
		d.Hosts = append(d.Hosts, rh)
		if h.Locks != nil {
			d.Locks[h.Label] = h.Locks
		}
	}
	for _, s := range r.Syscalls {
		rs := ReportSyscallCompare{Name: s.Name, From: s.From, Reference: s.Reference}
		for _, side := range s.Hosts {
			x := ReportSyscallSide{Host: side.Host, Count: side.Count, Timed: side.Timed, P50S: secs(side.P50), P99S: secs(side.P99), MaxS: secs(side.Max), PerCallS: secs(side.PerCall)}
			if side.HasRatio {
				x.Ratio = &side.Ratio
			}
			rs.Hosts = append(rs.Hosts, x)
		}
		d.Syscalls = append(d.Syscalls, rs)
	}
	for _, t := range r.Tasks {
		d.Tasks = append(d.Tasks, ReportTask{Host: t.Host, PID: knownPID(t.PID), TGID: t.TGID, Comm: t.Comm, Role: t.Role, Lock: t.Lock, Mode: t.Mode,
			WaitsIn: t.WaitsIn, Killable: t.Killable, Sources: orEmpty(t.Sources), Calls: reportCalls(t.Calls), Story: orEmpty(t.Story), Summary: t.Summary})
	}
	for _, e := range r.Timeline {
		d.Timeline = append(d.Timeline, ReportEvent{Host: e.Host, Time: correlate.FormatTimeIn(e.Clock, e.Time, e.Zone), T: e.Time, Clock: e.Clock, PID: max(e.PID, 0), What: e.What, Source: e.Source})
	}
	for _, h := range r.Hints {
		d.Verdict.Hints = append(d.Verdict.Hints, ReportHint{ID: h.ID, Title: h.Title, Host: h.Host, Lock: h.Lock, Holders: h.Holders, Explanation: h.Explanation, Reference: h.Reference, Fix: h.Fix})
	}
	return d
}

// knownPID is pid, or nil for the negative stand-in of a trace that names
// no PID.
func knownPID(pid int) *int {
	if pid <= 0 {
		return nil
	}
	return &pid
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func secs(ns int64) float64 { return float64(ns) / 1e9 }

func zoneName(h correlate.HostReport) string {
	if h.Zone == nil {
		return "UTC"
	}
	return h.Zone.String()
}

func timeKindName(k strace.TimeKind) string {
	switch k {
	case strace.Epoch:
		return "unix"
	case strace.Clock:
		return "time of day"
	case strace.Relative:
		return "relative"
	}
	return "none"
}

func reportTrace(h correlate.HostReport, f correlate.TraceFile) ReportTrace {
	rt := ReportTrace{File: f.Name, TimeKind: timeKindName(f.TimeKind), Calls: f.Calls}
	if f.HasTime {
		first, last := traceTime(h, f, f.First), traceTime(h, f, f.Last)
		rt.First, rt.Last = &first, &last
	}
	if f.Back != nil {
		line, by := f.Back.Line, float64(f.Back.By)/1e9
		rt.BackAt, rt.BackS = &line, &by
	}
	return rt
}

// traceTime writes a stamp of a strace file on its own clock.
func traceTime(h correlate.HostReport, f correlate.TraceFile, ns int64) string {
	switch f.TimeKind {
	case strace.Epoch:
		return correlate.FormatTimeIn(correlate.Wall, float64(ns)/1e9, h.Zone)
	case strace.Clock:
		return correlate.FormatTimeIn(correlate.Day, float64(ns)/1e9, nil)
	}
	return correlate.FormatTimeIn(correlate.TraceClock, float64(ns)/1e9, nil)
}

func reportListing(h correlate.HostReport, l correlate.ListingSummary) ReportListing {
	rl := ReportListing{PID: knownPID(l.PID), Fd: l.Fd, File: l.File, Line: l.Line, Calls: l.Calls, Entries: l.Entries, Complete: l.Complete, Compared: l.Compared}
	if l.DirKnown {
		dir := l.Dir
		rl.Dir = &dir
	}
	if l.Err != "" {
		e := l.Err
		rl.Error = &e
	}
	if l.Timed {
		first, last := correlate.FormatTimeIn(l.Clock, l.First, h.Zone), correlate.FormatTimeIn(l.Clock, l.Last, h.Zone)
		dur := l.Duration
		rl.First, rl.Last, rl.DurationS = &first, &last, &dur
		if l.Rate > 0 {
			rate := l.Rate
			rl.Rate = &rate
		}
	}
	return rl
}

func reportCalls(cs []correlate.Call) []ReportCall {
	out := []ReportCall{}
	for _, c := range cs {
		rc := ReportCall{PID: knownPID(c.PID), Name: c.Name, Path: c.Path, Args: c.Args, File: c.File, Line: c.Line, DurationS: secs(c.Duration), UntilNext: c.UntilNext}
		if c.HasEntry {
			e := secs(c.Entry)
			rc.Entry = &e
		}
		out = append(out, rc)
	}
	return out
}

// Report writes a report in format f.
func Report(w io.Writer, r *correlate.Report, f Format, o ReportOptions) error {
	switch f {
	case JSON:
		return writeJSON(w, NewReportDoc(r))
	case Markdown:
		_, err := io.WriteString(w, reportMarkdown(r, o))
		return err
	default:
		_, err := io.WriteString(w, reportText(r, newStyles(w, o.Options)))
		return err
	}
}

func fileList(files []correlate.SourceFile, esc func(string) string) string {
	var parts []string
	for _, f := range files {
		p := esc(f.Path) + " (" + esc(f.Kind)
		if f.SameAs != "" {
			p += fmt.Sprintf("; %d of its %d records are %s's: read for the clock", f.Shared, f.Records, esc(f.SameAs))
		}
		parts = append(parts, p+")")
	}
	return strings.Join(parts, ", ")
}

func roleText(t correlate.JoinedTask) string {
	if t.Mode != locks.ModeUnknown && t.Role != locks.Other {
		return string(t.Role) + " (" + string(t.Mode) + ")"
	}
	return string(t.Role)
}

// interestingTasks leaves out tasks that are on no lock and stuck in no
// call: a stack snapshot of a whole system has hundreds of those.
func interestingTasks(r *correlate.Report) (shown []correlate.JoinedTask, hidden int) {
	for _, t := range r.Tasks {
		if t.Role != locks.Other || len(t.Calls) > 0 {
			shown = append(shown, t)
		} else {
			hidden++
		}
	}
	return shown, hidden
}

// taskGroup is a task and the others of its host whose evidence is the
// same (same role, lock, place and clauses, locations aside).
type taskGroup struct {
	first  correlate.JoinedTask
	others []correlate.JoinedTask
}

func groupTasks(ts []correlate.JoinedTask) []taskGroup {
	var out []taskGroup
	index := map[string]int{}
	for _, t := range ts {
		key := t.Host + "\x00" + t.Shape
		if i, ok := index[key]; ok {
			out[i].others = append(out[i].others, t)
			continue
		}
		index[key] = len(out)
		out = append(out, taskGroup{first: t})
	}
	return out
}

// collapsed says what a group's other tasks share: "18 more waiters
// (3632441, 3632442, ...): same evidence as 3632440".
func (g taskGroup) collapsed() string {
	var pids []string
	for i, t := range g.others {
		if i == 8 {
			pids = append(pids, "...")
			break
		}
		pids = append(pids, strconv.Itoa(t.PID))
	}
	what := string(g.first.Role)
	if what == string(locks.Other) {
		what = "task"
	}
	if len(g.others) > 1 {
		what += "s"
	}
	return fmt.Sprintf("%d more %s (%s): same evidence as %d", len(g.others), what, strings.Join(pids, ", "), g.first.PID)
}

// durationCell writes seconds in a table: "49.37 s", "1.93 ms", "12 µs".
func durationCell(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s >= 1:
		return strconv.FormatFloat(s, 'f', 2, 64) + " s"
	case s >= 1e-3:
		return strconv.FormatFloat(s*1e3, 'f', 2, 64) + " ms"
	}
	return strconv.FormatFloat(s*1e6, 'f', 0, 64) + " µs"
}

// maxSyscallRows is how many lines of a host's per-syscall table the text
// and Markdown show (the JSON has them all).
const maxSyscallRows = 12

// maxListingRows is how many listings of a host the text and Markdown
// show, the compared one and the largest first.
const maxListingRows = 12

func listingRows(r *correlate.Report, esc func(string) string) (rows [][]string, more int) {
	for _, h := range r.Hosts {
		ls := slices.Clone(h.Listings)
		slices.SortStableFunc(ls, func(a, b correlate.ListingSummary) int {
			if a.Compared != b.Compared {
				if a.Compared {
					return -1
				}
				return 1
			}
			return b.Entries - a.Entries
		})
		for i, l := range ls {
			if i == maxListingRows {
				more += len(ls) - i
				break
			}
			complete := "no"
			switch {
			case l.Err != "":
				complete = "no: " + l.Err
			case l.Complete:
				complete = "yes"
			}
			first, dur, rate := "-", "-", "-"
			if l.Timed {
				first = correlate.FormatTimeIn(l.Clock, l.First, h.Zone)
				dur = durationCell(l.Duration)
				if l.Rate > 0 {
					rate = strconv.FormatFloat(l.Rate, 'f', 0, 64)
				}
			}
			dir := l.Dir
			if l.Compared {
				dir += " (compared)"
			}
			rows = append(rows, []string{esc(h.Label), pidText(l.PID) + ":" + strconv.Itoa(l.Fd), esc(dir), esc(l.File + ":" + strconv.Itoa(l.Line)),
				strconv.Itoa(l.Calls), strconv.Itoa(l.Entries), complete, first, dur, rate})
		}
	}
	return rows, more
}

// pidText writes a PID, "?" for a trace that names none.
func pidText(pid int) string {
	if pid <= 0 {
		return "?"
	}
	return strconv.Itoa(pid)
}

var listingHeaders = []string{"host", "pid:fd", "directory", "first call", "calls", "entries", "complete", "first", "duration", "entries/s"}

func syscallRows(r *correlate.Report, esc func(string) string) (rows [][]string, more int) {
	for _, h := range r.Hosts {
		for i, s := range h.Syscalls {
			if i == maxSyscallRows {
				more += len(h.Syscalls) - i
				break
			}
			timed := strconv.Itoa(s.Timed)
			if s.Bounds > 0 {
				timed += fmt.Sprintf(" (%d to next event)", s.Bounds)
			}
			cells := []string{"-", "-", "-", "-"}
			if s.Timed > 0 {
				cells = []string{durationCell(secs(s.Total)), durationCell(secs(s.Max)), durationCell(secs(s.P50)), durationCell(secs(s.P99))}
			}
			rows = append(rows, append([]string{esc(h.Label), esc(s.Name), strconv.Itoa(s.Count), timed}, cells...))
		}
	}
	return rows, more
}

var syscallHeaders = []string{"host", "syscall", "calls", "timed", "total", "max", "p50", "p99"}

// tableRows are the rows of the hosts' strace -c tables, as strace counted
// them (its seconds are system time unless it ran with -w).
func tableRows(r *correlate.Report, esc func(string) string) (rows [][]string, more int) {
	for _, h := range r.Hosts {
		more += h.TablesMore
		for i, t := range h.Tables {
			if i == maxSyscallRows {
				more += len(h.Tables) - i
				break
			}
			perCall := "-"
			if t.Calls > 0 {
				perCall = durationCell(secs(t.Time) / float64(t.Calls))
			}
			rows = append(rows, []string{esc(h.Label), esc(t.Name), strconv.Itoa(t.Calls), strconv.Itoa(t.Errors),
				durationCell(secs(t.Time)), perCall, esc(t.Source)})
		}
	}
	return rows, more
}

var tableHeaders = []string{"host", "syscall", "calls", "errors", "seconds", "per call", "source"}

const tableTitle = "strace -c tables, as strace counted"

// maxSlowRows is how many of a host's slowest calls text and Markdown show.
const maxSlowRows = 5

func slowRows(r *correlate.Report, esc func(string) string) [][]string {
	var rows [][]string
	for _, h := range r.Hosts {
		for i, c := range h.Slow {
			if i == maxSlowRows {
				break
			}
			took := durationCell(secs(c.Duration))
			if c.UntilNext {
				took = "up to " + took
			}
			rows = append(rows, []string{esc(h.Label), pidText(c.PID), esc(correlate.CallWhat(c)), took, esc(c.File + ":" + strconv.Itoa(c.Line))})
		}
	}
	return rows
}

var slowHeaders = []string{"host", "pid", "call", "took", "where"}

// syscallLine sets one call side by side: "lstat: 0.02 ms on E, 1.9 ms on
// B (95.00x)".
func syscallLine(s correlate.SyscallCompare, esc func(string) string) string {
	var parts []string
	for _, h := range s.Hosts {
		p := durationCell(secs(h.PerCall)) + " on " + esc(h.Host)
		if h.Host != s.Reference && h.HasRatio {
			p += " (" + correlate.RatioWords(h.Ratio) + " " + esc(s.Reference) + ")"
		}
		parts = append(parts, p)
	}
	what := " median: "
	if s.From == correlate.FromTables {
		what = " a call, by strace -c: "
	}
	return esc(s.Name) + what + strings.Join(parts, ", ")
}

// maxSyscallLines is how many calls are set side by side in text and
// Markdown.
const maxSyscallLines = 10

func reportMarkdown(r *correlate.Report, o ReportOptions) string {
	var b strings.Builder
	b.WriteString("# lagtrace report\n\n")
	b.WriteString("**What happened.** " + MarkdownCell(r.Verdict) + "\n\n")

	b.WriteString("## Hosts\n\n")
	var rows [][]string
	for _, h := range r.Hosts {
		rows = append(rows, []string{MarkdownCell(h.Label), fileList(h.Files, MarkdownCell)})
	}
	markdownTable(&b, []string{"host", "files (kind)"}, rows)
	b.WriteString("\n")
	for _, h := range r.Hosts {
		b.WriteString("- **Clock of " + MarkdownCell(h.Label) + ":** " + MarkdownCell(h.Clock) + "\n")
	}
	b.WriteString("\n")

	if c := r.Compare; c != nil {
		b.WriteString(compareMarkdown(c))
		if o.PlotLink != "" {
			b.WriteString(plotMarkdown(o.PlotLink))
		}
		b.WriteString("\n")
	}
	if rows, more := listingRows(r, MarkdownCell); len(rows) > 0 {
		b.WriteString("## Directory listings\n\n")
		markdownTable(&b, listingHeaders, rows, 4, 5, 8, 9)
		if more > 0 {
			fmt.Fprintf(&b, "\n%d smaller listings are left out (see the JSON).\n", more)
		}
		b.WriteString("\n")
	}
	if rows, more := syscallRows(r, MarkdownCell); len(rows) > 0 {
		b.WriteString("## System calls by time spent\n\n")
		markdownTable(&b, syscallHeaders, rows, 2, 4, 5, 6, 7)
		if more > 0 {
			fmt.Fprintf(&b, "\n%d more system calls are left out (see the JSON).\n", more)
		}
		b.WriteString("\n")
	}
	if rows, more := tableRows(r, MarkdownCell); len(rows) > 0 {
		b.WriteString("## `strace -c` tables, as strace counted\n\n")
		markdownTable(&b, tableHeaders, rows, 2, 3, 4, 5)
		if more > 0 {
			fmt.Fprintf(&b, "\n%d more rows are left out (see the JSON).\n", more)
		}
		b.WriteString("\n")
	}
	if rows := slowRows(r, MarkdownCell); len(rows) > 0 {
		b.WriteString("## Slowest calls\n\n")
		markdownTable(&b, slowHeaders, rows, 3)
		b.WriteString("\n")
	}
	if len(r.Syscalls) > 0 {
		b.WriteString("## The same system calls side by side\n\n")
		for i, s := range r.Syscalls {
			if i == maxSyscallLines {
				break
			}
			b.WriteString("- " + syscallLine(s, MarkdownCell) + "\n")
		}
		b.WriteString("\n")
	}
	for _, h := range r.Hosts {
		if h.Locks == nil {
			continue
		}
		md := locksMarkdown(h.Locks)
		md = strings.Replace(md, "## Locks: who holds, who waits", "## Locks on "+MarkdownCell(h.Label)+": who holds, who waits", 1)
		b.WriteString(md + "\n")
	}

	shown, hidden := interestingTasks(r)
	if len(shown) > 0 {
		b.WriteString("## Tasks\n\n")
		var rows [][]string
		for _, g := range groupTasks(shown) {
			t := g.first
			rows = append(rows, []string{MarkdownCell(t.Host), MarkdownCell(roleText(t)), MarkdownCell(t.Summary)})
			if len(g.others) > 0 {
				rows = append(rows, []string{MarkdownCell(t.Host), MarkdownCell(roleText(t)), MarkdownCell(g.collapsed())})
			}
		}
		markdownTable(&b, []string{"host", "role", "task"}, rows)
		if hidden > 0 {
			fmt.Fprintf(&b, "\n%d other tasks, on no lock and in no call of the strace, are left out (see the JSON).\n", hidden)
		}
		b.WriteString("\n")
	}

	if len(r.Timeline) > 0 {
		b.WriteString("## Timeline\n\n")
		var rows [][]string
		for _, e := range r.Timeline {
			pid := ""
			if e.PID != 0 {
				pid = pidText(e.PID)
			}
			rows = append(rows, []string{MarkdownCell(e.Host), correlate.FormatTimeIn(e.Clock, e.Time, e.Zone), pid, MarkdownCell(e.What), MarkdownCell(e.Source)})
		}
		markdownTable(&b, []string{"host", "time", "pid", "what", "source"}, rows)
		b.WriteString("\n")
	}

	if len(r.Hints) > 0 {
		b.WriteString("## Known issues matched\n\n")
		for _, h := range r.Hints {
			fmt.Fprintf(&b, "### %s (%s, lock %s on %s)\n\n", MarkdownCell(h.Title), MarkdownCode(h.ID), MarkdownCell(h.Lock), MarkdownCell(h.Host))
			b.WriteString("Every part of this hint's pattern matched the evidence above.\n\n")
			b.WriteString("- **Why:** " + MarkdownCell(h.Explanation) + "\n")
			b.WriteString("- **Reference:** " + MarkdownCell(h.Reference) + "\n")
			b.WriteString("- **What to do:** " + MarkdownCell(h.Fix) + "\n\n")
		}
	}

	var warn strings.Builder
	for _, w := range r.Warnings {
		warn.WriteString("- " + MarkdownCell(w) + "\n")
	}
	section(&b, "## Warnings", warn.String())
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// markdownLink keeps a file path usable as a link target.
func markdownLink(p string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(Terminal(p))
}

func reportText(r *correlate.Report, s *styles) string {
	var b strings.Builder
	b.WriteString(s.title.Render("lagtrace report") + "\n\n")
	b.WriteString(s.paragraph("what happened", Terminal(r.Verdict)) + "\n\n")
	var rows [][]string
	for _, h := range r.Hosts {
		rows = append(rows, []string{Terminal(h.Label), fileList(h.Files, Terminal)})
	}
	b.WriteString(s.table([]string{"host", "files (kind)"}, rows) + "\n")
	for _, h := range r.Hosts {
		b.WriteString(s.tagged(s.dim, "clock", Terminal(h.Label)+": "+Terminal(h.Clock)) + "\n")
	}
	b.WriteString("\n")
	if c := r.Compare; c != nil {
		b.WriteString(compareText(c, s) + "\n")
		b.WriteString(ProgressChart(PlotOf(c, s.scale), min(s.prose, 100), 12) + "\n")
	}
	if rows, more := listingRows(r, Terminal); len(rows) > 0 {
		// The first call's time is the JSON's and the timeline's: a
		// terminal has no room for it.
		for i := range rows {
			rows[i] = slices.Delete(rows[i], 7, 8)
		}
		headers := slices.Delete(slices.Clone(listingHeaders), 7, 8)
		b.WriteString(s.title.Render("directory listings") + "\n" + s.table(headers, rows, 4, 5, 7, 8) + "\n")
		if more > 0 {
			b.WriteString(s.tagged(s.dim, "note", fmt.Sprintf("%d smaller listings are left out (see the JSON)", more)) + "\n")
		}
		b.WriteString("\n")
	}
	if rows, more := syscallRows(r, Terminal); len(rows) > 0 {
		b.WriteString(s.title.Render("system calls by time spent") + "\n" + s.table(syscallHeaders, rows, 2, 4, 5, 6, 7) + "\n")
		if more > 0 {
			b.WriteString(s.tagged(s.dim, "note", fmt.Sprintf("%d more system calls are left out (see the JSON)", more)) + "\n")
		}
		b.WriteString("\n")
	}
	if rows, more := tableRows(r, Terminal); len(rows) > 0 {
		b.WriteString(s.title.Render(tableTitle) + "\n" + s.table(tableHeaders, rows, 2, 3, 4, 5) + "\n")
		if more > 0 {
			b.WriteString(s.tagged(s.dim, "note", fmt.Sprintf("%d more rows are left out (see the JSON)", more)) + "\n")
		}
		b.WriteString("\n")
	}
	if rows := slowRows(r, Terminal); len(rows) > 0 {
		b.WriteString(s.title.Render("slowest calls") + "\n" + s.table(slowHeaders, rows, 3) + "\n\n")
	}
	if len(r.Syscalls) > 0 {
		b.WriteString(s.title.Render("the same system calls side by side") + "\n")
		for i, sc := range r.Syscalls {
			if i == maxSyscallLines {
				break
			}
			b.WriteString(s.indented(0, syscallLine(sc, Terminal)) + "\n")
		}
		b.WriteString("\n")
	}
	for _, h := range r.Hosts {
		if h.Locks != nil {
			b.WriteString(s.title.Render("locks on "+Terminal(h.Label)) + "\n")
			b.WriteString(locksText(h.Locks, s) + "\n")
		}
	}
	if shown, hidden := interestingTasks(r); len(shown) > 0 {
		b.WriteString(s.title.Render("tasks") + "\n")
		for _, g := range groupTasks(shown) {
			t := g.first
			b.WriteString(s.tagged(s.dim, Terminal(t.Host)+" "+roleText(t), Terminal(t.Summary)) + "\n")
			if len(g.others) > 0 {
				b.WriteString(s.tagged(s.dim, Terminal(t.Host)+" "+roleText(t), Terminal(g.collapsed())) + "\n")
			}
		}
		if hidden > 0 {
			b.WriteString(s.tagged(s.dim, "note", fmt.Sprintf("%d other tasks on no lock and in no call of the strace are left out", hidden)) + "\n")
		}
		b.WriteString("\n")
	}
	if len(r.Timeline) > 0 {
		var rows [][]string
		for _, e := range r.Timeline {
			pid := ""
			if e.PID != 0 {
				pid = pidText(e.PID)
			}
			rows = append(rows, []string{Terminal(e.Host), correlate.FormatTimeIn(e.Clock, e.Time, e.Zone), pid, Terminal(e.What), Terminal(e.Source)})
		}
		b.WriteString(s.title.Render("timeline") + "\n" + s.table([]string{"host", "time", "pid", "what", "source"}, rows, 2) + "\n\n")
	}
	for _, h := range r.Hints {
		b.WriteString(s.tagged(s.bad, "known issue", fmt.Sprintf("%s [%s] on %s", Terminal(h.Title), Terminal(h.ID), Terminal(h.Host))) + "\n")
		for _, l := range [][2]string{{"why:", h.Explanation}, {"ref:", h.Reference}, {"fix:", h.Fix}} {
			b.WriteString(s.tagged(s.r.NewStyle(), "  "+l[0], Terminal(l[1])) + "\n")
		}
	}
	for _, w := range r.Warnings {
		b.WriteString(s.tagged(s.bad, "warning", Terminal(w)) + "\n")
	}
	return b.String()
}
