package locks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Stacks of testdata/real/console/211-linux-mm-hugetlb-folio-mutex-abba-blocker.txt
// (6.15-rc3, linux-mm, 2025): 13229 waits for the hugetlb fault mutex,
// which 13250 holds while it sleeps on a folio.
var (
	hugetlbWaiter = []string{"__schedule+0x1755/0x4f50", "schedule+0x158/0x330", "schedule_preempt_disabled+0x15/0x30",
		"__mutex_lock+0x75f/0xeb0", "hugetlb_wp+0xf88/0x3440", "hugetlb_fault+0x14c8/0x2c30", "do_user_addr_fault+0x61d/0x1490"}
	hugetlbHolder = []string{"__schedule+0x1755/0x4f50", "schedule+0x158/0x330", "io_schedule+0x92/0x110",
		"folio_wait_bit_common+0x69a/0xba0", "__filemap_get_folio+0x154/0xb70", "hugetlb_fault+0xa50/0x2c30", "do_user_addr_fault+0xace/0x1490"}
	hugetlbHeld = []Held{
		{PID: 13229, Comm: "repro", Source: "c:68", Locks: []HeldLock{
			{Addr: "ffff888017d801e0", Class: "&mm->mmap_lock", At: "lock_mm_and_find_vma"},
			{Addr: "ffff888000fec848", Class: "&hugetlb_fault_mutex_table[i]", At: "hugetlb_wp"}}},
		{PID: 13250, Comm: "repro", Source: "c:71", Locks: []HeldLock{
			{Addr: "ffff8880177f3d08", Class: "vm_lock", At: "do_user_addr_fault"},
			{Addr: "ffff888000fec848", Class: "&hugetlb_fault_mutex_table[i]", At: "hugetlb_fault"},
			{Addr: "ffff8880129500e8", Class: "&resv_map->rw_sema", At: "hugetlb_fault"}}},
	}
)

// summary is what a test asserts of an analysis: per incident, each lock's
// holders and waiters, and the cycles.
type summary struct {
	Locks  [][2][]int
	Cycles [][]int
}

func summarize(a *Analysis) []summary {
	var out []summary
	for _, inc := range a.Incidents {
		var s summary
		for _, l := range inc.Locks {
			s.Locks = append(s.Locks, [2][]int{l.Holders, l.Waiters})
		}
		for _, c := range inc.Cycles {
			s.Cycles = append(s.Cycles, c.PIDs)
		}
		out = append(out, s)
	}
	return out
}

