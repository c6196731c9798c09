package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/render"
)

func TestDemoGoldens(t *testing.T) {
	for _, inc := range []string{"seed", "fuse"} {
		for _, f := range []string{"text", "markdown", "json"} {
			t.Run(inc+"/"+f, func(t *testing.T) {
				goldenCLI(t, "demo/"+inc+"."+f, "demo", "--incident", inc, "-f", f)
			})
		}
	}
}

// The real 6.18 bundle: the ground truth is in testdata/README.md (holder
// touch 5214; ls waiters 5261, 5264 and the traced 5354; stat 5296).
func TestReportFuseBundle(t *testing.T) {
	out, stderr, code := runCLI(t, "", "demo", "--incident", "fuse", "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc render.ReportDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	type role struct {
		PID  int
		Comm string
		Role string
	}
	var got []role
	for _, tk := range doc.Tasks {
		if tk.Role != "other" {
			got = append(got, role{*tk.PID, tk.Comm, string(tk.Role)})
		}
	}
	want := []role{{5214, "touch", "holder"}, {5261, "", "waiter"}, {5264, "", "waiter"}, {5296, "stat", "waiter"}, {5354, "ls", "waiter"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if s := doc.Compare.Slowdown["B"]; s.Final == nil || *s.Final < 50 {
		t.Errorf("B's final slowdown = %v, want the stalled listing's ~100x", s.Final)
	}
	if len(doc.Verdict.Hints) != 1 || doc.Verdict.Hints[0].ID != "fuse-daemon-holds-dir-lock" {
		t.Errorf("hints = %+v, want fuse-daemon-holds-dir-lock only", doc.Verdict.Hints)
	}
}

// The demo's numbers and PIDs must be the inputs': the seed's table, the
// holder and waiters the crash transcript shows.
func TestDemoFacts(t *testing.T) {
	out, stderr, code := runCLI(t, "", "demo", "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc render.ReportDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "lagtrace.report/v1" || doc.Compare == nil {
		t.Fatalf("schema %q, compare %v", doc.Schema, doc.Compare)
	}
	if f := doc.Compare.Slowdown["B"].Final; f == nil || ratio(*f) != "77.62x" {
		t.Errorf("final slowdown = %v, want 77.62x", doc.Compare.Slowdown["B"])
	}
	if doc.Locks["B"] == nil {
		t.Fatal("no locks on B")
	}
	la := oneIncident(t, *doc.Locks["B"])
	if len(la.Locks) != 1 {
		t.Fatalf("locks on B = %+v, want one lock", la)
	}
	l := la.Locks[0]
	if diff := cmp.Diff([]int{3748012}, l.Holders); diff != "" {
		t.Errorf("holders (-want +got):\n%s", diff)
	}
	if len(l.Waiters) != 19 || !slices.Contains(l.Waiters, 3621271) || l.Object != "0xffff91fca5985500" || l.Site != "iterate_dir" {
		t.Errorf("lock = site %q object %q waiters %v; want iterate_dir, 0xffff91fca5985500, 19 incl. 3621271", l.Site, l.Object, l.Waiters)
	}
	// 18 getdents64 tasks want the lock for write, 3621271 for read.
	modes := map[string][]int{}
	for _, tk := range la.Tasks {
		if tk.Role == "waiter" {
			modes[string(tk.Mode)] = append(modes[string(tk.Mode)], *tk.PID)
		}
	}
	if len(modes["write"]) != 18 || !slices.Equal(modes["read"], []int{3621271}) {
		t.Errorf("waiters by mode = %v; want 18 write and 3621271 read", modes)
	}
	var hints []string
	for _, h := range doc.Verdict.Hints {
		hints = append(hints, h.ID)
	}
	if diff := cmp.Diff([]string{"nfs-readdir-exclusive-i_rwsem", "holder-waits-on-nfs-server"}, hints); diff != "" {
		t.Errorf("hints (-want +got):\n%s", diff)
	}
	// The verdict says who holds what; what dmesg cannot show is a
	// detail of the locks section.
	if !strings.Contains(doc.Verdict.Text, "rsync 3748012 holds L1") {
		t.Errorf("verdict lacks the holder:\n%s", doc.Verdict.Text)
	}
	if n := len(doc.Locks["B"].Incidents[0].Notes); n == 0 || !strings.Contains(strings.Join(doc.Locks["B"].Incidents[0].Notes, " "), "dmesg reports only 3621271") {
		t.Errorf("locks notes lack what dmesg cannot show: %q", doc.Locks["B"].Incidents[0].Notes)
	}
}

func TestReportPlotIsValidSVG(t *testing.T) {
	dir := t.TempDir()
	svg, md := filepath.Join(dir, "progress.svg"), filepath.Join(dir, "report.md")
	_, stderr, code := runCLI(t, "", "demo", "-f", "markdown", "--plot", svg, "-o", md)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	lines := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG is not well-formed XML: %v", err)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	if lines != 2 {
		t.Errorf("SVG has %d polylines, want one per host (2)", lines)
	}
	report, _ := os.ReadFile(md)
	if !strings.Contains(string(report), "](progress.svg)") {
		t.Errorf("Markdown does not link the plot beside it as progress.svg:\n%s", report)
	}
}

// The Markdown links the plot relative to the report's directory (the
// working directory on standard output), so the link works wherever the
// two are copied together and names no directory of this machine.
func TestPlotLink(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("sub", 0o755); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "sub", "abs.svg")
	tests := []struct {
		name         string
		output, plot string
		want         string
	}{
		{"both in sub", "sub/report.md", "sub/plot.svg", "](plot.svg)"},
		{"plot beside the working directory", "sub/report.md", "plot.svg", "](../plot.svg)"},
		{"absolute plot", "sub/report.md", abs, "](abs.svg)"},
		{"standard output", "", "sub/plot.svg", "](sub/plot.svg)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"demo", "-f", "markdown", "--plot", tt.plot}
			if tt.output != "" {
				args = append(args, "-o", tt.output)
			}
			out, stderr, code := runCLI(t, "", args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if tt.output != "" {
				b, err := os.ReadFile(tt.output)
				if err != nil {
					t.Fatal(err)
				}
				out = string(b)
			}
			if !strings.Contains(out, tt.want) || strings.Contains(out, dir) {
				t.Errorf("Markdown does not link %s as %q, or names %s", tt.plot, tt.want, dir)
			}
		})
	}
}

