package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/correlate/locks"
)

const (
	locks618Dmesg  = "../../testdata/locks-6.18/dmesg.txt"
	locks618Stacks = "../../testdata/locks-6.18/stacks-tail.txt"
	locks618PS     = "../../testdata/locks-6.18/stacks-ps.txt"
	seedDmesg      = "../../testdata/dmesg/seed-4.19.txt"
	seedCrash      = "../../testdata/crash/seed-4.19.txt"
)

func TestLocksGoldens(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"locks/6.18.txt", []string{"locks", locks618Dmesg, locks618Stacks}},
		{"locks/6.18.md", []string{"locks", "-f", "markdown", locks618Dmesg, locks618Stacks}},
		{"locks/6.18.json", []string{"locks", "-f", "json", locks618Dmesg, locks618Stacks}},
		{"locks/seed-dmesg.txt", []string{"locks", seedDmesg}},
		{"locks/seed-dmesg.md", []string{"locks", "--format", "md", seedDmesg}},
		{"locks/seed.txt", []string{"locks", seedCrash, seedDmesg}},
		{"locks/seed.md", []string{"locks", "-f", "md", seedCrash, seedDmesg}},
		{"locks/seed.json", []string{"locks", "-f", "json", seedCrash, seedDmesg}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { goldenCLI(t, tt.name, tt.args...) })
	}
}

// On the real 6.18 pile-up, the staged holder (touch, stalled in a FUSE
// lookup under O_CREAT) and every staged waiter must be named.
func TestLocks618Roles(t *testing.T) {
	for _, files := range [][]string{
		{locks618Dmesg, locks618Stacks},
		{locks618PS},
		{locks618Stacks},
	} {
		out, stderr, code := runCLI(t, "", append([]string{"locks", "-f", "json"}, files...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", files, code, stderr)
		}
		var la locks.Analysis
		if err := json.Unmarshal([]byte(out), &la); err != nil {
			t.Fatal(err)
		}
		a := oneIncident(t, la)
		if len(a.Locks) == 0 {
			t.Fatalf("%v: no lock", files)
		}
		l := a.Locks[0]
		type got struct {
			Holders, Waiters []int
		}
		want := got{[]int{12742}, []int{12744, 12747, 12760, 12815, 12840, 12842}}
		if diff := cmp.Diff(want, got{l.Holders, l.Waiters}); diff != "" {
			t.Errorf("%v: lock (-want +got):\n%s", files, diff)
		}
		if files[0] == locks618Dmesg && l.Confidence != locks.Confirmed {
			t.Errorf("with blocker lines: confidence %s, want confirmed", l.Confidence)
		}
	}
}

func TestLocksSeedDmesgAlone(t *testing.T) {
	out, _, code := runCLI(t, "", "locks", "-f", "json", seedDmesg)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var la locks.Analysis
	if err := json.Unmarshal([]byte(out), &la); err != nil {
		t.Fatal(err)
	}
	a := oneIncident(t, la)
	if len(a.Locks) != 1 || len(a.Locks[0].Holders) != 0 || a.Locks[0].Waiters[0] != 3621271 {
		t.Fatalf("locks: %+v", a.Locks)
	}
	if !strings.Contains(strings.Join(a.Notes, "\n"), "holder not visible") {
		t.Errorf("notes: %q", a.Notes)
	}
}

func TestLocksErrors(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("nothing to see here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no args", []string{"locks"}, exitUsage, ""},
		{"bad format", []string{"locks", "-f", "yaml", seedDmesg}, exitUsage, `"yaml" for "-f, --format" flag: want text, markdown or json`},
		{"bad kind", []string{"locks", "--kind", "strace", seedDmesg}, exitUsage, "--kind"},
		{"missing file", []string{"locks", filepath.Join(dir, "absent")}, exitInput, "absent"},
		{"not a capture", []string{"locks", notes}, exitInput, "notes.txt"},
		{"stdin twice", []string{"locks", "-", "-"}, exitUsage, "only once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q in it)", code, tt.code, stderr, tt.want)
			}
		})
	}
}

func TestLocksStdinAndKind(t *testing.T) {
	b, err := os.ReadFile(locks618Stacks)
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, string(b), "locks", "--kind", "procstack", "-")
	if code != exitOK || !strings.Contains(out, "touch") && !strings.Contains(out, "12742") {
		t.Errorf("exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
}

func TestLocksOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.md")
	out, _, code := runCLI(t, "", "locks", "-f", "md", "-o", path, locks618Stacks)
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(b), "## Locks") {
		t.Errorf("file: %v %q", err, b)
	}
}

