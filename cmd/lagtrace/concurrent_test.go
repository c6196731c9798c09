package main

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/correlate"
)

// TestReportReadsConcurrentlyInOrder: report reads its arguments at once,
// yet its output and stderr are those of reading them one after another,
// whatever the number of cores (one: no pool; four: a pool of four; eight:
// a pool that also reads strace ahead), run after run. The host's strace
// comes after its dmesg on the command line, so it waits for its turn.
// Not parallel: it sets GOMAXPROCS.
func TestReportReadsConcurrentlyInOrder(t *testing.T) {
	args := []string{"report", "-f", "json", "--baseline", "E",
		"B=demo/fuse/B.dmesg.txt", "B=demo/fuse/B.strace.gz", "E=demo/fuse/E.strace.gz", "B=demo/fuse/B.stacks.txt"}
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

// TestMergeKnowsEveryHostInputField: readReportArgs merges each
// argument's HostInput into its host field by field; a new field must be
// merged there too (or lent, as Listing and Activity are).
func TestMergeKnowsEveryHostInputField(t *testing.T) {
	var got []string
	ty := reflect.TypeFor[correlate.HostInput]()
	for i := range ty.NumField() {
		got = append(got, ty.Field(i).Name)
	}
	want := []string{"Label", "Files", "Listing", "Activity", "StraceFile", "Tasks", "Blockers", "Events", "Anchor"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("correlate.HostInput fields changed (-known +now): update readReportArgs's merge, then this list:\n%s", diff)
	}
}
