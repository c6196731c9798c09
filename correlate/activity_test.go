package correlate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lagtrace/lagtrace/parse/strace"
)

func TestActivity(t *testing.T) {
	a := NewActivity(3)
	a.SetTimeKind(strace.Epoch)
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
	wantSlow := []Call{
		{PID: 12, Name: "getdents64", Args: "3, 0x55, 32768", Entry: 100 * sec, Duration: 9 * sec, Line: 7, UntilNext: true},
		{PID: 10, Name: "getdents64", Args: "3</mnt/dir>, [...], 32768", Path: "/mnt/dir", Entry: 101 * sec, Duration: 3 * sec, Line: 2},
		{PID: 10, Name: "write", Entry: 107 * sec, Duration: 2 * sec, Line: 5},
	}
	if diff := cmp.Diff(wantSlow, a.Slow()); diff != "" {
		t.Errorf("Slow() (-want +got):\n%s", diff)
	}
	wantProcs := []Proc{
		{PID: 10, Comm: "ls", First: 100 * sec, Last: 120 * sec, Calls: 5, Exit: "exited with 0"},
		{PID: 11, First: 108 * sec, Last: 108 * sec, Calls: 1, InFlight: &Call{PID: 11, Name: "lstat", Entry: 108 * sec, Duration: 12 * sec, Line: 6, Unfinished: true}},
		{PID: 12, First: 100 * sec, Last: 109 * sec, Calls: 2},
	}
	if diff := cmp.Diff(wantProcs, a.Procs(), cmpopts.IgnoreUnexported(Proc{})); diff != "" {
		t.Errorf("Procs() (-want +got):\n%s", diff)
	}
}
