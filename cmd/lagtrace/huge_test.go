package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportMillionsOfUnfinishedPIDs is issue 13's growing case, scaled to
// a test: 300,000 processes, each stuck in one call. The report must list
// a few of them and count the rest, not print a line per process (the
// memory side is bench/pids.sh's: peak RSS flat from 1x to 4x PIDs).
func TestReportMillionsOfUnfinishedPIDs(t *testing.T) {
	const pids = 300_000
	path := filepath.Join(t.TempDir(), "stuck.strace")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range pids {
		fmt.Fprintf(w, "%d 1700000000.%06d read(0, <unfinished ...>\n", 1000+i, i%1000000)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	out, stderr, code := runCLI(t, "", "report", "B="+path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(out, "\n"); n > 500 {
		t.Errorf("report has %d lines for %d stuck processes; want a capped list (at most 500 lines)", n, pids)
	}
	want := fmt.Sprintf("... and %s more processes with an unfinished call", "299,980")
	if !strings.Contains(out, want) {
		t.Errorf("report does not say %q:\n%s", want, out[:min(len(out), 3000)])
	}

	js, _, code := runCLI(t, "", "report", "-f", "json", "B="+path)
	if code != exitOK {
		t.Fatal("json report failed")
	}
	for _, s := range []string{`"in_flight_more": 299980`} {
		if !strings.Contains(js, s) {
			t.Errorf("JSON report lacks %s", s)
		}
	}
	var doc struct {
		Hosts []struct {
			InFlight []struct{ Name string } `json:"in_flight"`
		} `json:"hosts"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || len(doc.Hosts) != 1 {
		t.Fatalf("JSON report: %v, %d hosts", err, len(doc.Hosts))
	}
	if n := len(doc.Hosts[0].InFlight); n != 20 {
		t.Errorf("JSON lists %d in-flight reads; want 20", n)
	}
}
