package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/correlate/locks"
)

// Locks writes a lock analysis in format f. The JSON form is the
// locks.Analysis document itself ("lagtrace.locks/v2",
// docs/locks-json.md).
func Locks(w io.Writer, a *locks.Analysis, f Format, o Options) error {
	switch f {
	case JSON:
		return writeJSON(w, a)
	case Markdown:
		_, err := io.WriteString(w, locksMarkdown(a))
		return err
	default:
		_, err := io.WriteString(w, locksText(a, newStyles(w, o)))
		return err
	}
}

// LocksSummary is one paragraph saying who holds what and who waits in the
// latest incident; esc sanitizes every input-derived string for the sink.
func LocksSummary(a *locks.Analysis, esc func(string) string) string {
	if len(a.Incidents) == 0 {
		return "No task stack, blocker line or lock list in the sources."
	}
	s := IncidentSummary(&a.Incidents[0], esc)
	if n := len(a.Incidents); n > 1 {
		which := "the latest"
		if a.Incidents[0].First == nil {
			which = "the first in the text" // none is dated
		}
		s = fmt.Sprintf("%d separate incidents; %s, %s: %s", n, which, a.Incidents[0].ID, s)
	}
	return s
}

// IncidentSummary is one paragraph on one incident: its deadlocks first,
// then each lock.
func IncidentSummary(inc *locks.Incident, esc func(string) string) string {
	var parts []string
	for _, c := range inc.Cycles {
		parts = append(parts, capitalize(esc(c.Text))+".")
	}
	for _, l := range inc.Locks {
		parts = append(parts, lockSentence(inc, l, esc))
	}
	for _, c := range inc.Chains {
		if len(c.Holders) > 1 {
			parts = append(parts, "Chain: "+esc(c.Text)+".")
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("No task of the %d seen sleeps on a lock the sources show.", len(inc.Tasks))
	}
	return strings.Join(parts, " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lockName(l locks.Lock, esc func(string) string) string {
	what := "the lock taken in " + esc(l.Site)
	switch {
	case l.Name != "":
		what = esc(l.Name)
		if l.Site != "" && l.Site != l.Name {
			what += " (taken in " + esc(l.Site) + ")"
		}
	case l.Kind != "":
		what = "the " + esc(l.Kind) + " taken in " + esc(l.Site)
	}
	if l.Object != "" {
		what += " (inode " + esc(l.Object) + ")"
	} else if l.Address != "" && l.Name == "" {
		what += " (at " + esc(l.Address) + ")"
	}
	return what
}

func lockSentence(inc *locks.Incident, l locks.Lock, esc func(string) string) string {
	what := lockName(l, esc)
	var holder string
	switch len(l.Holders) {
	case 0:
		holder = "The holder of " + what + " is not visible"
	default:
		var hs []string
		for _, pid := range l.Holders {
			hs = append(hs, taskName(inc, pid, esc))
		}
		holder = strings.Join(hs, " and ") + " holds " + what
		if l.HolderMode != locks.ModeUnknown {
			holder += " for " + string(l.HolderMode)
		}
		if t, ok := findTask(inc, l.Holders[0]); ok && t.WaitsIn != "" {
			holder += " and " + esc(t.Asleep())
		}
	}
	var gs []string
	for _, g := range l.Groups {
		mode := ""
		if g.Mode != locks.ModeUnknown {
			mode = " to " + string(g.Mode)
		}
		switch {
		case g.Running && g.Count == 1 && len(g.PIDs) == 1:
			gs = append(gs, fmt.Sprintf("%s is acquiring it%s (its stack is the report %s printed)", taskName(inc, g.PIDs[0], esc), mode, esc(g.WaitsIn)))
		case g.Count == 1 && len(g.PIDs) == 1:
			gs = append(gs, fmt.Sprintf("%s waits%s in %s", taskName(inc, g.PIDs[0], esc), mode, esc(g.WaitsIn)))
		case g.Count == 1:
			gs = append(gs, fmt.Sprintf("a task with no PID in the text waits%s in %s", mode, esc(g.WaitsIn)))
		default:
			gs = append(gs, fmt.Sprintf("%d tasks wait%s in %s", g.Count, mode, esc(g.WaitsIn)))
		}
	}
	s := holder
	if len(gs) > 0 {
		s += "; " + strings.Join(gs, ", ")
	}
	return fmt.Sprintf("%s: %s (%s).", l.ID, s, l.Confidence)
}

func findTask(inc *locks.Incident, pid int) (locks.TaskRole, bool) {
	for _, t := range inc.Tasks {
		if t.PID != nil && *t.PID == pid {
			return t, true
		}
	}
	return locks.TaskRole{}, false
}

// findPlace finds a task the text names no PID for by its place.
func findPlace(inc *locks.Incident, place string) (locks.TaskRole, bool) {
	for _, t := range inc.Tasks {
		if t.PID == nil && t.Place == place {
			return t, true
		}
	}
	return locks.TaskRole{}, false
}

func taskName(inc *locks.Incident, pid int, esc func(string) string) string {
	if t, ok := findTask(inc, pid); ok && t.Comm != "" {
		return esc(t.Comm) + ":" + strconv.Itoa(pid)
	}
	return strconv.Itoa(pid)
}

// taskID is a task's PID, or its place when the text names no PID.
func taskID(t locks.TaskRole) string {
	if t.PID == nil {
		return "(no pid) " + t.Place
	}
	return strconv.Itoa(*t.PID)
}

var lockHeaders = []string{"role", "pid", "comm", "mode", "waits in", "site", "source"}

// maxGroupRows caps the waiter rows of one lock's table; the JSON keeps all.
const maxGroupRows = 12

// lockRows lists a lock's holders one per row, then its waiters one row
// per group of identical stacks.
func lockRows(inc *locks.Incident, l locks.Lock, esc, codeSpan func(string) string) [][]string {
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return codeSpan(s)
	}
	var rows [][]string
	for _, pid := range l.Holders {
		t, _ := findTask(inc, pid)
		mode := string(t.Mode)
		if mode == "" {
			mode = string(l.HolderMode)
		}
		rows = append(rows, []string{"holder", strconv.Itoa(pid), esc(t.Comm), mode, code(t.WaitsIn), code(t.Site), esc(firstSource(t.Sources))})
	}
	for i, g := range l.Groups {
		if i == maxGroupRows {
			rest := 0
			for _, g := range l.Groups[i:] {
				rest += g.Count
			}
			rows = append(rows, []string{fmt.Sprintf("… %d more", len(l.Groups)-i), fmt.Sprintf("%d waiters", rest), "", "", "", "", ""})
			break
		}
		var t locks.TaskRole
		pids := ""
		switch {
		case len(g.PIDs) > 0:
			t, _ = findTask(inc, g.PIDs[0])
			pids = pidList(g.PIDs, 4)
		case len(g.Places) > 0:
			t, _ = findPlace(inc, g.Places[0])
		}
		switch {
		case len(g.Places) > 0 && pids == "":
			pids = "-" // no PID in the text: the source column says where
		case len(g.Places) > 0:
			pids += fmt.Sprintf(" +%d unnamed", len(g.Places))
		}
		role, src := "waiter", firstSource(t.Sources)
		if g.Count > 1 {
			role = fmt.Sprintf("waiter\u00a0×%d", g.Count) // kept on one line
			src += "\u00a0…"
		}
		if len(g.PIDs) == 0 && len(g.Places) > 0 {
			src = g.Places[0]
		}
		comm := strings.Join(g.Comms, ", ")
		rows = append(rows, []string{role, pids, esc(comm), string(g.Mode), code(g.WaitsIn), code(t.Site), esc(src)})
	}
	return rows
}

func firstSource(s locks.Sources) string {
	switch {
	case len(s.First) == 0:
		return ""
	case s.Count <= 1:
		return s.First[0]
	}
	return fmt.Sprintf("%s (+%d)", s.First[0], s.Count-1)
}

func pidList(pids []int, limit int) string {
	var b strings.Builder
	for i, p := range pids {
		if i == limit {
			fmt.Fprintf(&b, " … (%d more)", len(pids)-limit)
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strconv.Itoa(p))
	}
	return b.String()
}

func lockTitle(l locks.Lock, esc func(string) string) string {
	parts := []string{l.ID, "site " + esc(l.Site)}
	switch {
	case l.Name != "":
		parts = append(parts, esc(l.Name))
	case l.Kind != "":
		parts = append(parts, esc(l.Kind))
	case l.Type != "":
		parts = append(parts, esc(l.Type))
	}
	if l.Object != "" {
		parts = append(parts, "inode "+esc(l.Object))
	} else if l.Address != "" {
		parts = append(parts, "at "+esc(l.Address))
	}
	parts = append(parts, string(l.Confidence))
	return strings.Join(parts, " · ")
}

// reasonText words a piece of evidence with where it was seen.
func reasonText(r locks.Reason) string {
	s := r.Text
	switch {
	case r.Source != "" && r.Count > 1:
		s += fmt.Sprintf(" (%s, %d times)", r.Source, r.Count)
	case r.Source != "":
		s += " (" + r.Source + ")"
	}
	return s
}

func otherTasks(inc *locks.Incident) []locks.TaskRole {
	var out []locks.TaskRole
	for _, t := range inc.Tasks {
		if t.Role == locks.Other {
			out = append(out, t)
		}
	}
	return out
}

// incidentTitle heads an incident when the sources hold more than one.
func incidentTitle(inc *locks.Incident) string {
	parts := []string{"incident " + inc.ID}
	if inc.First != nil && inc.Last != nil {
		parts = append(parts, incidentSpan(inc))
	} else {
		parts = append(parts, "undated")
	}
	parts = append(parts, fmt.Sprintf("%d tasks", len(inc.Tasks)))
	return strings.Join(parts, " · ")
}

func incidentSpan(inc *locks.Incident) string {
	f, l := *inc.First, *inc.Last
	if inc.Clock == locks.ClockWall {
		return fmt.Sprintf("%s to %s", correlate.FormatTime(correlate.Wall, f), correlate.FormatTime(correlate.Wall, l))
	}
	return fmt.Sprintf("%.3f s to %.3f s after boot", f, l)
}

func locksText(a *locks.Analysis, s *styles) string {
	var b strings.Builder
	b.WriteString(s.paragraph("lagtrace locks", LocksSummary(a, Terminal)) + "\n")
	for i := range a.Incidents {
		inc := &a.Incidents[i]
		if len(a.Incidents) > 1 {
			b.WriteString("\n" + s.title.Render(incidentTitle(inc)) + "\n")
			if i > 0 {
				b.WriteString(s.paragraph(inc.ID, IncidentSummary(inc, Terminal)) + "\n")
			}
		}
		incidentText(&b, inc, s)
	}
	for _, n := range a.Notes {
		b.WriteString(s.tagged(s.bad, "note", Terminal(n)) + "\n")
	}
	return b.String()
}

func incidentText(b *strings.Builder, inc *locks.Incident, s *styles) {
	for _, l := range inc.Locks {
		b.WriteString("\n" + s.title.Render(lockTitle(l, Terminal)) + "\n")
		b.WriteString(s.table(lockHeaders, lockRows(inc, l, Terminal, Terminal), 1) + "\n")
		for _, e := range l.Evidence {
			b.WriteString(s.tagged(s.dim, "evidence", Terminal(reasonText(e))) + "\n")
		}
	}
	for _, c := range inc.Cycles {
		b.WriteString(s.tagged(s.bad, "cycle", Terminal(c.Text)) + "\n")
	}
	for _, c := range inc.Chains {
		if len(c.Holders) > 1 {
			b.WriteString(s.tagged(s.dim, "chain", Terminal(c.Text)) + "\n")
		}
	}
	if o := otherTasks(inc); len(o) > 0 {
		var t strings.Builder
		fmt.Fprintf(&t, "%d tasks on no lock the sources show:", len(o))
		for i, task := range o {
			if i == 8 {
				fmt.Fprintf(&t, " … (%d more)", len(o)-8)
				break
			}
			fmt.Fprintf(&t, " %s:%s in %s", Terminal(task.Comm), Terminal(taskID(task)), Terminal(orDash(task.WaitsIn)))
			if i < len(o)-1 && i < 7 {
				t.WriteString(",")
			}
		}
		b.WriteString("\n" + s.tagged(s.dim, "other", t.String()) + "\n")
	}
	for _, n := range inc.Notes {
		b.WriteString(s.tagged(s.bad, "note", Terminal(n)) + "\n")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func locksMarkdown(a *locks.Analysis) string {
	var b strings.Builder
	b.WriteString("## Locks: who holds, who waits\n\n")
	b.WriteString(LocksSummary(a, MarkdownCell) + "\n\n")
	for i := range a.Incidents {
		inc := &a.Incidents[i]
		if len(a.Incidents) > 1 {
			b.WriteString("### " + MarkdownCell(incidentTitle(inc)) + "\n\n")
			if i > 0 {
				b.WriteString(IncidentSummary(inc, MarkdownCell) + "\n\n")
			}
		}
		incidentMarkdown(&b, inc)
	}
	if len(a.Notes) > 0 {
		b.WriteString("### Notes\n\n")
		for _, n := range a.Notes {
			b.WriteString("- " + MarkdownCell(n) + "\n")
		}
	}
	return b.String()
}

func incidentMarkdown(b *strings.Builder, inc *locks.Incident) {
	for _, l := range inc.Locks {
		b.WriteString("#### " + lockTitle(l, MarkdownCell) + "\n\n")
		markdownTable(b, lockHeaders, lockRows(inc, l, MarkdownCell, MarkdownCode), 1)
		b.WriteString("\n")
		for _, e := range l.Evidence {
			b.WriteString("- " + MarkdownCell(reasonText(e)) + "\n")
		}
		b.WriteString("\n")
	}
	if len(inc.Cycles) > 0 {
		for _, c := range inc.Cycles {
			b.WriteString("- **" + MarkdownCell(c.Text) + "**\n")
		}
		b.WriteString("\n")
	}
	if o := otherTasks(inc); len(o) > 0 {
		fmt.Fprintf(b, "#### Other tasks (%d)\n\n", len(o))
		var rows [][]string
		for i, t := range o {
			if i == maxGroupRows*4 {
				rows = append(rows, []string{fmt.Sprintf("… %d more", len(o)-i), "", "", ""})
				break
			}
			rows = append(rows, []string{MarkdownCell(taskID(t)), MarkdownCell(t.Comm), MarkdownCode(orDash(t.WaitsIn)), MarkdownCell(firstSource(t.Sources))})
		}
		markdownTable(b, []string{"pid", "comm", "waits in", "source"}, rows, 0)
		b.WriteString("\n")
	}
	if len(inc.Notes) > 0 {
		for _, n := range inc.Notes {
			b.WriteString("- " + MarkdownCell(n) + "\n")
		}
		b.WriteString("\n")
	}
}
