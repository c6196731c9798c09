package render

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/correlate/locks"
)

// ReportDoc is the JSON form of a report ("lagtrace.report/v1",
// docs/report-json.md): one object with everything the other formats show.
type ReportDoc struct {
	Schema   string                     `json:"schema"`
	Hosts    []ReportHost               `json:"hosts"`
	Compare  *CompareDoc                `json:"compare"`
	Locks    map[string]*locks.Analysis `json:"locks"`
	Tasks    []ReportTask               `json:"tasks"`
	Timeline []ReportEvent              `json:"timeline"`
	Verdict  ReportVerdict              `json:"verdict"`
	Warnings []string                   `json:"warnings"`
}

// ReportHost is one host and its files.
type ReportHost struct {
	Label    string                 `json:"label"`
	Files    []correlate.SourceFile `json:"files"`
	Clock    string                 `json:"clock"`
	InFlight []ReportCall           `json:"in_flight"`
	// InFlightMore counts the processes with a call in flight that
	// in_flight leaves out (it lists the longest-running).
	InFlightMore int          `json:"in_flight_more"`
	Slow         []ReportCall `json:"slow_calls"`
}

// ReportCall is a system call from a host's strace.
type ReportCall struct {
	PID       int     `json:"pid"`
	Name      string  `json:"name"`
	Path      string  `json:"path,omitempty"`
	Args      string  `json:"args"`
	Entry     float64 `json:"entry"`
	DurationS float64 `json:"duration_s"`
	Line      int     `json:"line"`
}

// ReportTask is one task joined across a host's sources.
type ReportTask struct {
	Host    string                 `json:"host"`
	PID     int                    `json:"pid"`
	Comm    string                 `json:"comm"`
	Role    locks.Role             `json:"role"`
	Lock    string                 `json:"lock,omitempty"`
	Mode    locks.Mode             `json:"mode,omitempty"`
	WaitsIn string                 `json:"waits_in,omitempty"`
	Sources []correlate.TaskSource `json:"sources"`
	Story   []string               `json:"story"`
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
		Tasks: []ReportTask{}, Timeline: []ReportEvent{}, Warnings: append([]string{}, r.Warnings...),
		Verdict: ReportVerdict{Text: r.Verdict, Hints: []ReportHint{}},
	}
	if r.Compare != nil {
		cd := NewCompareDoc(r.Compare, true)
		d.Compare = &cd
	}
	for _, h := range r.Hosts {
		rh := ReportHost{Label: h.Label, Files: h.Files, Clock: h.Clock, InFlight: reportCalls(h.InFlight), InFlightMore: h.InFlightMore, Slow: reportCalls(h.Slow)}
		if rh.Files == nil {
			rh.Files = []correlate.SourceFile{}
		}
		d.Hosts = append(d.Hosts, rh)
		if h.Locks != nil {
			d.Locks[h.Label] = h.Locks
		}
	}
	for _, t := range r.Tasks {
		d.Tasks = append(d.Tasks, ReportTask{Host: t.Host, PID: t.PID, Comm: t.Comm, Role: t.Role, Lock: t.Lock, Mode: t.Mode, WaitsIn: t.WaitsIn, Sources: t.Sources, Story: t.Story})
	}
	for _, e := range r.Timeline {
		d.Timeline = append(d.Timeline, ReportEvent{Host: e.Host, Time: correlate.FormatTime(e.Clock, e.Time), T: e.Time, Clock: e.Clock, PID: e.PID, What: e.What, Source: e.Source})
	}
	for _, h := range r.Hints {
		d.Verdict.Hints = append(d.Verdict.Hints, ReportHint{ID: h.ID, Title: h.Title, Host: h.Host, Lock: h.Lock, Holders: h.Holders, Explanation: h.Explanation, Reference: h.Reference, Fix: h.Fix})
	}
	return d
}

func reportCalls(cs []correlate.Call) []ReportCall {
	out := []ReportCall{}
	for _, c := range cs {
		out = append(out, ReportCall{PID: c.PID, Name: c.Name, Path: c.Path, Args: c.Args, Entry: float64(c.Entry) / 1e9, DurationS: float64(c.Duration) / 1e9, Line: c.Line})
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
		parts = append(parts, esc(f.Path)+" ("+esc(f.Kind)+")")
	}
	return strings.Join(parts, ", ")
}

func roleText(t correlate.JoinedTask) string {
	if t.Mode != locks.ModeUnknown && t.Role != locks.Other {
		return string(t.Role) + " (" + string(t.Mode) + ")"
	}
	return string(t.Role)
}

func sourceList(ss []correlate.TaskSource, esc func(string) string, limit int) string {
	var parts []string
	for i, s := range ss {
		if i == limit {
			parts = append(parts, fmt.Sprintf("+%d more", len(ss)-limit))
			break
		}
		parts = append(parts, esc(s.Kind+" "+s.Loc))
	}
	return strings.Join(parts, ", ")
}