func TestRules(t *testing.T) {
	tests := []struct {
		name     string
		tasks    []Task
		blockers []Blocker
		held     []Held
		owners   []Owner
		acquires []Acquire
		want     []summary
		notes    string // a note that must be said
	}{
		{
			// lockdep's entry before the last is held: 13250 holds the
			// mutex 13229 acquires (its last entry, taken at hugetlb_wp,
			// where its stack waits).
			name: "lockdep held list",
			tasks: []Task{{PID: 13229, Comm: "repro", Kind: "dmesg", Hung: true, Source: "c:6", Frames: hugetlbWaiter},
				{PID: 13250, Comm: "repro", Kind: "dmesg", Hung: true, Source: "c:46", Frames: hugetlbHolder}},
			held: hugetlbHeld,
			want: []summary{{Locks: [][2][]int{{{13250}, {13229}}}}},
		},
		{
			// Without the lists, nothing in the stacks says 13250 holds
			// anything: the mutex waiter has no visible holder.
			name: "same stacks without lockdep",
			tasks: []Task{{PID: 13229, Comm: "repro", Kind: "dmesg", Hung: true, Source: "c:6", Frames: hugetlbWaiter},
				{PID: 13250, Comm: "repro", Kind: "dmesg", Hung: true, Source: "c:46", Frames: hugetlbHolder}},
			want:  []summary{{Locks: [][2][]int{{{}, {13229}}}}},
			notes: "holder not visible",
		},
		{
			// A lockdep list alone (no stack) holds its entries before
			// the last, and says nothing of the last.
			name:  "lockdep list without a stack",
			tasks: []Task{{PID: 13229, Comm: "repro", Kind: "dmesg", Hung: true, Source: "c:6", Frames: hugetlbWaiter}},
			held: []Held{hugetlbHeld[0], {PID: 77, Comm: "other", Source: "c:90", Locks: []HeldLock{
				{Addr: "ffff888000fec848", Class: "&hugetlb_fault_mutex_table[i]", At: "hugetlb_fault"}}}},
			want: []summary{{Locks: [][2][]int{{{}, {13229}}}}},
		},
		{
			// The kernel names the waiter itself as the owner
			// (console/205, 6.16 fsl_xcvr): a self-deadlock.
			name: "self-deadlock by blocker line",
			tasks: []Task{{PID: 1969, Comm: "alsactl", Kind: "dmesg", Hung: true, Source: "s:4", Frames: []string{
				"__schedule+0x0/0x0", "schedule+0x0/0x0", "rwsem_down_read_slowpath+0x0/0x0", "down_read+0x0/0x0", "snd_ctl_elem_read+0x0/0x0"}}},
			blockers: []Blocker{{PID: 1969, Comm: "alsactl", Lock: "rw-semaphore", Mode: ModeRead, OwnerPID: 1969, OwnerComm: "alsactl", OwnerMode: ModeWrite, Source: "s:25"}},
			want:     []summary{{Locks: [][2][]int{{{1969}, {1969}}}, Cycles: [][]int{{1969}}}},
		},
		{
			// Lockdep's recursive-locking warning with one address
			// acquired twice (console/207, 6.11 team driver): the task
			// waits for a lock it holds. Its stack is lockdep's report,
			// printed while it runs: no role of its own.
			name: "self-deadlock by lockdep warning",
			tasks: []Task{{PID: 5889, Comm: "syz.0.15", Kind: "dmesg", Source: "w:40", Frames: []string{
				"__dump_stack [inline]", "dump_stack_lvl+0x116/0x1f0", "__lock_acquire+0x2167/0x3cb0", "lock_acquire+0x1b1/0x560",
				"__mutex_lock+0x175/0x9c0", "team_device_event+0x2c7/0x770", "team_add_slave+0xacd/0x20e0"}}},
			acquires: []Acquire{{PID: 5889, Comm: "syz.0.15", Title: "possible recursive locking detected", Source: "w:16",
				Lock: HeldLock{Addr: "ffff8880231e4d40", Class: "team->team_lock_key#2", At: "team_device_event"},
				Held: &HeldLock{Addr: "ffff8880231e4d40", Class: "team->team_lock_key#2", At: "team_add_slave"}}},
			want: []summary{{Locks: [][2][]int{{{5889}, {5889}}}, Cycles: [][]int{{5889}}}},
		},
		{
			// A circular-dependency warning (console/209, btrfs tree
			// locks) is about an order that could deadlock: the task
			// acquires one lock while holding another, and waits for
			// nothing the text shows.
			name: "circular lockdep warning claims no wait",
			tasks: []Task{{PID: 8472, Comm: "btrfs", Kind: "dmesg", Source: "w:60", Frames: []string{
				"dump_stack+0x8b/0xb0", "check_noncircular+0x1e1/0x200", "__lock_acquire+0x1278/0x1e10", "lock_acquire+0xb3/0x3d0",
				"down_read_nested+0x41/0x130", "__btrfs_tree_read_lock+0x32/0x170", "btrfs_search_slot+0x6bf/0xd90"}}},
			acquires: []Acquire{{PID: 8472, Comm: "btrfs", Title: "possible circular locking dependency detected", Source: "w:5",
				Lock: HeldLock{Addr: "ffff9b5e4a2d0c58", Class: "btrfs-tree-01", At: "__btrfs_tree_read_lock"},
				Held: &HeldLock{Addr: "ffff9b5e5c6a2e78", Class: "btrfs-tree-00", At: "__btrfs_tree_read_lock"}}},
			want: []summary{{}},
		},
		{
			// console/213 (linux-mm, 4.11): an ARM32 board's reports, then
			// an arm64 board's, undated, in one mail. A kernel prints
			// addresses of one width: two widths are two machines. The
			// lockdep list after the arm64 stack goes with it.
			name: "two machines by address width",
			tasks: []Task{
				{PID: 5, Comm: "kworker/u4:0", Kind: "dmesg", Hung: true, Source: "m:39", AddrBits: 32, Frames: []string{"__schedule+0x1/0x2", "wait_for_common+0x1/0x2", "dpm_wait_for_superior+0x1/0x2"}},
				{PID: 125, Comm: "kworker/u4:1", Kind: "dmesg", Hung: true, Source: "m:58", AddrBits: 32, Frames: []string{"__schedule+0x1/0x2", "wait_for_common+0x1/0x2", "dpm_wait_for_superior+0x1/0x2"}},
				{PID: 276, Comm: "kworker/u16:2", Kind: "dmesg", Hung: true, Source: "m:83", AddrBits: 64, Frames: []string{"__switch_to+0x1/0x2", "wait_for_common+0x1/0x2", "dpm_wait_for_superior+0x1/0x2"}},
			},
			held: []Held{{PID: 1899, Comm: "s2ram", Source: "m:120", Locks: []HeldLock{{Class: "&dev->mutex", At: "device_resume"}}}},
			want: []summary{{}, {}},
		},
		{
			// The same stacks at one width are one machine's.
			name: "one width is one machine",
			tasks: []Task{
				{PID: 5, Comm: "kworker/u4:0", Kind: "dmesg", Hung: true, Source: "m:39", AddrBits: 64, Frames: []string{"__schedule+0x1/0x2", "wait_for_common+0x1/0x2"}},
				{PID: 276, Comm: "kworker/u16:2", Kind: "dmesg", Hung: true, Source: "m:83", AddrBits: 64, Frames: []string{"__switch_to+0x1/0x2", "wait_for_common+0x1/0x2"}},
			},
			want: []summary{{}},
		},
		{
			// ABBA through lockdep: each holds (entry before its last)
			// what the other acquires (its last, where its stack waits).
			name: "ABBA deadlock",
			tasks: []Task{
				{PID: 3193, Comm: "krace_0", Kind: "dmesg", Hung: true, Source: "a:1", Frames: []string{"__mutex_lock+0x1/0x2", "klockdep_test_mutex_BA+0x1/0x2"}},
				{PID: 3194, Comm: "krace_1", Kind: "dmesg", Hung: true, Source: "a:9", Frames: []string{"__mutex_lock+0x1/0x2", "klockdep_test_mutex_AB+0x1/0x2"}},
			},
			held: []Held{
				{PID: 3193, Comm: "krace_0", Source: "a:20", Locks: []HeldLock{{Addr: "ffffb", Class: "lock_B", At: "klockdep_test_mutex_BA"}, {Addr: "ffffa", Class: "lock_A", At: "klockdep_test_mutex_BA"}}},
				{PID: 3194, Comm: "krace_1", Source: "a:23", Locks: []HeldLock{{Addr: "ffffa", Class: "lock_A", At: "klockdep_test_mutex_AB"}, {Addr: "ffffb", Class: "lock_B", At: "klockdep_test_mutex_AB"}}},
			},
			want: []summary{{Locks: [][2][]int{{{3193}, {3194}}, {{3194}, {3193}}}, Cycles: [][]int{{3193, 3194}}}},
		},
		{
			// do_unlinkat's final iput of the inode runs after the unlock
			// (fs/namei.c): a task there holds nothing; the waiter at
			// do_unlinkat has no visible holder.
			name: "released site is no holder",
			tasks: []Task{
				{PID: 10, Comm: "rm", Kind: "dmesg", Hung: true, Source: "u:1", Frames: []string{"__wait_on_freeing_inode+0x1/0x2", "destroy_inode+0x1/0x2", "evict+0x1/0x2", "iput+0x1/0x2", "do_unlinkat+0x1/0x2", "__x64_sys_unlinkat+0x1/0x2"}},
				{PID: 11, Comm: "rm", Kind: "dmesg", Hung: true, Source: "u:9", Frames: []string{"rwsem_down_write_slowpath+0x1/0x2", "down_write_nested+0x1/0x2", "do_unlinkat+0x1/0x2", "__x64_sys_unlinkat+0x1/0x2"}},
			},
			want:  []summary{{Locks: [][2][]int{{{}, {11}}}}},
			notes: "passed do_unlinkat, but its callee iput runs outside the lock",
		},
		{
			// The callee under the site runs with the lock held: vfs_unlink
			// into a FUSE request makes a holder.
			name: "held callee makes a holder",
			tasks: []Task{
				{PID: 10, Comm: "rm", Kind: "procstack", Source: "u:1", Frames: []string{"request_wait_answer+0x1/0x2", "fuse_simple_request+0x1/0x2", "fuse_unlink+0x1/0x2", "vfs_unlink+0x1/0x2", "do_unlinkat+0x1/0x2"}},
				{PID: 11, Comm: "rm", Kind: "procstack", Source: "u:9", Frames: []string{"rwsem_down_write_slowpath+0x1/0x2", "down_write_nested+0x1/0x2", "do_unlinkat+0x1/0x2"}},
			},
			want: []summary{{Locks: [][2][]int{{{10}, {11}}}}},
		},
		{
			// A crash owner field names the holder of the one rwsem the
			// transcript examines (crash/407: owner 0xffff9431354120c7,
			// low bits flags, the task of PID 2640498).
			name:   "crash owner field",
			tasks:  []Task{{PID: 4129433, Comm: "mount", Kind: "crash", Source: "c:5", Frames: []string{"__schedule", "schedule", "rwsem_down_write_slowpath", "do_reconfigure_mnt"}}},
			owners: []Owner{{Lock: "0xffff941d45f98870", Type: "rw_semaphore", PID: 2640498, Comm: "kworker/u162:2", Reader: true, Source: "c:66", Via: "kmem"}},
			want:   []summary{{Locks: [][2][]int{{{2640498}, {4129433}}}}},
		},
		{
			// Reports 30 minutes apart with no task in common are two
			// incidents; the latest comes first.
			name: "two incidents",
			tasks: []Task{
				{PID: 1, Comm: "stat", Kind: "dmesg", Hung: true, Source: "d:1", Frames: seedDmesgReader, Time: 1000, Clock: ClockBoot, Blocked: 120},
				{PID: 1, Comm: "stat", Kind: "dmesg", Hung: true, Source: "d:30", Frames: seedDmesgReader, Time: 1121, Clock: ClockBoot, Blocked: 241},
				{PID: 2, Comm: "stat", Kind: "dmesg", Hung: true, Source: "d:90", Frames: seedDmesgReader, Time: 3000, Clock: ClockBoot, Blocked: 120},
			},
			want: []summary{{Locks: [][2][]int{{{}, {2}}}}, {Locks: [][2][]int{{{}, {1}}}}},
		},
		{
			// The same task reported again with a smaller blocked time ran
			// in between: two stalls (console/220), two incidents.
			name: "stuck anew",
			tasks: []Task{
				{PID: 1034, Comm: "btrfs-cleaner", Kind: "dmesg", Hung: true, Source: "d:6", Frames: seedDmesgReader, Time: 518366, Clock: ClockBoot, Blocked: 120},
				{PID: 1034, Comm: "btrfs-cleaner", Kind: "dmesg", Hung: true, Source: "d:28", Frames: seedDmesgReader, Time: 518486, Clock: ClockBoot, Blocked: 241},
				{PID: 1034, Comm: "btrfs-cleaner", Kind: "dmesg", Hung: true, Source: "d:50", Frames: seedDmesgReader, Time: 518728, Clock: ClockBoot, Blocked: 120},
			},
			want: []summary{{Locks: [][2][]int{{{}, {1034}}}}, {Locks: [][2][]int{{{}, {1034}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEvidence()
			for _, x := range tt.tasks {
				e.AddTask(x)
			}
			for _, b := range tt.blockers {
				e.AddBlocker(b)
			}
			for _, h := range tt.held {
				e.AddHeld(h)
			}
			for _, o := range tt.owners {
				e.AddOwner(o)
			}
			for _, x := range tt.acquires {
				e.AddAcquire(x)
			}
			a := e.Infer(Options{})
			if diff := cmp.Diff(tt.want, summarize(a), cmp.Transformer("nilIsEmpty", func(x []int) []int {
				if x == nil {
					return []int{}
				}
				return x
			})); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if tt.notes != "" {
				var all []string
				for _, inc := range a.Incidents {
					all = append(all, inc.Notes...)
				}
				if !strings.Contains(strings.Join(all, "\n"), tt.notes) {
					t.Errorf("notes do not say %q:\n%s", tt.notes, strings.Join(all, "\n"))
				}
			}
		})
	}
}
