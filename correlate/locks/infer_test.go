package locks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Stacks from the seed incident (4.19.90, crash bt), innermost first, with
// crash's "#N [sp]" and " at addr" removed. Source: the incident write-up
// shared/seed/incident-nfs-readdir-hung.md.
var (
	seedWriteWaiter = []string{"__schedule", "schedule", "rwsem_down_write_failed_killable",
		"call_rwsem_down_write_failed_killable", "down_write_killable", "iterate_dir",
		"ksys_getdents64", "__x64_sys_getdents64", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	seedReadWaiter = []string{"__schedule", "schedule", "rwsem_down_read_failed",
		"call_rwsem_down_read_failed", "down_read", "lookup_slow", "walk_component",
		"path_lookupat", "filename_lookup", "vfs_statx", "__do_sys_newlstat", "do_syscall_64",
		"entry_SYSCALL_64_after_hwframe"}
	seedHolder = []string{"__schedule", "schedule", "rpc_wait_bit_killable", "__wait_on_bit",
		"out_of_line_wait_on_bit", "__rpc_execute", "rpc_run_task", "nfs4_call_sync_sequence",
		"_nfs4_proc_readdir", "nfs4_proc_readdir", "nfs_readdir_xdr_to_array", "nfs_readdir_filler",
		"do_read_cache_page", "nfs_readdir", "iterate_dir", "ksys_getdents64", "__x64_sys_getdents64",
		"do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	// The same read waiter as the 4.19 hung-task report prints it.
	seedDmesgReader = []string{"schedule+0x28/0x80", "rwsem_down_read_failed+0x11c/0x190",
		"call_rwsem_down_read_failed+0x14/0x30", "down_read+0x13/0x30", "lookup_slow+0x27/0x50",
		"walk_component+0x1c4/0x350", "path_lookupat+0x6e/0x270", "filename_lookup+0xb6/0x190",
		"vfs_statx+0x73/0xe0", "__do_sys_newlstat+0x39/0x70", "do_syscall_64+0x5b/0x1d0",
		"entry_SYSCALL_64_after_hwframe+0x44/0xa9"}
	seedWaiterPIDs = []int{3632440, 3644149, 3655486, 3667062, 3678549, 3690262, 3701961, 3713720,
		3725136, 3736677, 3759132, 3770908, 3782024, 3794329, 3805549, 3817313, 3828467, 3840283}
)

// Stacks read on the 6.18 development VM (cat /proc/PID/stack), where the
// kernel leaves out __sched functions.
var (
	vmPipeRead = []string{"[<0>] anon_pipe_read+0x366/0x410", "[<0>] vfs_read+0x32c/0x360",
		"[<0>] ksys_read+0xba/0xe0", "[<0>] do_syscall_64+0x71/0x280",
		"[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e"}
	vmWait4 = []string{"[<0>] do_wait+0x53/0x120", "[<0>] kernel_wait4+0x9c/0x140",
		"[<0>] do_syscall_64+0x71/0x280", "[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e"}
)

const seedInode = "0xffff91fca5985500"

func seedCrashTasks() []Task {
	var ts []Task
	ts = append(ts, Task{PID: 3621271, Comm: "rsync", Kind: "crash", Source: "crash.txt:1", Frames: seedReadWaiter, Object: seedInode})
	ts = append(ts, Task{PID: 3748012, Comm: "rsync", Kind: "crash", Source: "crash.txt:2", Frames: seedHolder, Object: seedInode})
	for _, pid := range seedWaiterPIDs {
		ts = append(ts, Task{PID: pid, Comm: "rsync", Kind: "crash", Source: "crash.txt:3", Frames: seedWriteWaiter, Object: seedInode})
	}
	return ts
}

func TestClassify(t *testing.T) {
	type got struct {
		Role     Role
		Site     string
		Mode     Mode
		WaitsIn  string
		Killable bool
	}
	tests := []struct {
		name   string
		frames []string
		want   got
	}{
		{"4.19 write waiter in iterate_dir", seedWriteWaiter, got{Waiter, "iterate_dir", ModeWrite, "rwsem_down_write_failed_killable", true}},
		{"4.19 read waiter in lookup_slow", seedReadWaiter, got{Waiter, "lookup_slow", ModeRead, "rwsem_down_read_failed", false}},
		{"4.19 dmesg read waiter", seedDmesgReader, got{Waiter, "lookup_slow", ModeRead, "rwsem_down_read_failed", false}},
		{"4.19 holder in nfs_readdir", seedHolder, got{Holder, "iterate_dir", ModeUnknown, "rpc_wait_bit_killable", true}},
		{"6.18 pipe reader", vmPipeRead, got{Other, "", ModeUnknown, "anon_pipe_read", false}},
		{"6.18 wait4", vmWait4, got{Other, "", ModeUnknown, "do_wait", false}},
		{"6.18 proc stack begins at the site", []string{"[<0>] iterate_dir+0x86/0x2a0", "[<0>] __x64_sys_getdents64+0x88/0x130"},
			got{Waiter, "iterate_dir", ModeUnknown, "iterate_dir", true}},
		// A 6.15+ hung-task report (aarch64) whose caller takes rtnl_mutex.
		{"mutex via caller", []string{"__switch_to+0xf8/0x168 (T)", "__schedule+0x3f8/0xda8", "schedule+0x3c/0x120",
			"schedule_preempt_disabled+0x2c/0x58", "__mutex_lock.constprop.0+0x4d0/0xab8", "__mutex_lock_slowpath+0x1c/0x30",
			"mutex_lock+0x50/0x68", "rtnl_lock+0x20/0x38", "reg_check_chans_work+0x40/0x478 [cfg80211]"},
			got{Waiter, "rtnl_lock", ModeWrite, "__mutex_lock", false}},
		{"unreliable frames ignored", []string{"? down_write+0x1/0x2", "anon_pipe_read+0x366/0x410"}, got{Other, "", ModeUnknown, "anon_pipe_read", false}},
		{"empty", nil, got{Other, "", ModeUnknown, "", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := classify(tt.frames)
			g := got{o.role, o.site, o.mode, o.waitsIn, o.killable}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("classify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInferSeed(t *testing.T) {
	tasks := seedCrashTasks()
	// The hung-task report saw only the read waiter.
	tasks = append(tasks, Task{PID: 3621271, Comm: "rsync", Kind: "dmesg", Hung: true, Source: "dmesg.txt:1", Frames: seedDmesgReader})
	a := only(t, Infer(tasks, nil))
	if len(a.Locks) != 1 {
		t.Fatalf("got %d locks, want 1: %+v", len(a.Locks), a.Locks)
	}
	l := a.Locks[0]
	type summary struct {
		Site       string
		Object     string
		Holders    []int
		HolderMode Mode
		Waiters    int
		Groups     []int
		Confidence Confidence
	}
	want := summary{"iterate_dir", seedInode, []int{3748012}, ModeWrite, 19, []int{18, 1}, Confirmed}
	var groups []int
	for _, g := range l.Groups {
		groups = append(groups, g.Count)
	}
	got := summary{l.Site, l.Object, l.Holders, l.HolderMode, len(l.Waiters), groups, l.Confidence}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lock (-want +got):\n%s", diff)
	}
	if l.Groups[1].Mode != ModeRead || l.Groups[1].PIDs[0] != 3621271 || l.Groups[0].Mode != ModeWrite {
		t.Errorf("groups: %+v", l.Groups)
	}
	notes := strings.Join(a.Notes, "\n")
	if !strings.Contains(notes, "dmesg reports only 3621271 as hung") {
		t.Errorf("notes lack the dmesg explanation:\n%s", notes)
	}
	if *a.Tasks[0].PID != 3748012 || a.Tasks[0].Role != Holder || a.Tasks[0].Mode != ModeWrite {
		t.Errorf("first task: %+v", a.Tasks[0])
	}
}

func TestInferDmesgOnly(t *testing.T) {
	a := only(t, Infer([]Task{{PID: 3621271, Comm: "rsync", Kind: "dmesg", Hung: true, Source: "d:4", Frames: seedDmesgReader}}, nil))
	if len(a.Locks) != 1 || len(a.Locks[0].Holders) != 0 || a.Locks[0].Confidence != Weak {
		t.Fatalf("locks: %+v", a.Locks)
	}
	if !strings.Contains(strings.Join(a.Notes, "\n"), "holder not visible") {
		t.Errorf("notes: %q", a.Notes)
	}
}

func TestInferBlocker(t *testing.T) {
	tasks := []Task{
		{PID: 11, Comm: "kworker/0:1", Kind: "dmesg", Source: "d:1", Frames: []string{"__schedule+0x3f8/0xda8",
			"schedule+0x3c/0x120", "schedule_preempt_disabled+0x2c/0x58", "__mutex_lock.constprop.0+0x4d0/0xab8",
			"__mutex_lock_slowpath+0x1c/0x30", "mutex_lock+0x50/0x68", "rtnl_lock+0x20/0x38"}},
		{PID: 615, Comm: "dhcpcd", Kind: "dmesg", Source: "d:20", Frames: []string{"__schedule+0x3f8/0xda8",
			"schedule+0x3c/0x120", "schedule_preempt_disabled+0x2c/0x58", "rwsem_down_write_slowpath+0x1e4/0x750",
			"down_write+0x98/0xb0", "led_trigger_register+0x134/0x1c0"}},
	}
	blockers := []Blocker{{PID: 11, Comm: "kworker/0:1", Lock: "mutex", OwnerPID: 615, OwnerComm: "dhcpcd", Source: "d:19"}}
	a := only(t, Infer(tasks, blockers))
	var mutexLock *Lock
	for i := range a.Locks {
		if a.Locks[i].Site == "rtnl_lock" {
			mutexLock = &a.Locks[i]
		}
	}
	if mutexLock == nil {
		t.Fatalf("no rtnl_lock lock: %+v", a.Locks)
	}
	if diff := cmp.Diff([]int{615}, mutexLock.Holders); diff != "" || mutexLock.Confidence != Confirmed {
		t.Errorf("holders (-want +got):\n%s confidence %s", diff, mutexLock.Confidence)
	}
	// 615 itself waits on another lock in its own stack, but the kernel
	// says it owns rtnl_mutex: it is a holder.
	for _, tr := range a.Tasks {
		if *tr.PID == 615 && tr.Role != Holder {
			t.Errorf("615: %+v", tr)
		}
	}
}

func TestInferJSONShape(t *testing.T) {
	a := Infer(seedCrashTasks(), nil)
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["schema"] != Schema {
		t.Errorf("schema %v", m["schema"])
	}
	for _, k := range []string{"incidents", "notes"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("%s is %T, want an array", k, m[k])
		}
	}
	inc := m["incidents"].([]any)[0].(map[string]any)
	for _, k := range []string{"tasks", "locks", "cycles", "chains", "notes"} {
		if _, ok := inc[k].([]any); !ok {
			t.Errorf("incident %s is %T, want an array", k, inc[k])
		}
	}
}

// A time-stamped capture that runs past the release: in the first snapshot
// touch holds the directory and two ls wait; in the second the ls tasks
// list it under the shared lock while FUSE answers slowly. The pile-up is
// the first snapshot, and its roles are the ones reported.
func TestInferPrefersWorstSnapshot(t *testing.T) {
	fuseReaddir := []string{"request_wait_answer+0x112/0x210", "__fuse_simple_request+0x120/0x330",
		"fuse_readdir_uncached+0x1c3/0x7d0", "fuse_readdir+0x146/0x1b0", "iterate_dir+0xa3/0x2a0",
		"__x64_sys_getdents64+0x76/0x110", "do_syscall_64+0x71/0x280"}
	listing := []string{"iterate_dir+0x86/0x2a0", "__x64_sys_getdents64+0x76/0x110", "do_syscall_64+0x71/0x280"}
	holder := []string{"request_wait_answer+0x112/0x210", "__fuse_simple_request+0x120/0x330",
		"fuse_lookup_name+0xbf/0x220", "fuse_lookup+0x75/0x1b0", "fuse_atomic_open+0x124/0x190",
		"path_openat+0xba6/0x12d0", "do_filp_open+0xc3/0x180"}
	tasks := []Task{
		{PID: 1, Comm: "touch", Kind: "procstack", Source: "s:1", Snapshot: "t1", Frames: holder},
		{PID: 2, Comm: "ls", Kind: "procstack", Source: "s:2", Snapshot: "t1", Frames: listing},
		{PID: 3, Comm: "ls", Kind: "procstack", Source: "s:3", Snapshot: "t1", Frames: listing},
		{PID: 2, Comm: "ls", Kind: "procstack", Source: "s:4", Snapshot: "t2", Frames: fuseReaddir},
		{PID: 3, Comm: "ls", Kind: "procstack", Source: "s:5", Snapshot: "t2", Frames: fuseReaddir},
	}
	la := only(t, Infer(tasks, nil))
	got := map[int]Role{}
	for _, tr := range la.Tasks {
		got[*tr.PID] = tr.Role
	}
	if diff := cmp.Diff(map[int]Role{1: Holder, 2: Waiter, 3: Waiter}, got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(la.Notes, "\n"), "2, 3 are each waiter, then holder") {
		t.Errorf("notes do not say roles changed: %q", la.Notes)
	}
}

// A crash note that lists only the filp a task holds (the seed's
// abbreviated section) still places it: an open file of the locked
// directory is a getdents64 at iterate_dir, waiting for write as the full
// stack at that site shows; a dentry proves nothing about the site.
func TestInferFilpOnlyWaiter(t *testing.T) {
	const inode = "0xffff91fca5985500"
	tasks := []Task{
		{PID: 3748012, Comm: "rsync", Kind: "crash", Source: "c:73", Frames: seedHolder, Object: inode, ObjectVia: "filp"},
		{PID: 3632440, Comm: "rsync", Kind: "crash", Source: "c:30", Frames: seedWriteWaiter, Object: inode, ObjectVia: "filp"},
		{PID: 3678549, Comm: "rsync", Kind: "crash", Source: "c:140", Object: inode, ObjectVia: "filp"},
		{PID: 3690262, Comm: "rsync", Kind: "crash", Source: "c:146", Object: inode, ObjectVia: "dentry"},
	}
	la := only(t, Infer(tasks, nil))
	type got struct {
		Role Role
		Mode Mode
		Site string
	}
	roles := map[int]got{}
	for _, tr := range la.Tasks {
		roles[*tr.PID] = got{tr.Role, tr.Mode, tr.Site}
	}
	want := map[int]got{
		3748012: {Holder, ModeWrite, "iterate_dir"},
		3632440: {Waiter, ModeWrite, "iterate_dir"},
		3678549: {Waiter, ModeWrite, "iterate_dir"},
		3690262: {Waiter, ModeUnknown, ""},
	}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
}

// only returns the one incident of a, failing the test if there are more.
func only(t *testing.T, a *Analysis) Incident {
	t.Helper()
	if len(a.Incidents) != 1 {
		t.Fatalf("got %d incidents, want 1: %+v", len(a.Incidents), a.Incidents)
	}
	return a.Incidents[0]
}