// The seed incident: 3748012 holds the directory's i_rwsem taken in
// iterate_dir, the 18 other getdents64 tasks and 3621271 (lookup, read)
// wait, all on inode 0xffff91fca5985500, and dmesg alone shows 3621271.
func TestLocksSeed(t *testing.T) {
	out, _, code := runCLI(t, "", "locks", "-f", "json", seedCrash, seedDmesg)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var la locks.Analysis
	if err := json.Unmarshal([]byte(out), &la); err != nil {
		t.Fatal(err)
	}
	a := oneIncident(t, la)
	if len(a.Locks) != 1 {
		t.Fatalf("locks: %+v", a.Locks)
	}
	l := a.Locks[0]
	type got struct {
		Site       string
		Object     string
		Holders    []int
		HolderMode locks.Mode
		Waiters    int
		Confidence locks.Confidence
	}
	want := got{"iterate_dir", "0xffff91fca5985500", []int{3748012}, locks.ModeWrite, 19, locks.Confirmed}
	if diff := cmp.Diff(want, got{l.Site, l.Object, l.Holders, l.HolderMode, len(l.Waiters), l.Confidence}); diff != "" {
		t.Errorf("lock (-want +got):\n%s", diff)
	}
	modes := map[int]locks.Mode{}
	for _, tr := range a.Tasks {
		modes[*tr.PID] = tr.Mode
	}
	if modes[3621271] != locks.ModeRead || modes[3632440] != locks.ModeWrite {
		t.Errorf("modes: 3621271 %q, 3632440 %q", modes[3621271], modes[3632440])
	}
	if !strings.Contains(strings.Join(a.Notes, "\n"), "dmesg reports only 3621271 as hung") {
		t.Errorf("notes: %q", a.Notes)
	}
}

// oneIncident returns the only incident of la, failing when there are more.
func oneIncident(t *testing.T, la locks.Analysis) locks.Incident {
	t.Helper()
	if len(la.Incidents) != 1 {
		t.Fatalf("got %d incidents, want 1", len(la.Incidents))
	}
	return la.Incidents[0]
}

// A ring buffer holding three pile-ups one after another (captured here,
// testdata/locks-incidents): three incidents, the latest first, each with
// its own holder and waiters, whichever clock the kernel log is on.
func TestLocksIncidents(t *testing.T) {
	type incident struct {
		Holders []int
		Waiters []int
	}
	want := []incident{
		{[]int{4250}, []int{4288, 4312}},
		{[]int{2202}, []int{2242, 2251, 2263}},
		{[]int{493}, []int{543, 565, 572}},
	}
	for _, log := range []string{"dmesg.txt", "dmesg-T.txt"} {
		out, stderr, code := runCLI(t, "", "locks", "-f", "json",
			"../../testdata/locks-incidents/"+log, "../../testdata/locks-incidents/stacks.txt")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", log, code, stderr)
		}
		var la locks.Analysis
		if err := json.Unmarshal([]byte(out), &la); err != nil {
			t.Fatal(err)
		}
		var got []incident
		for _, inc := range la.Incidents {
			var g incident
			for _, l := range inc.Locks {
				g.Holders = append(g.Holders, l.Holders...)
				g.Waiters = append(g.Waiters, l.Waiters...)
			}
			got = append(got, g)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: incidents (-want +got):\n%s", log, diff)
		}
	}
	// --incident 2 is run B alone.
	out, _, code := runCLI(t, "", "locks", "-f", "json", "--incident", "2", "../../testdata/locks-incidents/dmesg.txt")
	if code != exitOK {
		t.Fatalf("--incident 2: exit %d", code)
	}
	var la locks.Analysis
	if err := json.Unmarshal([]byte(out), &la); err != nil {
		t.Fatal(err)
	}
	if len(la.Incidents) != 1 || len(la.Incidents[0].Locks) == 0 || !slices.Equal(la.Incidents[0].Locks[0].Holders, []int{2202}) {
		t.Errorf("--incident 2: %+v", la.Incidents)
	}
	if _, stderr, code := runCLI(t, "", "locks", "--incident", "9", "../../testdata/locks-incidents/dmesg.txt"); code != exitUsage || !strings.Contains(stderr, "3 incidents") {
		t.Errorf("--incident 9: exit %d, %s", code, stderr)
	}
}
