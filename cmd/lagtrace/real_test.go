package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The real-text corpus: testdata/real holds excerpts that other people
// published, byte-for-byte, and testdata/real/README.md what a careful
// engineer concludes from each (see its "Format of an entry"). This test
// runs `lagtrace report -f json` on every excerpt as a user would, checks
// every expectation, and prints the score. A wrong holder or a PID that is
// not in the text fails the test outright; otherwise the score may not fall
// below realFloor, which is raised as the rules improve.
const realDir = "../../testdata/real"

// realFloor is the number of excerpts that must be entirely right.
const realFloor = 103

// inventedStrict makes a PID the text does not hold fail the test; it is
// off only while the /proc/PID/stack reader still takes PIDs from file
// names (issue 8). A false holder always fails.
const inventedStrict = true

// excerpt is one README entry.
type excerpt struct {
	path  string
	wants []string
}

func readRealIndex(t *testing.T) []excerpt {
	t.Helper()
	f, err := os.Open(filepath.Join(realDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []excerpt
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "### "); ok {
			out = append(out, excerpt{path: strings.TrimSpace(p)})
			continue
		}
		if w, ok := strings.CutPrefix(line, "- want: "); ok && len(out) > 0 {
			out[len(out)-1].wants = append(out[len(out)-1].wants, strings.TrimSpace(w))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// realDoc is the part of the report JSON the expectations are about.
type realDoc struct {
	Hosts []struct {
		Files []struct {
			Path  string   `json:"path"`
			Kind  string   `json:"kind"`
			Paste []string `json:"paste"`
		} `json:"files"`
		Calls    int           `json:"calls"`
		Listings []realListing `json:"listings"`
	} `json:"hosts"`
	Locks map[string]struct {
		Incidents []struct {
			Tasks []realTask `json:"tasks"`
			Locks []struct {
				Holders []int `json:"holders"`
			} `json:"locks"`
			Cycles []struct {
				PIDs []int `json:"pids"`
			} `json:"cycles"`
		} `json:"incidents"`
	} `json:"locks"`
}

// realListing is a listing of the report JSON.
type realListing struct {
	PID      *int `json:"pid"`
	Fd       int  `json:"fd"`
	Calls    int  `json:"calls"`
	Entries  int  `json:"entries"`
	Complete bool `json:"complete"`
}

// realTask is a task of the locks JSON.
type realTask struct {
	PID   *int   `json:"pid"`
	Place string `json:"place"`
	Comm  string `json:"comm"`
	Role  string `json:"role"`
	Mode  string `json:"mode"`
	// WaitMode is the mode a task asks for where it waits: what its
	// stack shows, for a task that also holds a lock.
	WaitMode string `json:"wait_mode"`
	WaitsIn  string `json:"waits_in"`
}

// realResult is what one excerpt scored.
type realResult struct {
	path     string
	failures []string
	// falseHolders are holders named that the expectations do not
	// name; invented are PIDs in the output that the text does not hold.
	falseHolders []int
	invented     []int
}

func TestRealExcerpts(t *testing.T) {
	exs := readRealIndex(t)
	if len(exs) == 0 {
		t.Fatal("testdata/real/README.md lists no excerpts")
	}
	checkRealIndex(t, exs)
	var results []realResult
	for _, ex := range exs {
		results = append(results, scoreExcerpt(t, ex))
	}
	right, falseHolders, invented := 0, 0, 0
	for _, r := range results {
		if len(r.failures) == 0 {
			right++
		} else {
			t.Logf("%s:\n\t%s", r.path, strings.Join(r.failures, "\n\t"))
		}
		falseHolders += len(r.falseHolders)
		invented += len(r.invented)
		if len(r.falseHolders) > 0 {
			t.Errorf("%s: false holders %v", r.path, r.falseHolders)
		}
		report := t.Logf
		if inventedStrict {
			report = t.Errorf
		}
		if len(r.invented) > 0 {
			report("%s: PIDs not in the text %v", r.path, r.invented)
		}
	}
	msg := fmt.Sprintf("real excerpts: %d/%d right, %d false holders, %d invented PIDs", right, len(results), falseHolders, invented)
	t.Log(msg)
	fmt.Println(msg)
	if right < realFloor {
		t.Errorf("%d excerpts right, fewer than the floor of %d", right, realFloor)
	}
}

var pidRE = regexp.MustCompile(`\d+`)

func scoreExcerpt(t *testing.T, ex excerpt) realResult {
	t.Helper()
	res := realResult{path: ex.path}
	fail := func(format string, a ...any) { res.failures = append(res.failures, fmt.Sprintf(format, a...)) }
	file := filepath.Join(realDir, ex.path)
	text, err := os.ReadFile(file)
	if err != nil {
		fail("%v", err)
		return res
	}
	inText := map[int]bool{}
	for _, m := range pidRE.FindAll(text, -1) {
		if n, err := strconv.Atoi(string(m)); err == nil {
			inText[n] = true
		}
	}
	stdout, stderr, code := runCLI(t, "", "report", "-f", "json", "H="+file)
	if code != exitOK {
		fail("exit %d: %s", code, strings.TrimSpace(stderr))
		return res
	}
	var doc realDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		fail("JSON: %v", err)
		return res
	}
	holders := map[int]bool{}
	var tasks []realTask
	var cycles [][]int
	for _, inc := range doc.Locks["H"].Incidents {
		for _, l := range inc.Locks {
			for _, h := range l.Holders {
				holders[h] = true
			}
		}
		tasks = append(tasks, inc.Tasks...)
		for _, c := range inc.Cycles {
			cycles = append(cycles, c.PIDs)
		}
	}
	incidents := len(doc.Locks["H"].Incidents)
	var listings []realListing
	calls := 0
	for _, h := range doc.Hosts {
		listings = append(listings, h.Listings...)
		calls += h.Calls
	}
	for _, tk := range tasks {
		if tk.PID != nil && *tk.PID != 0 && !inText[*tk.PID] {
			res.invented = append(res.invented, *tk.PID)
		}
		if tk.PID != nil && *tk.PID == 0 && !inText[0] {
			res.invented = append(res.invented, 0)
		}
	}
	// --strict: a skipped line must be located.
	if _, serr, scode := runCLI(t, "", "report", "--strict", "-f", "json", "H="+file); scode != exitOK && !strings.Contains(serr, "first at "+file+":") {
		fail("--strict fails without locating the skip: %s", strings.TrimSpace(serr))
	}
	for _, w := range ex.wants {
		key, val, _ := strings.Cut(w, "=")
		fields := strings.Fields(w)
		switch {
		case key == "kind":
			kinds := []string{}
			for _, h := range doc.Hosts {
				for _, f := range h.Files {
					kinds = append(kinds, f.Kind)
				}
			}
			if !slices.Equal(kinds, []string{val}) {
				fail("kind: got %v, want %s", kinds, val)
			}
		case key == "paste":
			var got []string
			for _, h := range doc.Hosts {
				for _, f := range h.Files {
					got = append(got, f.Paste...)
				}
			}
			for _, d := range strings.Split(val, ",") {
				if !slices.Contains(got, d) {
					fail("paste: %s not said (got %v)", d, got)
				}
			}
		case key == "holders":
			var want []int
			if val != "none" {
				for _, s := range strings.Split(val, ",") {
					n, _ := strconv.Atoi(s)
					want = append(want, n)
				}
			}
			for h := range holders {
				if !slices.Contains(want, h) {
					res.falseHolders = append(res.falseHolders, h)
				}
			}
			for _, h := range want {
				if !holders[h] {
					fail("holder %d not named", h)
				}
			}
		case len(fields) > 0 && fields[0] == "task":
			checkTask(fields[1:], tasks, ex.path, fail)
		case key == "deadlock":
			var want []int
			for _, s := range strings.Split(val, ",") {
				n, _ := strconv.Atoi(s)
				want = append(want, n)
			}
			slices.Sort(want)
			found := slices.ContainsFunc(cycles, func(c []int) bool {
				c = slices.Clone(c)
				slices.Sort(c)
				return slices.Equal(c, want)
			})
			if !found {
				fail("deadlock %v not found (cycles %v)", want, cycles)
			}
		case key == "incidents":
			if n, _ := strconv.Atoi(val); n != incidents {
				fail("incidents: got %d, want %d", incidents, n)
			}
		case key == "syscalls":
			if n, _ := strconv.Atoi(val); n != calls {
				fail("syscalls: got %d, want %d", calls, n)
			}
		case len(fields) > 0 && fields[0] == "listing":
			// Each listing line claims a listing of its own.
			if i := matchListing(fields[1:], listings); i < 0 {
				fail("%s: not found (listings %s)", w, listingList(listings))
			} else {
				listings = slices.Delete(listings, i, i+1)
			}
		default:
			fail("unknown expectation: %s", w)
		}
	}
	return res
}

// matchListing finds the listing with every field attrs give (pid= fd=
// calls= entries= complete=yes|no), -1 if none.
func matchListing(attrs []string, ls []realListing) int {
	return slices.IndexFunc(ls, func(l realListing) bool {
		for _, a := range attrs {
			k, v, _ := strings.Cut(a, "=")
			n, _ := strconv.Atoi(v)
			ok := true
			switch k {
			case "pid":
				ok = l.PID != nil && *l.PID == n
			case "fd":
				ok = l.Fd == n
			case "calls":
				ok = l.Calls == n
			case "entries":
				ok = l.Entries == n
			case "complete":
				ok = l.Complete == (v == "yes")
			default:
				ok = false
			}
			if !ok {
				return false
			}
		}
		return true
	})
}

func listingList(ls []realListing) string {
	var parts []string
	for _, l := range ls {
		pid := "?"
		if l.PID != nil {
			pid = strconv.Itoa(*l.PID)
		}
		parts = append(parts, fmt.Sprintf("pid=%s fd=%d calls=%d entries=%d complete=%v", pid, l.Fd, l.Calls, l.Entries, l.Complete))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func checkTask(attrs []string, tasks []realTask, path string, fail func(string, ...any)) {
	want := map[string]string{}
	for _, a := range attrs {
		k, v, _ := strings.Cut(a, "=")
		want[k] = v
	}
	idx := -1
	who := ""
	if p, ok := want["pid"]; ok {
		who = "pid " + p
		n, _ := strconv.Atoi(p)
		for i, tk := range tasks {
			if tk.PID != nil && *tk.PID == n {
				idx = i
			}
		}
	} else if l, ok := want["line"]; ok {
		who = "line " + l
		for i, tk := range tasks {
			if tk.PID == nil && strings.HasSuffix(tk.Place, path+":"+l) {
				idx = i
			}
		}
	}
	if idx < 0 {
		fail("task %s: not found", who)
		return
	}
	tk := tasks[idx]
	for k, v := range want {
		got := ""
		switch k {
		case "pid", "line":
			continue
		case "comm":
			got = tk.Comm
		case "role":
			got = tk.Role
		case "wait":
			got = tk.WaitsIn
		case "mode":
			got = tk.Mode
			if tk.WaitMode != "" {
				got = tk.WaitMode
			}
		default:
			fail("task %s: unknown field %s", who, k)
			continue
		}
		if got != v {
			fail("task %s: %s %q, want %q", who, k, got, v)
		}
	}
}

// checkRealIndex: every excerpt has an entry, every entry a file, and each
// entry says what kind of text it is.
func checkRealIndex(t *testing.T, exs []excerpt) {
	t.Helper()
	listed := map[string]bool{}
	for _, ex := range exs {
		listed[ex.path] = true
		if !slices.ContainsFunc(ex.wants, func(w string) bool { return strings.HasPrefix(w, "kind=") }) {
			t.Errorf("%s: no want: kind= line", ex.path)
		}
	}
	files, err := filepath.Glob(filepath.Join(realDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(realDir, f)
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("%s has no entry in testdata/real/README.md", rel)
		}
		delete(listed, filepath.ToSlash(rel))
	}
	for p := range listed {
		t.Errorf("testdata/real/README.md lists %s, which is not there", p)
	}
}
