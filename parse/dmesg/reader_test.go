package dmesg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func read(in string, opts Options) ([]*Record, Skips, error) {
	r := NewReader(strings.NewReader(in), opts)
	var recs []*Record
	for r.Next() {
		recs = append(recs, r.Record())
	}
	return recs, r.Skipped(), r.Err()
}

// Lines below are real lines from the fixtures in testdata/dmesg (named in
// each case) unless the case says it rearranges them.
func TestTaskLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Task
	}{{
		name: "4.19 seed",
		in: `[316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.
[316100.086950]       Not tainted 4.19.90-23.23.v2101.ky10.x86_64 #1
[316100.087036] rsync           D    0 3621271 152322 0x00000080
[316100.087039] Call Trace:
[316100.087052]  schedule+0x28/0x80
[316100.087097] RIP: 0033:0x7f612a9e5575
[316100.087102] Code: Bad RIP value.
`,
		want: Task{Hung: true, BlockedFor: 120, Comm: "rsync", PID: 3621271, PPID: 152322, HasPPID: true, State: "D", Flags: "0x00000080",
			Tainted: "Not tainted 4.19.90-23.23.v2101.ky10.x86_64 #1", TaskLine: 3, StackLine: 5, Registers: 2,
			Frames: []Frame{{Func: "schedule", Offset: 0x28, Size: 0x80}}},
	}, {
		name: "3.x address and stack words",
		in: `INFO: task DDRace64-Server:27090 blocked for more than 120 seconds.
DDRace64-Server D ffff88007a2dd140     0 27090   3047 0x00000000
 ffff88007a2dd140 0000000000000086 0000000000000040 ffff8800081b81c0
Call Trace:
 [<ffffffff8135067c>] ? __mutex_lock_common.isra.5+0xff/0x164
`,
		want: Task{Hung: true, BlockedFor: 120, Comm: "DDRace64-Server", PID: 27090, PPID: 3047, HasPPID: true, State: "D", Flags: "0x00000000",
			TaskLine: 2, StackLine: 5, Registers: 1,
			Frames: []Frame{{Func: "__mutex_lock_common.isra.5", Offset: 0xff, Size: 0x164, Addr: 0xffffffff8135067c, AddrDigits: 16, Unreliable: true}}},
	}, {
		name: "6.16 task_flags, module",
		in: `[Thu Jun 12 11:01:33 2025] INFO: task rw_sem_thread2:36526 blocked for more than 122 seconds.
[Thu Jun 12 11:01:33 2025] task:rw_sem_thread2  state:D stack:0     pid:36526 tgid:36526 ppid:2      task_flags:0x208040 flags:0x00004000
[Thu Jun 12 11:01:33 2025] Call Trace:
[Thu Jun 12 11:01:33 2025]  <TASK>
[Thu Jun 12 11:01:33 2025]  ? __pfx_thread2_func+0x10/0x10 [rw_sem_test_2]
[Thu Jun 12 11:01:33 2025]  </TASK>
`,
		want: Task{Hung: true, BlockedFor: 122, Comm: "rw_sem_thread2", PID: 36526, TGID: 36526, PPID: 2, HasPPID: true, State: "D",
			Flags: "0x00004000", TaskFlags: "0x208040", TaskLine: 2, StackLine: 5,
			Frames: []Frame{{Func: "__pfx_thread2_func", Offset: 0x10, Size: 0x10, Module: "rw_sem_test_2", Unreliable: true}}},
	}, {
		name: "comm with parentheses",
		// The header is real (cachyos report quoted in the search index);
		// the task line is the 6.16 one with this comm put in its place.
		in: `INFO: task (udev-worker):569 blocked for more than 122 seconds.
task:(udev-worker)   state:D stack:0     pid:569   tgid:569   ppid:2      task_flags:0x208040 flags:0x00004000
`,
		want: Task{Hung: true, BlockedFor: 122, Comm: "(udev-worker)", PID: 569, TGID: 569, PPID: 2, HasPPID: true, State: "D",
			Flags: "0x00004000", TaskFlags: "0x208040", TaskLine: 2},
	}, {
		name: "comm with a space, old and squeezed task lines",
		// The 4.19 seed lines with the comm replaced by one holding a space.
		in: `[316100.086897] INFO: task rsync x:3621271 blocked for more than 120 seconds.
[316100.087036] rsync x         D    0 3621271 152322 0x00000080
[316100.087037] task:rsync x state:D stack:0 pid:3621271 ppid:152322 flags:0x00000080
`,
		want: Task{Hung: true, BlockedFor: 120, Comm: "rsync x", PID: 3621271, PPID: 152322, HasPPID: true, State: "D", Flags: "0x00000080", TaskLine: 2},
	}, {
		name: "arm32 verbose",
		in: `May 17 18:48:11 kernel: [ 6141.921740] INFO: task kworker/u8:0:5 blocked for more than 120 seconds.
May 17 18:48:11 kernel: [ 6141.921785] kworker/u8:0    D    0     5      2 0x00000000
May 17 18:48:11 kernel: [ 6141.921985] [<8022bb78>] (write_cache_pages) from [<7f4ba618>] (fuse_writepages+0x80/0xe4 [fuse])
May 17 18:48:11 kernel: [ 6141.922075] [<7f4ba618>] (fuse_writepages [fuse]) from [<8022e284>] (do_writepages+0x30/0x8c)
`,
		want: Task{Hung: true, BlockedFor: 120, Comm: "kworker/u8:0", PID: 5, PPID: 2, HasPPID: true, State: "D", Flags: "0x00000000", TaskLine: 2, StackLine: 3,
			Frames: []Frame{
				{Func: "write_cache_pages", Addr: 0x8022bb78, AddrDigits: 8},
				{Func: "fuse_writepages", Offset: 0x80, Size: 0xe4, Module: "fuse", Addr: 0x7f4ba618, AddrDigits: 8},
				{Func: "do_writepages", Offset: 0x30, Size: 0x8c, Addr: 0x8022e284, AddrDigits: 8},
			}},
	}, {
		name: "decoded frames",
		// The seed header over frames decoded by syzkaller's symbolizer
		// (sched_ext issue 131), which writes what decode_stacktrace.sh does.
		in: `[316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.
[316100.087036] rsync           D    0 3621271 152322 0x00000080
 __schedule_loop home/xingyi/fuzz/externals/sched_ext/kernel/sched/core.c:6841 [inline]
 schedule+0x44/0x140 home/xingyi/fuzz/externals/sched_ext/kernel/sched/core.c:6856
`,
		want: Task{Hung: true, BlockedFor: 120, Comm: "rsync", PID: 3621271, PPID: 152322, HasPPID: true, State: "D", Flags: "0x00000080", TaskLine: 2, StackLine: 3,
			Frames: []Frame{
				{Func: "__schedule_loop", Inline: true, Source: "home/xingyi/fuzz/externals/sched_ext/kernel/sched/core.c", Line: 6841},
				{Func: "schedule", Offset: 0x44, Size: 0x140, Source: "home/xingyi/fuzz/externals/sched_ext/kernel/sched/core.c", Line: 6856},
			}},
	}, {
		name: "interleaved driver line",
		// Seed lines with a line of the VM's boot log between two frames.
		in: `[316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.
[316100.087036] rsync           D    0 3621271 152322 0x00000080
[316100.087039] Call Trace:
[316100.087052]  schedule+0x28/0x80
[    0.438101] NET: Registered PF_VSOCK protocol family
[316100.087055]  rwsem_down_read_failed+0x11c/0x190
`,
		want: Task{Hung: true, BlockedFor: 120, Comm: "rsync", PID: 3621271, PPID: 152322, HasPPID: true, State: "D", Flags: "0x00000080", TaskLine: 2, StackLine: 4,
			Interleaved: 1,
			Frames:      []Frame{{Func: "schedule", Offset: 0x28, Size: 0x80}, {Func: "rwsem_down_read_failed", Offset: 0x11c, Size: 0x190}}},
	}, {
		name: "other printk caller between lines",
		in: `<3>[96585.111880][   T38] INFO: task kworker/u8:102:403349 blocked for more than 737 seconds.
<6>[96585.111907][   T38] task:kworker/u8:102  state:D stack:    0 pid:403349 ppid:     2 flags:0x00004000
<6>[96585.111908][    C1] __schedule+0x2eb/0x8d0
<6>[96585.111916][   T38] Workqueue: events_unbound io_ring_exit_work
`,
		want: Task{Hung: true, BlockedFor: 737, Comm: "kworker/u8:102", PID: 403349, PPID: 2, HasPPID: true, State: "D", Flags: "0x00004000", TaskLine: 2,
			Workqueue: "events_unbound io_ring_exit_work", Interleaved: 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _, err := read(tt.in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 0 || recs[0].Task == nil {
				t.Fatalf("got %d records, first without a task", len(recs))
			}
			if diff := cmp.Diff(tt.want, *recs[0].Task); diff != "" {
				t.Errorf("task (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStamps(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts Options
		want Stamp
	}{
		{"bracket", "[316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.\n", Options{},
			Stamp{Mono: 316100086897000, HasMono: true}},
		{"syslog with year", "Sep  5 18:59:49 raspberrypi kernel: [ 4175.853799] INFO: task kworker/0:1:3293 blocked for more than 120 seconds.\n", Options{Year: 2018},
			Stamp{Mono: 4175853799000, HasMono: true, Wall: mustTime(t, "2018-09-05T18:59:49Z"), WallKind: Syslog}},
		{"dmesg iso", "2026-11-25T22:51:30,986770+00:00 INFO: task stat:10626 blocked for more than 10 seconds.\n", Options{},
			Stamp{Wall: mustTime(t, "2026-11-25T22:51:30.98677Z"), WallKind: ISO}},
		{"rsyslog iso", "2026-05-28T12:21:57.303295+00:00 vm-1779970054023451471 kernel: INFO: task khugepaged:170 blocked for more than 122 seconds.\n", Options{},
			Stamp{Wall: mustTime(t, "2026-05-28T12:21:57.303295Z"), WallKind: ISO}},
		{"kmsg", "3,345,469986770,-;INFO: task stat:10626 blocked for more than 10 seconds.\n", Options{},
			Stamp{Mono: 469986770000, HasMono: true}},
		{"caller", "<3>[96585.111880][   T38] INFO: task kworker/u8:102:403349 blocked for more than 737 seconds.\n", Options{},
			Stamp{Mono: 96585111880000, HasMono: true, Caller: "T38"}},
		{"ctime", "[Thu Jun 12 11:01:33 2025] INFO: task rw_sem_thread2:36526 blocked for more than 122 seconds.\n", Options{},
			Stamp{Wall: mustTime(t, "2025-06-12T11:01:33Z"), WallKind: Ctime}},
		{"dmesg -x", "kern  :err   : [  469.986770] INFO: task stat:10626 blocked for more than 10 seconds.\n", Options{},
			Stamp{Mono: 469986770000, HasMono: true}},
		{"journal short-monotonic", "[  245.528573] kernel: INFO: task khugepaged:136 blocked for more than 122 seconds.\n", Options{},
			Stamp{Mono: 245528573000, HasMono: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _, err := read(tt.in, tt.opts)
			if err != nil || len(recs) != 1 {
				t.Fatalf("got %d records, err %v; want 1", len(recs), err)
			}
			if diff := cmp.Diff(tt.want, recs[0].Time); diff != "" {
				t.Errorf("stamp (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBlocker covers every form kernel/hung_task.c (6.15-6.18)
// debug_show_blocker prints; the names are from the real lines.
func TestBlocker(t *testing.T) {
	tests := []struct {
		in   string
		want Blocker
	}{
		{"INFO: task modprobe:31634 <writer> blocked on an rw-semaphore likely owned by task kworker/u16:0:12 <reader>",
			Blocker{Lock: "rw-semaphore", Comm: "modprobe", PID: 31634, Role: "writer", OwnerFound: true, OwnerComm: "kworker/u16:0", OwnerPID: 12, OwnerRole: "reader"}},
		{"INFO: task modprobe:2342 is blocked on an rw-semaphore, but the owner is not found.",
			Blocker{Lock: "rw-semaphore", Comm: "modprobe", PID: 2342}},
		{"INFO: task stat:10626 is blocked on a mutex likely owned by task touch:10249.",
			Blocker{Lock: "mutex", Comm: "stat", PID: 10626, OwnerFound: true, OwnerComm: "touch", OwnerPID: 10249}},
		{"INFO: task stat:10626 is blocked on a mutex, but the owner is not found.",
			Blocker{Lock: "mutex", Comm: "stat", PID: 10626}},
		{"INFO: task stat:10626 blocked on a semaphore likely last held by task touch:10249",
			Blocker{Lock: "semaphore", Comm: "stat", PID: 10626, OwnerFound: true, OwnerComm: "touch", OwnerPID: 10249}},
		{"INFO: task stat:10626 is blocked on a semaphore, but the last holder is not found.",
			Blocker{Lock: "semaphore", Comm: "stat", PID: 10626}},
	}
	for _, tt := range tests {
		recs, _, err := read(tt.in+"\n", Options{})
		if err != nil || len(recs) != 1 || recs[0].Blocker == nil {
			t.Errorf("%q: got %d records, err %v; want one blocker", tt.in, len(recs), err)
			continue
		}
		if diff := cmp.Diff(tt.want, *recs[0].Blocker); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestHeldLocksOldFormat(t *testing.T) {
	// lockdep.c print_lock before 5.x: " #%d: " then " (name){usage}"
	// then ", at: [<%p>] %pS"; no instance address, no wait type.
	in := "1 lock held by rsync/123:\n #0:  (&sb->s_type->i_mutex_key#8){+.+.+.}, at: [<ffffffff811d5b1a>] lookup_slow+0x2b/0x50\n"
	recs, skips, err := read(in, Options{})
	if err != nil || len(recs) != 1 || recs[0].Locks == nil {
		t.Fatalf("got %d records, err %v", len(recs), err)
	}
	want := HeldLocks{Comm: "rsync", PID: 123, Count: 1, Locks: []Lock{{
		Class: "&sb->s_type->i_mutex_key#8", Usage: "+.+.+.",
		At: Frame{Func: "lookup_slow", Offset: 0x2b, Size: 0x50, Addr: 0xffffffff811d5b1a, AddrDigits: 16},
	}}}
	if diff := cmp.Diff(want, *recs[0].Locks); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if skips.Count != 0 {
		t.Errorf("skipped %d lines, want 0", skips.Count)
	}
}

func TestSkips(t *testing.T) {
	// The CentOS 7 report as the issue cut it: its last frame line stops
	// inside the address.
	in := `[434100.315676] INFO: task spl_dynamic_tas:1171 blocked for more than 160 seconds.
[434100.315731] spl_dynamic_tas D ffff8f1435cd3150     0  1171      2 0x00000000
[434100.315757] Call Trace:
[434100.315773]  [<ffffffffa2f7fb09>] schedule+0x29/0x70
[434100.315977]  [<ffffffffc061c540
[434100.315955]  [<ffffffffa2b8caeb>] ? string.isra.7+0x3b/0xf0
`
	recs, skips, err := read(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Skips{Count: 1, FirstLine: 5, FirstText: "[434100.315977]  [<ffffffffc061c540"}
	if diff := cmp.Diff(want, skips); diff != "" {
		t.Errorf("skips (-want +got):\n%s", diff)
	}
	if len(recs) != 1 || len(recs[0].Task.Frames) != 2 {
		t.Errorf("got %d records; want 1 with 2 frames", len(recs))
	}
}

func TestNotKernelLog(t *testing.T) {
	tests := []struct{ name, in string }{
		{"strace", strings.Repeat("3621271 1700000000.123456 getdents64(3, 0x55d0 /* 25 entries */, 32768) = 800\n", 300)},
		{"short strace", "3621271 1700000000.123456 getdents64(3, 0x55d0 /* 25 entries */, 32768) = 800\n"},
		{"binary", "\x7fELF\x02\x01\x01\x00\x00\x00\n"},
		// A lockdep title alone proves nothing: its record would.
		{"warning about a lock", "WARNING: lock file exists\nnothing else here\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _, err := read(tt.in, Options{Name: "B.strace"})
			var fe *FormatError
			if !errors.Is(err, ErrNotKernelLog) || !errors.As(err, &fe) || fe.File != "B.strace" || fe.Line != 1 {
				t.Errorf("err = %v; want a *FormatError for B.strace:1 wrapping ErrNotKernelLog", err)
			}
			if len(recs) != 0 {
				t.Errorf("got %d records, want none", len(recs))
			}
		})
	}
	if _, _, err := read("", Options{}); err != nil {
		t.Errorf("empty input: err = %v, want nil", err)
	}
}

func TestSuppressed(t *testing.T) {
	recs, _, err := read("[  368.408748] Future hung task reports are suppressed, see sysctl kernel.hung_task_warnings\n", Options{})
	if err != nil || len(recs) != 1 || recs[0].Kind != KindSuppressed {
		t.Fatalf("got %d records, err %v; want one suppressed", len(recs), err)
	}
}

func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"[    0.000000] Linux version 6.18.44\n", true},
		{"Sep  5 18:59:01 raspberrypi CRON[5906]: (root) CMD\nSep  5 18:59:49 raspberrypi kernel: [ 4175.853799] INFO: task\n", true},
		{"INFO: task DDRace64-Server:27090 blocked for more than 120 seconds.\n", true},
		{"execve(\"/bin/ls\", [\"ls\"], 0x7ffd) = 0\n", false},
		// Pasted kernel text without prefixes (testdata/real): a bare
		// "Call Trace:" (dmesg/014), a lockdep listing (console/212), an
		// unreliable frame (console/217), a dump_stack header (console/207).
		{"XFS (pmem0p2): Ending clean mount\nCall Trace:\n", true},
		{"6 locks held by syz-executor/7563:\n", true},
		{" ? __schedule+0x1d2/0x5a0\n", true},
		{"CPU: 1 UID: 0 PID: 5889 Comm: syz.0.15 Not tainted 6.11.0-rc1-syzkaller-ge4fc196f5ba3-dirty #0\n", true},
		{"[<0>] iterate_dir+0x86/0x2a0\n[<0>] __x64_sys_getdents64+0x8b/0x140\n", false},
		{"Call Trace: was in the subject\n", false},
	} {
		if got := Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestFrameBase(t *testing.T) {
	for in, want := range map[string]string{
		"__mutex_lock_common.isra.5": "__mutex_lock_common",
		"getname_flags.part.0":       "getname_flags",
		"schedule":                   "schedule",
		"foo.cold":                   "foo",
		"st_do_scsi.clone.16":        "st_do_scsi", // gcc 4.x, testdata/real/dmesg/028
	} {
		if got := (Frame{Func: in}).Base(); got != want {
			t.Errorf("Frame{Func: %q}.Base() = %q; want %q", in, got, want)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestLockdepWarning(t *testing.T) {
	// console/207 (syzbot, 6.11): a recursive warning as decode_stacktrace
	// prints it, the acquire site once per inlined function.
	recursive := `WARNING: possible recursive locking detected
6.11.0-rc1-syzkaller-ge4fc196f5ba3-dirty #0 Not tainted
--------------------------------------------
syz.0.15/5889 is trying to acquire lock:
ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_port_change_check drivers/net/team/team_core.c:2950 [inline]
ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_device_event+0x2c7/0x770 drivers/net/team/team_core.c:2973

but task is already holding lock:
ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_add_slave+0x9c/0x20e0 drivers/net/team/team_core.c:1975

other info that might help us debug this:
`
	team := func(fn string, off, size uint64) Lock {
		return Lock{Instance: "ffff8880231e4d40", Class: "team->team_lock_key#2", Usage: "+.+.", WaitType: "3:3",
			At: Frame{Func: fn, Offset: off, Size: size}}
	}
	tests := []struct {
		name, in string
		want     Warning
	}{
		{"recursive, inlined acquire site", recursive, Warning{Title: "possible recursive locking detected", Comm: "syz.0.15", PID: 5889,
			Acquire: team("team_device_event", 0x2c7, 0x770), Held: team("team_add_slave", 0x9c, 0x20e0), HasHeld: true}},
		// A kworker's comm holds '/': the PID is after the last one.
		{"comm with a slash", "kworker/u8:1/123 is trying to acquire lock:\nffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_add_slave+0x9c/0x20e0\n",
			Warning{Comm: "kworker/u8:1", PID: 123, Acquire: team("team_add_slave", 0x9c, 0x20e0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, skips, err := read(tt.in, Options{})
			if err != nil || len(recs) != 1 || recs[0].Lockdep == nil {
				t.Fatalf("got %d records, err %v; want one lockdep warning", len(recs), err)
			}
			if diff := cmp.Diff(tt.want, *recs[0].Lockdep, cmpopts.IgnoreFields(Frame{}, "Source", "Line")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if skips.Count != 0 {
				t.Errorf("skipped %d lines, want 0", skips.Count)
			}
		})
	}
}

// With Options.Reuse, each record is what it is without, at the time Next
// returns it: the reused frames are only those of records before it.
func TestReuse(t *testing.T) {
	files, err := filepath.Glob("../../testdata/dmesg/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Twice over, so that the second half reads in reused frames.
		in = append(in, in...)
		if diff := cmp.Diff(snapshotRecords(in, false), snapshotRecords(in, true)); diff != "" {
			t.Errorf("%s: (-without +with Reuse):\n%s", filepath.Base(f), diff)
		}
	}
}

// snapshotRecords reads in and copies each record as Next returns it.
func snapshotRecords(in []byte, reuse bool) []Record {
	r := NewReader(bytes.NewReader(in), Options{Reuse: reuse})
	var out []Record
	for r.Next() {
		rec := *r.Record()
		if rec.Task != nil {
			task := *rec.Task
			task.Frames = slices.Clone(task.Frames)
			rec.Task = &task
		}
		out = append(out, rec)
	}
	return out
}
