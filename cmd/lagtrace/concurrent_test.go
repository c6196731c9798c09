package main

import (
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReportReadsConcurrentlyInOrder: report reads its hosts at once, yet
// its output and stderr are those of reading the arguments one after
// another, whatever the number of cores (one: no pool; four: B's three
// files in order on one worker, E's on another; eight: the same, reading
// strace ahead), run after run. Not parallel: it sets GOMAXPROCS.
func TestReportReadsConcurrentlyInOrder(t *testing.T) {
	args := []string{"report", "-f", "json", "--baseline", "E",
		"B=demo/fuse/B.dmesg.txt", "E=demo/fuse/E.strace.gz", "B=demo/fuse/B.strace.gz", "B=demo/fuse/B.stacks.txt"}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	wantOut, wantErr, code := runCLI(t, "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, wantErr)
	}
	for _, procs := range []int{4, 8} {
		runtime.GOMAXPROCS(procs)
		for run := range 5 {
			out, stderr, code := runCLI(t, "", args...)
			if code != exitOK {
				t.Fatalf("GOMAXPROCS %d run %d: exit %d: %s", procs, run, code, stderr)
			}
			if diff := cmp.Diff(wantOut, out); diff != "" {
				t.Fatalf("GOMAXPROCS %d run %d: output differs from the sequential read (-want +got):\n%s", procs, run, diff)
			}
			if diff := cmp.Diff(wantErr, stderr); diff != "" {
				t.Fatalf("GOMAXPROCS %d run %d: stderr differs (-want +got):\n%s", procs, run, diff)
			}
		}
	}
}

// TestRedactedOutputIsTheSameEveryRun: placeholders are numbered in the
// order strings are met, so with --redact compare and report read their
// hosts one after another; run after run the output is the same. (These
// hosts share most paths, so this does not show the race that reading
// them at once would be; it keeps the property.)
func TestRedactedOutputIsTheSameEveryRun(t *testing.T) {
	for _, args := range [][]string{
		{"compare", "--redact", "-f", "json", "B=../../testdata/strace/main/B.strace.gz", "E=../../testdata/strace/main/E.strace.gz"},
		{"report", "--redact", "-f", "json", "B=demo/fuse/B.dmesg.txt", "E=demo/fuse/E.strace.gz", "B=demo/fuse/B.strace.gz"},
	} {
		first, stderr, code := runCLI(t, "", args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", args[0], code, stderr)
		}
		for run := range 5 {
			out, _, _ := runCLI(t, "", args...)
			if diff := cmp.Diff(first, out); diff != "" {
				t.Fatalf("%s run %d differs from the first (-first +this):\n%s", args[0], run, diff)
			}
		}
	}
}
