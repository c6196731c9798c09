package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/locks"
)

// Locks writes a lock analysis in format f. The JSON form is the
// locks.Analysis document itself ("lagtrace.locks/v1",
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

// LocksSummary is one paragraph saying who holds what and who waits; esc
// sanitizes every input-derived string for the sink.
func LocksSummary(a *locks.Analysis, esc func(string) string) string {
	if len(a.Locks) == 0 {
		return fmt.Sprintf("No task in the %d seen sleeps on a lock the stacks show.", len(a.Tasks))
	}
	var parts []string
	for _, l := range a.Locks {
		parts = append(parts, lockSentence(a, l, esc))
	}
	return strings.Join(parts, " ")
}

func lockSentence(a *locks.Analysis, l locks.Lock, esc func(string) string) string {
	what := "the lock taken in " + esc(l.Site)
	if l.Kind != "" {
		what = "the " + esc(l.Kind) + " taken in " + esc(l.Site)
	}
	if l.Object != "" {
		what += " (inode " + esc(l.Object) + ")"
	}
	var holder string
	switch len(l.Holders) {
	case 0:
		holder = "The holder of " + what + " is not visible"
	default:
		var hs []string
		for _, pid := range l.Holders {
			hs = append(hs, taskName(a, pid, esc))
		}
		holder = strings.Join(hs, " and ") + " holds " + what
		if l.HolderMode != locks.ModeUnknown {
			holder += " for " + string(l.HolderMode)
		}
		if t, ok := findTask(a, l.Holders[0]); ok && t.WaitsIn != "" {
			holder += " and sleeps in " + esc(t.WaitsIn)
		}
	}
	var gs []string
	for _, g := range l.Groups {
		mode := ""
		if g.Mode != locks.ModeUnknown {
			mode = " to " + string(g.Mode)
		}
		if g.Count == 1 {
			gs = append(gs, fmt.Sprintf("%s waits%s in %s", taskName(a, g.PIDs[0], esc), mode, esc(g.WaitsIn)))
		} else {
			gs = append(gs, fmt.Sprintf("%d tasks wait%s in %s", g.Count, mode, esc(g.WaitsIn)))
		}
	}
	s := holder
	if len(gs) > 0 {
		s += "; " + strings.Join(gs, ", ")
	}
	return fmt.Sprintf("%s: %s (%s).", l.ID, s, l.Confidence)
}

func findTask(a *locks.Analysis, pid int) (locks.TaskRole, bool) {
	for _, t := range a.Tasks {
		if t.PID == pid {
			return t, true
		}
	}
	return locks.TaskRole{}, false
}

func taskName(a *locks.Analysis, pid int, esc func(string) string) string {
	if t, ok := findTask(a, pid); ok && t.Comm != "" {
		return esc(t.Comm) + ":" + strconv.Itoa(pid)
	}
	return strconv.Itoa(pid)
}

var lockHeaders = []string{"role", "pid", "comm", "mode", "waits in", "site", "source"}

// lockRows lists a lock's holders one per row, then its waiters one row
// per group of identical stacks.
func lockRows(a *locks.Analysis, l locks.Lock, esc, codeSpan func(string) string) [][]string {
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return codeSpan(s)
	}
	var rows [][]string
	for _, pid := range l.Holders {
		t, _ := findTask(a, pid)
		mode := string(t.Mode)
		rows = append(rows, []string{"holder", strconv.Itoa(pid), esc(t.Comm), mode, code(t.WaitsIn), code(t.Site), esc(firstSource(t.Sources))})
	}
	for _, g := range l.Groups {
		t, _ := findTask(a, g.PIDs[0])
		role, pids, src := "waiter", strconv.Itoa(g.PIDs[0]), firstSource(t.Sources)
		if g.Count > 1 {
			role = fmt.Sprintf("waiter ×%d", g.Count)
			pids = pidList(g.PIDs, 4)
			src += " …"
		}
		rows = append(rows, []string{role, pids, esc(t.Comm), string(g.Mode), code(g.WaitsIn), code(t.Site), esc(src)})
	}
	return rows
}

func firstSource(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return fmt.Sprintf("%s (+%d)", s[0], len(s)-1)
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
	if l.Kind != "" {
		parts = append(parts, esc(l.Kind))
	} else if l.Type != "" {
		parts = append(parts, esc(l.Type))
	}
	if l.Object != "" {
		parts = append(parts, "inode "+esc(l.Object))
	}
	parts = append(parts, string(l.Confidence))
	return strings.Join(parts, " · ")
}

func otherTasks(a *locks.Analysis) []locks.TaskRole {
	var out []locks.TaskRole
	for _, t := range a.Tasks {
		if t.Role == locks.Other {
			out = append(out, t)
		}
	}
	return out
}

func locksText(a *locks.Analysis, s *styles) string {
	var b strings.Builder
	b.WriteString(s.paragraph("lagtrace locks", LocksSummary(a, Terminal)) + "\n")
	for _, l := range a.Locks {
		b.WriteString("\n" + s.title.Render(lockTitle(l, Terminal)) + "\n")
		b.WriteString(s.table(lockHeaders, lockRows(a, l, Terminal, Terminal), 1) + "\n")
		for _, e := range l.Evidence {
			b.WriteString(s.dim.Render("evidence") + " " + Terminal(e) + "\n")
		}
	}
	if o := otherTasks(a); len(o) > 0 {
		fmt.Fprintf(&b, "\n%s %d tasks on no lock the stacks show:", s.dim.Render("other"), len(o))
		for i, t := range o {
			if i == 8 {
				fmt.Fprintf(&b, " … (%d more)", len(o)-8)
				break
			}
			fmt.Fprintf(&b, " %s:%d in %s", Terminal(t.Comm), t.PID, Terminal(orDash(t.WaitsIn)))
			if i < len(o)-1 && i < 7 {
				b.WriteString(",")
			}
		}
		b.WriteString("\n")
	}
	for _, n := range a.Notes {
		b.WriteString(s.bad.Render("note") + " " + Terminal(n) + "\n")
	}
	return b.String()
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
	for _, l := range a.Locks {
		b.WriteString("### " + lockTitle(l, MarkdownCell) + "\n\n")
		markdownTable(&b, lockHeaders, lockRows(a, l, MarkdownCell, MarkdownCode), 1)
		b.WriteString("\n")
		for _, e := range l.Evidence {
			b.WriteString("- " + MarkdownCell(e) + "\n")
		}
		b.WriteString("\n")
	}
	if o := otherTasks(a); len(o) > 0 {
		fmt.Fprintf(&b, "### Other tasks (%d)\n\n", len(o))
		var rows [][]string
		for _, t := range o {
			rows = append(rows, []string{strconv.Itoa(t.PID), MarkdownCell(t.Comm), MarkdownCode(orDash(t.WaitsIn)), MarkdownCell(firstSource(t.Sources))})
		}
		markdownTable(&b, []string{"pid", "comm", "waits in", "source"}, rows, 0)
		b.WriteString("\n")
	}
	if len(a.Notes) > 0 {
		b.WriteString("### Notes\n\n")
		for _, n := range a.Notes {
			b.WriteString("- " + MarkdownCell(n) + "\n")
		}
	}
	return b.String()
}
