package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/render"
)

// The bundle tools/fusestall/capture-report.sh captured under
// TZ=America/New_York (testdata/README.md, report/): B/pids.txt is the
// ground truth.
const repDir = "../../testdata/report"

func bundleArgs() []string {
	var args []string
	for _, f := range []string{"ls.strace.gz", "stat.strace", "py.strace", "touch.strace", "dmesg.txt", "dmesg-T.txt", "stacks.txt"} {
		args = append(args, "B="+filepath.Join(repDir, "B", f))
	}
	return append(args, "E="+filepath.Join(repDir, "E", "ls.strace.gz"))
}

func reportDoc(t *testing.T, args ...string) render.ReportDoc {
	t.Helper()
	out, stderr, code := runCLI(t, "", append([]string{"report", "-f", "json"}, args...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc render.ReportDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// Every task of the pile-up is one row, with its strace call (from its own
// file: four strace files on one host) and its kernel sources, on one
// clock; the timeline is in time order.
func TestReportRealBundle(t *testing.T) {
	doc := reportDoc(t, append([]string{"--tz", "America/New_York"}, bundleArgs()...)...)
	type row struct {
		Comm, Role string
		TGID       int
		// Call is where the task's strace call is; Kernel the kinds of
		// kernel source that saw it.
		Call   string
		Kernel []string
	}
	got := map[int]row{}
	for _, tk := range doc.Tasks {
		if tk.PID == nil || tk.Host != "B" {
			continue
		}
		if _, dup := got[*tk.PID]; dup {
			t.Errorf("task %d has two rows", *tk.PID)
		}
		r := row{Comm: tk.Comm, Role: string(tk.Role), TGID: tk.TGID}
		for _, s := range tk.Sources {
			if s.Kind == "strace" {
				r.Call = filepath.Base(s.Loc)
			} else if !slices.Contains(r.Kernel, s.Kind) {
				r.Kernel = append(r.Kernel, s.Kind)
			}
		}
		got[*tk.PID] = r
	}
	want := map[int]row{
		11330: {"touch", "holder", 0, "touch.strace:107", []string{"dmesg", "procstack"}},
		11335: {"ls", "waiter", 0, "ls.strace.gz:138", []string{"procstack"}},
		11340: {"stat", "waiter", 0, "stat.strace:137", []string{"dmesg", "procstack"}},
		11346: {"python3", "waiter", 11345, "py.strace:525", []string{"dmesg", "procstack"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("task rows (-want +got):\n%s", diff)
	}
	for _, tk := range doc.Tasks {
		if tk.PID != nil && *tk.PID == 11335 && !strings.Contains(tk.Summary, "getdents64 of /mnt/fst-report/dir blocked 37.91 s") {
			t.Errorf("11335's row does not tell its blocked getdents64: %s", tk.Summary)
		}
		if tk.PID != nil && *tk.PID == 11346 && !strings.Contains(tk.Summary, "thread of process 11345 (python3)") {
			t.Errorf("11346's row does not say it is a thread: %s", tk.Summary)
		}
	}

	// One clock: the wall clock, in time order.
	var prev float64
	for i, e := range doc.Timeline {
		if e.Clock != "wall" {
			t.Errorf("timeline[%d] %q is on the %s clock", i, e.What, e.Clock)
		}
		if e.T < prev {
			t.Errorf("timeline[%d] at %v is before the entry above it (%v)", i, e.T, prev)
		}
		prev = e.T
	}
	at := func(src string) float64 {
		for _, e := range doc.Timeline {
			if filepath.Base(e.Source) == src {
				return e.T
			}
		}
		t.Fatalf("no timeline entry from %s", src)
		return 0
	}
	// stat.strace is -tt: 22:21:55.758028 in New York on 2026-12-01 is
	// 03:21:55.758028 UTC on 2026-12-02.
	if got := at("stat.strace:137"); math.Abs(got-1796181715.758028) > 1e-6 {
		t.Errorf("stat's statx at %f; want 1796181715.758028", got)
	}
	// The first hung-task report, boot+8785.837705, printed by dmesg -T
	// as [Tue Dec  1 22:22:13 2026] (New York): on the wall clock within
	// that second.
	if got := at("dmesg.txt:1"); got < 1796181733 || got >= 1796181734 {
		t.Errorf("first hung-task report at %f; want within 1796181733 (22:22:13 EST)", got)
	}
	for _, e := range doc.Timeline {
		if e.Host == "B" && !strings.HasSuffix(e.Time, "-05:00") {
			t.Errorf("timeline time %q is not in the host's zone (-05:00)", e.Time)
			break
		}
	}
	b := doc.Hosts[0]
	if !strings.Contains(b.Clock, "dmesg-T.txt") || !strings.Contains(b.Clock, "America/New_York (--tz)") {
		t.Errorf("clock of B does not say the anchor and the zone: %s", b.Clock)
	}
	var dT *struct{ SameAs string }
	for _, f := range b.Files {
		if filepath.Base(f.Path) == "dmesg-T.txt" {
			dT = &struct{ SameAs string }{f.SameAs}
			if f.Shared == 0 || f.Shared != f.Records {
				t.Errorf("dmesg-T.txt shares %d of its %d records with dmesg.txt; want all", f.Shared, f.Records)
			}
		}
	}
	if dT == nil || filepath.Base(dT.SameAs) != "dmesg.txt" {
		t.Errorf("dmesg-T.txt is not recognised as dmesg.txt's records: %+v", dT)
	}
	// Not counted twice: stat was reported twice.
	for _, tk := range doc.Locks["B"].Incidents[0].Tasks {
		if tk.PID != nil && *tk.PID == 11340 && tk.Reports != 2 {
			t.Errorf("stat 11340 has %d hung-task reports; want 2 (dmesg -T repeats dmesg)", tk.Reports)
		}
	}
	if n := sentences(doc.Verdict.Text); n > 3 {
		t.Errorf("verdict has %d sentences; want at most 3:\n%s", n, doc.Verdict.Text)
	}
	for _, s := range []string{"B listed /mnt/fst-report/dir", "slower than E", "E, the fastest, is the baseline", "touch 11330 holds L1", "fuse-daemon-holds-dir-lock"} {
		if !strings.Contains(doc.Verdict.Text, s) {
			t.Errorf("verdict lacks %q:\n%s", s, doc.Verdict.Text)
		}
	}
}

// Without --tz (and no bundle to say), local-time sources are read as UTC
// and the report says so.
func TestReportZoneWarning(t *testing.T) {
	doc := reportDoc(t, bundleArgs()...)
	if !slices.ContainsFunc(doc.Warnings, func(w string) bool {
		return strings.Contains(w, "dmesg-T.txt") && strings.Contains(w, "stat.strace") && strings.Contains(w, "read as UTC")
	}) {
		t.Errorf("no warning that local times were read as UTC: %q", doc.Warnings)
	}
	// The bundle was captured under TZ=America/New_York in December: the
	// hung-task report that py.strace's Unix times date shows dmesg -T
	// read as UTC five hours early.
	if !slices.ContainsFunc(doc.Warnings, func(w string) bool {
		return strings.Contains(w, "Their times look like UTC-05:00") && strings.Contains(w, "5 h from where strace's Unix times put it")
	}) {
		t.Errorf("the warning does not say the offset the sources show: %q", doc.Warnings)
	}
	// With the zone given, nothing is off.
	withTZ := reportDoc(t, append([]string{"--tz", "America/New_York"}, bundleArgs()...)...)
	if slices.ContainsFunc(withTZ.Warnings, func(w string) bool { return strings.Contains(w, "look like UTC") }) {
		t.Errorf("with --tz, a warning still guesses the zone: %q", withTZ.Warnings)
	}
}

// Without dmesg -T, the first hung-task report of the python thread,
// whose blocked newfstatat strace shows, puts the boot clock on the wall
// clock: within its stated uncertainty of the dmesg -T anchor.
func TestReportHungTaskAnchor(t *testing.T) {
	withT := reportDoc(t, "--tz", "America/New_York", "B="+filepath.Join(repDir, "B", "dmesg.txt"), "B="+filepath.Join(repDir, "B", "dmesg-T.txt"))
	alone := reportDoc(t, "B="+filepath.Join(repDir, "B", "py.strace"), "B="+filepath.Join(repDir, "B", "dmesg.txt"))
	if !strings.Contains(alone.Hosts[0].Clock, "first hung-task report of 1 task whose blocked call strace shows: 11346's newfstatat") {
		t.Fatalf("clock: %s", alone.Hosts[0].Clock)
	}
	first := func(doc render.ReportDoc) float64 {
		for _, e := range doc.Timeline {
			if filepath.Base(e.Source) == "dmesg.txt:1" {
				return e.T
			}
		}
		t.Fatal("no entry for dmesg.txt:1")
		return 0
	}
	unc := regexp.MustCompile(`±([0-9.]+) s`).FindStringSubmatch(alone.Hosts[0].Clock)
	if unc == nil {
		t.Fatalf("no uncertainty in %s", alone.Hosts[0].Clock)
	}
	var u float64
	json.Unmarshal([]byte(unc[1]), &u)
	if d := math.Abs(first(alone) - first(withT)); d > u || u > 6 {
		t.Errorf("hung-task anchor is %.3f s off the dmesg -T one, uncertainty ±%.2f s", d, u)
	}
}

// sentences counts the sentences of a paragraph.
func sentences(s string) int {
	return len(regexp.MustCompile(`[.!?](\s+[A-Z]|\s*$)`).FindAllString(s, -1))
}

func TestVerdictAtMostThreeSentences(t *testing.T) {
	for _, inc := range []string{"seed", "fuse"} {
		out, _, _ := runCLI(t, "", "demo", "--incident", inc, "-f", "json")
		var doc render.ReportDoc
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if n := sentences(doc.Verdict.Text); n > 3 || n == 0 {
			t.Errorf("%s: verdict has %d sentences:\n%s", inc, n, doc.Verdict.Text)
		}
	}
}

// Single hosts: the listing, its entries and rate, and the slowest calls,
// from a timed and an untimed trace.
func TestReportSingleHostGoldens(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"timed", filepath.Join(repDir, "E", "ls.strace.gz")},
		{"untimed", filepath.Join(repDir, "cases", "untimed.strace")},
	} {
		for _, f := range []string{"text", "markdown", "json"} {
			t.Run(tc.name+"/"+f, func(t *testing.T) {
				goldenCLI(t, "report/single-"+tc.name+"."+f, "report", "-f", f, "H="+tc.file)
			})
		}
	}
	doc := reportDoc(t, "H="+filepath.Join(repDir, "cases", "untimed.strace"))
	ls := doc.Hosts[0].Listings
	if len(ls) != 1 || *ls[0].Dir != "/tmp/lt-rep/small" || ls[0].Entries != 202 || !ls[0].Complete || ls[0].First != nil || ls[0].DurationS != nil {
		t.Errorf("untimed listings = %+v; want /tmp/lt-rep/small, 202 entries, complete, no times", ls)
	}
	if doc.Hosts[0].Calls == 0 || doc.Hosts[0].Syscalls[0].Timed != 0 {
		t.Errorf("untimed: %d calls, first syscall %+v; want calls counted, none timed", doc.Hosts[0].Calls, doc.Hosts[0].Syscalls[0])
	}
	if !strings.Contains(doc.Verdict.Text, "H listed /tmp/lt-rep/small: 202 entries in 2 getdents calls, to the end of the directory") {
		t.Errorf("untimed verdict: %s", doc.Verdict.Text)
	}
}

// A getdents64 that fails is a listing with its error.
func TestReportListingError(t *testing.T) {
	doc := reportDoc(t, "H="+filepath.Join(repDir, "cases", "notdir.strace"))
	ls := doc.Hosts[0].Listings
	if len(ls) != 1 || ls[0].Error == nil || *ls[0].Error != "ENOTDIR" || ls[0].PID != nil {
		t.Errorf("listings = %+v; want one ended by ENOTDIR, its PID null (the trace names none)", ls)
	}
}

// The summary does not depend on how many rows are shown.
func TestSummaryIgnoresMarkerRows(t *testing.T) {
	slow := func(args ...string) map[string]render.SlowdownDoc {
		out, stderr, code := runCLI(t, "", append([]string{"compare", "-f", "json", "--baseline", "E"}, args...)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var d render.CompareDoc
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		return d.Slowdown
	}
	few := slow("--markers", "3", "B="+mainB, "E="+mainE)
	many := slow("--markers", "1000", "B="+mainB, "E="+mainE)
	if diff := cmp.Diff(few, many); diff != "" {
		t.Errorf("slowdown with --markers 3 and 1000 (-3 +1000):\n%s", diff)
	}
	doc3 := reportDoc(t, "--markers", "3", "B="+mainB, "E="+mainE)
	doc1000 := reportDoc(t, "--markers", "1000", "B="+mainB, "E="+mainE)
	if diff := cmp.Diff(doc3.Compare.Slowdown, doc1000.Compare.Slowdown); diff != "" {
		t.Errorf("report slowdown with --markers 3 and 1000 (-3 +1000):\n%s", diff)
	}
	if doc3.Verdict.Text != doc1000.Verdict.Text {
		t.Errorf("verdicts differ:\n%s\n%s", doc3.Verdict.Text, doc1000.Verdict.Text)
	}
}

// Without --baseline the fastest host is the baseline, whatever the order
// of the arguments, and the output says so; with --baseline on the slow
// host, the other is "faster", never "0.01x slower".
func TestDefaultBaselineIsFastest(t *testing.T) {
	for _, args := range [][]string{{"B=" + mainB, "E=" + mainE}, {"E=" + mainE, "B=" + mainB}} {
		out, stderr, code := runCLI(t, "", append([]string{"compare", "-f", "json"}, args...)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var d render.CompareDoc
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		if d.Baseline != "E" || d.BaselineChoice != "fastest" || *d.Slowdown["B"].Final < 100 {
			t.Errorf("%v: baseline %q (%s), B final %v; want E, fastest, ~172x", args, d.Baseline, d.BaselineChoice, *d.Slowdown["B"].Final)
		}
		text, _, _ := runCLI(t, "", append([]string{"compare"}, args...)...)
		text = strings.Join(strings.Fields(text), " ")
		if !strings.Contains(text, "E is the baseline: it listed fastest (no --baseline)") || strings.Contains(text, "0.00x") {
			t.Errorf("%v: headline does not say why E is the baseline:\n%s", args, text[:min(len(text), 400)])
		}
		doc := reportDoc(t, args...)
		if doc.Compare.Baseline != "E" || !strings.Contains(doc.Verdict.Text, "E, the fastest, is the baseline") {
			t.Errorf("%v: report baseline %q, verdict %s", args, doc.Compare.Baseline, doc.Verdict.Text)
		}
	}
	text, _, _ := runCLI(t, "", "compare", "--baseline", "B", "B="+mainB, "E="+mainE)
	text = strings.Join(strings.Fields(text), " ")
	if !strings.Contains(text, "E listed /var/tmp/lagtrace-dirs/d20000 172.49x faster than B (172.49x faster at the last common marker") || strings.Contains(text, "slower") {
		t.Errorf("a ratio below 1 reads as slower:\n%s", text[:min(len(text), 400)])
	}
}

func TestUnalignableHostsFail(t *testing.T) {
	small, other := filepath.Join(repDir, "cases", "small.strace"), filepath.Join(repDir, "cases", "other.strace")
	for _, cmd := range []string{"compare", "report"} {
		_, stderr, code := runCLI(t, "", cmd, "A="+small, "B="+other)
		if code != exitInput || !strings.Contains(stderr, "/tmp/lt-rep/small") || !strings.Contains(stderr, "/tmp/lt-rep/other") || !strings.Contains(stderr, "cannot be aligned") {
			t.Errorf("%s: exit %d, stderr %q; want 1 naming both directories", cmd, code, stderr)
		}
	}
}

// Traces without -v carry no names: aligned by count, and never said to
// compare names.
func TestCountAlignmentNeverSaysNames(t *testing.T) {
	a, b := filepath.Join(repDir, "cases", "nov-1.strace"), filepath.Join(repDir, "cases", "nov-2.strace")
	text, stderr, code := runCLI(t, "", "compare", "A="+a, "B="+b)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(text, "names common") || strings.Contains(text, "aligned by names") || !strings.Contains(text, "aligned by cumulative entry count over the 202 entries") {
		t.Errorf("count alignment output:\n%s", text)
	}
	doc := reportDoc(t, "A="+a, "B="+b)
	if strings.Contains(doc.Verdict.Text, "name") || !strings.Contains(doc.Verdict.Text, "aligned by entry count") {
		t.Errorf("verdict: %s", doc.Verdict.Text)
	}
}

// A file holding two traces (the healthy one after the slow one) and a
// trace with two listings of the directory say so, and --listing chooses.
func TestSeveralListingsAndConcatenation(t *testing.T) {
	small, healthy := filepath.Join(repDir, "cases", "small.strace"), filepath.Join(repDir, "E", "ls.strace.gz")
	// small.strace was captured 21 minutes after E/ls.strace.gz.
	cat := filepath.Join(t.TempDir(), "cat.strace")
	writeConcat(t, cat, small, healthy)
	out, stderr, code := runCLI(t, "", "compare", "-f", "json", "A="+cat, "E="+healthy)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d render.CompareDoc
	json.Unmarshal([]byte(out), &d)
	if joined := strings.Join(d.Warnings, "\n"); !strings.Contains(joined, "cat.strace looks like several traces concatenated: its times go back 1") {
		t.Errorf("no concatenation warning:\n%s", joined)
	}
	both := filepath.Join(t.TempDir(), "both.strace")
	writeConcat(t, both, small, filepath.Join(repDir, "cases", "other.strace"))
	out, _, _ = runCLI(t, "", "compare", "-f", "json", "A="+both, "B="+small)
	json.Unmarshal([]byte(out), &d)
	if joined := strings.Join(d.Warnings, "\n"); !strings.Contains(joined, "A: its strace lists other directories too (/tmp/lt-rep/other (52 entries)): /tmp/lt-rep/small, with the most entries (202), is compared") {
		t.Errorf("no warning of the other candidate listing:\n%s", joined)
	}

	twice := filepath.Join(repDir, "cases", "twice.strace")
	out, _, _ = runCLI(t, "", "compare", "-f", "json", "A="+twice, "B="+small)
	json.Unmarshal([]byte(out), &d)
	if !strings.Contains(strings.Join(d.Warnings, "\n"), "its strace holds 2 listings of /tmp/lt-rep/small (pid 28267 fd 3 at "+twice+":194, pid 28268 fd 3 at "+twice+":352): the first is compared") {
		t.Errorf("no warning of the two listings: %q", d.Warnings)
	}
	out, stderr, code = runCLI(t, "", "compare", "-f", "json", "--listing", "A=28268:3", "A="+twice, "B="+small)
	if code != exitOK {
		t.Fatalf("--listing: exit %d: %s", code, stderr)
	}
	json.Unmarshal([]byte(out), &d)
	for _, h := range d.Hosts {
		if h.Label == "A" && (h.PID != 28268 || h.Line != 352 || h.DirChoice != "--listing A=28268:3") {
			t.Errorf("--listing A=28268:3 compared pid %d line %d (%s)", h.PID, h.Line, h.DirChoice)
		}
	}
	_, stderr, code = runCLI(t, "", "compare", "--listing", "A=99:3", "A="+twice, "B="+small)
	if code != exitInput || !strings.Contains(stderr, "28267:3 on /tmp/lt-rep/small") {
		t.Errorf("--listing of no listing: exit %d, %q; want 1 listing what A lists", code, stderr)
	}
}

func writeConcat(t *testing.T, dst string, srcs ...string) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	for _, src := range srcs {
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if strings.HasSuffix(src, ".gz") {
			if r, err = gzip.NewReader(f); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := io.Copy(out, r); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// --dir matches the path as the trace wrote it, relative or absolute; on
// no match it lists the directories the trace reads.
func TestDirMatchesRelativePaths(t *testing.T) {
	rel, small := filepath.Join(repDir, "cases", "relative.strace"), filepath.Join(repDir, "cases", "small.strace")
	out, stderr, code := runCLI(t, "", "compare", "-f", "json", "--dir", "/tmp/lt-rep/small/", "A="+rel, "B="+small)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d render.CompareDoc
	json.Unmarshal([]byte(out), &d)
	for _, h := range d.Hosts {
		if h.DirChoice != "--dir" {
			t.Errorf("%s compared %s (%s); want --dir", h.Label, h.Dir, h.DirChoice)
		}
	}
	_, stderr, code = runCLI(t, "", "compare", "--dir", "/nope", "A="+rel, "B="+small)
	if code != exitInput || !strings.Contains(stderr, "no getdents64 listing of /nope (A lists ?:3 on small (202 entries))") {
		t.Errorf("--dir /nope: exit %d, %q", code, stderr)
	}
}

func TestClockFlagErrors(t *testing.T) {
	f := "B=" + filepath.Join(repDir, "cases", "small.strace")
	for _, args := range [][]string{
		{"report", "--tz", "Mars/Olympus", f},
		{"report", "--tz", "X=UTC", f},
		{"report", "--date", "yesterday", f},
		{"report", "--listing", "B=pid", f},
		{"compare", "--listing", "-3", f, f + "x"},
	} {
		if _, stderr, code := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, %q; want 2", args, code, stderr)
		}
	}
	doc := reportDoc(t, "--tz", "+05:30", "--date", "2026-12-01", "B="+filepath.Join(repDir, "B", "stat.strace"))
	if !strings.Contains(doc.Hosts[0].Clock, "dated 2026-12-01 by --date") || doc.Hosts[0].Zone != "UTC+05:30" {
		t.Errorf("clock %q, zone %q", doc.Hosts[0].Clock, doc.Hosts[0].Zone)
	}
	// 22:21:55.741251 at +05:30.
	if e := doc.Timeline[0]; e.Time != "2026-12-01T22:21:55.741251+05:30" {
		t.Errorf("first entry at %s", e.Time)
	}
}

// A sosreport's etc/localtime is the zone of the host's local-time
// sources when --tz does not say otherwise.
func TestReportZoneFromSosreport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sosreport-b")
	dT, err := os.ReadFile(filepath.Join(repDir, "B", "dmesg-T.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sos_commands", "kernel"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sos_commands", "kernel", "dmesg_-T"), dT, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../usr/share/zoneinfo/America/New_York", filepath.Join(dir, "etc", "localtime")); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, "", "report", "-f", "json", "B="+dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "local times of B read in America/New_York, as etc/localtime says") {
		t.Errorf("stderr does not say the zone: %s", stderr)
	}
	var doc render.ReportDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Hosts[0].Zone != "America/New_York" || !strings.Contains(doc.Hosts[0].Clock, "(stated by etc/localtime of "+dir+")") {
		t.Errorf("zone %q, clock %q", doc.Hosts[0].Zone, doc.Hosts[0].Clock)
	}
	// [Tue Dec  1 22:22:13 2026] in New York.
	if e := doc.Timeline[0]; e.T != 1796181733 || e.Time != "2026-12-01T22:22:13.000000-05:00" {
		t.Errorf("first entry %s (%v); want 22:22:13 EST", e.Time, e.T)
	}
	if slices.ContainsFunc(doc.Warnings, func(w string) bool { return strings.Contains(w, "no zone is known") }) {
		t.Errorf("warns of no zone: %q", doc.Warnings)
	}
}