// --plot writes SVG: a name that says another format is refused before
// anything is read; compare writes the plot too.
func TestPlotFlag(t *testing.T) {
	for _, name := range []string{"x.png", "x", "x.svg.pdf"} {
		_, stderr, code := runCLI(t, "", "demo", "--plot", name)
		if code != exitUsage || !strings.Contains(stderr, "name it FILE.svg") {
			t.Errorf("--plot %s: exit %d, stderr %q; want a usage error", name, code, stderr)
		}
	}
	svg := filepath.Join(t.TempDir(), "compare.SVG")
	out, stderr, code := runCLI(t, "", "compare", "-f", "markdown", "--plot", svg, "--plot-scale", "linear", "--baseline", "E", "B="+seedB, "E="+seedE)
	if code != exitOK {
		t.Fatalf("compare --plot: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "B listed /var/tmp/lagtrace-dirs/seed-B") || strings.Contains(string(b), "log scale") {
		t.Errorf("compare's plot lacks its title or is not on a linear scale")
	}
	if !strings.Contains(out, "compare.SVG)") {
		t.Errorf("compare's Markdown does not link the plot:\n%s", out)
	}
	// The terminal chart takes the same scale.
	for scale, want := range map[string]bool{"auto": true, "log": true, "linear": false} {
		out, stderr, code := runCLI(t, "", "demo", "--plot-scale", scale)
		if code != exitOK {
			t.Fatalf("--plot-scale %q: exit %d: %s", scale, code, stderr)
		}
		if got := strings.Contains(out, "(log scale)"); got != want {
			t.Errorf("--plot-scale %q: chart on a log scale = %v; want %v", scale, got, want)
		}
	}
}

func TestReportErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no files", []string{"report"}, exitUsage, "requires at least 1 arg"},
		{"bad boot time", []string{"report", "--boot-time", "yesterday", "B=" + seedB}, exitUsage, "--boot-time"},
		{"boot time for unknown host", []string{"report", "--boot-time", "X=1712000000", "B=" + seedB}, exitUsage, `no host labelled "X"`},
		{"unknown baseline", []string{"report", "--baseline", "Z", "B=" + seedB}, exitUsage, `--baseline "Z"`},
		{"unknown kind", []string{"report", "B=../../go.mod"}, exitInput, "go.mod: not a strace capture"},
		{"unknown incident", []string{"demo", "--incident", "nope"}, exitUsage, `"nope" for "--incident" flag: want seed or fuse`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}

// No Markdown heading is left with nothing under it: a report from
// straces alone has no evidence section, and no output ends in a heading.
func TestMarkdownNoEmptySections(t *testing.T) {
	for _, args := range [][]string{
		{"report", "-f", "markdown", "--baseline", "E", "B=" + seedB, "E=" + seedE},
		{"report", "-f", "markdown", "B=" + seedB},
		{"demo", "-f", "markdown"},
		{"locks", "-f", "markdown", seedDmesg},
		{"compare", "-f", "markdown", "--baseline", "E", "B=" + seedB, "E=" + seedE},
	} {
		out, stderr, code := runCLI(t, "", args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		for i, l := range lines {
			if !strings.HasPrefix(l, "#") {
				continue
			}
			next := ""
			for _, n := range lines[i+1:] {
				if n != "" {
					next = n
					break
				}
			}
			if next == "" || strings.HasPrefix(next, "#") && headingLevel(next) <= headingLevel(l) {
				t.Errorf("%v: heading %q has nothing under it", args, l)
			}
		}
	}
}

func headingLevel(l string) int { return len(l) - len(strings.TrimLeft(l, "#")) }