// interestingTasks leaves out tasks that are on no lock and stuck in no
// call: a stack snapshot of a whole system has hundreds of those.
func interestingTasks(r *correlate.Report) (shown []correlate.JoinedTask, hidden int) {
	for _, t := range r.Tasks {
		if t.Role != locks.Other || slicesHasKind(t.Sources, "strace") {
			shown = append(shown, t)
		} else {
			hidden++
		}
	}
	return shown, hidden
}

func slicesHasKind(ss []correlate.TaskSource, kind string) bool {
	return slices.ContainsFunc(ss, func(s correlate.TaskSource) bool { return s.Kind == kind })
}

func reportMarkdown(r *correlate.Report, o ReportOptions) string {
	var b strings.Builder
	b.WriteString("# lagtrace report\n\n")
	b.WriteString("**What happened.** " + MarkdownCell(r.Verdict) + "\n\n")

	b.WriteString("## Hosts\n\n")
	var rows [][]string
	for _, h := range r.Hosts {
		rows = append(rows, []string{MarkdownCell(h.Label), fileList(h.Files, MarkdownCell), MarkdownCell(h.Clock)})
	}
	markdownTable(&b, []string{"host", "files (kind)", "clock"}, rows)
	b.WriteString("\n")

	if c := r.Compare; c != nil {
		b.WriteString(compareMarkdown(c))
		if o.PlotLink != "" {
			b.WriteString(plotMarkdown(o.PlotLink))
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

	if shown, hidden := interestingTasks(r); len(shown) > 0 {
		b.WriteString("## Tasks\n\n")
		var rows [][]string
		for _, t := range shown {
			rows = append(rows, []string{MarkdownCell(t.Host), strconv.Itoa(t.PID), MarkdownCell(t.Comm), MarkdownCell(roleText(t)),
				MarkdownCode(orDash(t.WaitsIn)), sourceList(t.Sources, MarkdownCell, 4)})
		}
		markdownTable(&b, []string{"host", "pid", "comm", "role", "waits in", "sources"}, rows, 1)
		if hidden > 0 {
			fmt.Fprintf(&b, "\n%d other tasks, on no lock and in no unfinished call, are left out (see the JSON).\n", hidden)
		}
		b.WriteString("\n")
	}

	if len(r.Timeline) > 0 {
		b.WriteString("## Timeline\n\n")
		var rows [][]string
		for _, e := range r.Timeline {
			pid := ""
			if e.PID != 0 {
				pid = strconv.Itoa(e.PID)
			}
			rows = append(rows, []string{MarkdownCell(e.Host), correlate.FormatTime(e.Clock, e.Time), pid, MarkdownCell(e.What), MarkdownCell(e.Source)})
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

	var ev strings.Builder
	for _, t := range r.Tasks {
		if len(t.Story) == 0 || t.Role == locks.Other && !slicesHasKind(t.Sources, "strace") {
			continue
		}
		fmt.Fprintf(&ev, "- %s %d (%s): %s. Sources: %s.\n", MarkdownCell(t.Host), t.PID, MarkdownCell(t.Comm),
			MarkdownCell(strings.Join(t.Story, "; ")), sourceList(t.Sources, MarkdownCell, 8))
	}
	for _, w := range r.Warnings {
		ev.WriteString("- **warning:** " + MarkdownCell(w) + "\n")
	}
	section(&b, "## Evidence", ev.String())
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
		rows = append(rows, []string{Terminal(h.Label), fileList(h.Files, Terminal), Terminal(h.Clock)})
	}
	b.WriteString(s.table([]string{"host", "files (kind)", "clock"}, rows) + "\n\n")
	if c := r.Compare; c != nil {
		b.WriteString(compareText(c, s) + "\n")
		b.WriteString(ProgressChart(PlotOf(c, s.scale), min(s.prose, 100), 12) + "\n")
	}
	for _, h := range r.Hosts {
		if h.Locks != nil {
			b.WriteString(s.title.Render("locks on "+Terminal(h.Label)) + "\n")
			b.WriteString(locksText(h.Locks, s) + "\n")
		}
	}
	if shown, hidden := interestingTasks(r); len(shown) > 0 {
		var rows [][]string
		for _, t := range shown {
			rows = append(rows, []string{Terminal(t.Host), strconv.Itoa(t.PID), Terminal(t.Comm), Terminal(roleText(t)), Terminal(orDash(t.WaitsIn)), sourceList(t.Sources, Terminal, 3)})
		}
		b.WriteString(s.title.Render("tasks") + "\n" + s.table([]string{"host", "pid", "comm", "role", "waits in", "sources"}, rows, 1) + "\n")
		if hidden > 0 {
			b.WriteString(s.tagged(s.dim, "note", fmt.Sprintf("%d other tasks on no lock are left out", hidden)) + "\n")
		}
		b.WriteString("\n")
	}
	if len(r.Timeline) > 0 {
		var rows [][]string
		for _, e := range r.Timeline {
			pid := ""
			if e.PID != 0 {
				pid = strconv.Itoa(e.PID)
			}
			rows = append(rows, []string{Terminal(e.Host), correlate.FormatTime(e.Clock, e.Time), pid, Terminal(e.What), Terminal(e.Source)})
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
