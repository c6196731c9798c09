package correlate

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lagtrace/lagtrace/parse/strace"
)

func TestActivity(t *testing.T) {
	a := NewActivity(3)
	a.StartFile("T.strace")
	sec := int64(1e9)
	evs := []strace.Event{
		{Kind: strace.Call, Line: 1, PID: 10, Name: []byte("execve"), Args: []byte(`"/usr/bin/ls", ["ls", "/mnt/dir"], 0x7ffd /* 20 vars */`), RetOK: true, Time: 100 * sec, HasTime: true},
		{Kind: strace.Call, Line: 2, PID: 10, Name: []byte("getdents64"), Args: []byte("3</mnt/dir>, [...], 32768"), Path: []byte("/mnt/dir"), RetOK: true, Time: 101 * sec, HasTime: true, Return: 104 * sec, HasReturn: true},
		{Kind: strace.Call, Line: 3, PID: 10, Name: []byte("getdents64"), RetOK: true, Time: 105 * sec, HasTime: true, Duration: sec / 2, HasDuration: true},
		{Kind: strace.Call, Line: 4, PID: 10, Name: []byte("close"), RetOK: true, Time: 106 * sec, HasTime: true, Duration: sec / 1000, HasDuration: true},
		{Kind: strace.Call, Line: 5, PID: 10, Name: []byte("write"), RetOK: true, Time: 107 * sec, HasTime: true, Duration: 2 * sec, HasDuration: true},
		{Kind: strace.Call, Line: 6, PID: 11, Name: []byte("lstat"), Time: 108 * sec, HasTime: true, Unfinished: true},
		// No return printed: dated by pid 12's next event, 9 s later.
		{Kind: strace.Call, Line: 7, PID: 12, Name: []byte("getdents64"), Args: []byte("3, 0x55, 32768"), RetOK: true, Time: 100 * sec, HasTime: true},
		{Kind: strace.Call, Line: 8, PID: 12, Name: []byte("close"), RetOK: true, Time: 109 * sec, HasTime: true},
		{Kind: strace.Exit, Line: 9, PID: 10, Time: 120 * sec, HasTime: true, ExitCode: 0},
	}
	for i := range evs {
		a.Add(&evs[i])
	}
	a.EndFile(strace.Epoch)
	wantSlow := []Call{
		{PID: 12, Name: "getdents64", Args: "3, 0x55, 32768", File: "T.strace", Entry: 100 * sec, HasEntry: true, Duration: 9 * sec, Line: 7, UntilNext: true},
		{PID: 10, Name: "getdents64", Args: "3</mnt/dir>, [...], 32768", Path: "/mnt/dir", File: "T.strace", Entry: 101 * sec, HasEntry: true, Duration: 3 * sec, Line: 2},
		{PID: 10, Name: "write", File: "T.strace", Entry: 107 * sec, HasEntry: true, Duration: 2 * sec, Line: 5},
	}
	if diff := cmp.Diff(wantSlow, a.Slow()); diff != "" {
		t.Errorf("Slow() (-want +got):\n%s", diff)
	}
	wantProcs := []Proc{
		{PID: 10, Comm: "ls", File: "T.strace", First: 100 * sec, Last: 120 * sec, Calls: 5, Exit: "exited with 0", Long: append(slices.Clone(wantSlow[1:]),
			// execve has no return time: it lasts until the next event.
			Call{PID: 10, Name: "execve", Args: string(evs[0].Args), File: "T.strace", Entry: 100 * sec, HasEntry: true, Duration: sec, Line: 1, UntilNext: true})},
		{PID: 11, File: "T.strace", First: 108 * sec, Last: 108 * sec, Calls: 1, InFlight: &Call{PID: 11, Name: "lstat", File: "T.strace", Entry: 108 * sec, HasEntry: true, Duration: 12 * sec, Line: 6, Unfinished: true}},
		{PID: 12, File: "T.strace", First: 100 * sec, Last: 109 * sec, Calls: 2, Long: wantSlow[:1]},
	}
	if diff := cmp.Diff(wantProcs, a.Procs(), cmpopts.IgnoreUnexported(Proc{})); diff != "" {
		t.Errorf("Procs() (-want +got):\n%s", diff)
	}
}

// TestActivityBounded: of 50,000 processes that each make a call and exit,
// at most MaxProcs are followed at once (the oldest exited forgotten
// first); of 30,000 more that stay inside a call, those beyond MaxProcs
// are counted, and InFlight lists a few and counts the rest.
func TestActivityBounded(t *testing.T) {
	a := NewActivity(3)
	line := 0
	for i := range 50_000 {
		line++
		a.Add(&strace.Event{Kind: strace.Call, Line: line, PID: 10 + i, Name: []byte("getpid"), RetOK: true, Time: int64(line), HasTime: true, Duration: 1, HasDuration: true})
		line++
		a.Add(&strace.Event{Kind: strace.Exit, Line: line, PID: 10 + i, Time: int64(line), HasTime: true})
	}
	for i := range 30_000 {
		line++
		a.Add(&strace.Event{Kind: strace.Call, Line: line, PID: 100_000 + i, Name: []byte("read"), Time: int64(line), HasTime: true, Unfinished: true})
	}
	if len(a.procs) > MaxProcs {
		t.Errorf("%d processes followed; want at most %d", len(a.procs), MaxProcs)
	}
	calls, more := a.InFlight(20)
	if len(calls) != 20 || more != 30_000-20 {
		t.Errorf("InFlight(20) = %d calls, %d more; want 20 and %d", len(calls), more, 30_000-20)
	}
	// The longest-running are the first to have entered.
	if calls[0].PID != 100_000 || calls[19].PID != 100_019 {
		t.Errorf("in-flight PIDs %d..%d; want 100000..100019", calls[0].PID, calls[19].PID)
	}
	d := a.Dropped()
	if d.Procs != 50_000 || d.InFlight != 30_000-MaxProcs || d.Events != 30_000-MaxProcs {
		t.Errorf("Dropped() = %+v; want 50000 exited forgotten, %d in-flight and events not followed", d, 30_000-MaxProcs)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3999000: "3,999,000", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q; want %q", n, got, want)
		}
	}
}
