// Package kernel is lagtrace's knowledge of the Linux kernel, as data: the
// functions a sleeping task's stack shows and what each means (a lock's
// slow path, a lock's entry point, a wait for something that is not a
// lock), the functions that take a lock themselves (lock sites), and the
// known behaviours that explain a pile-up (hints). Every entry names the
// kernel versions it holds for; the comments name the source files.
//
// A stack as a hung-task report prints it,
//
//	rwsem_down_read_failed+0x11c/0x190
//	call_rwsem_down_read_failed+0x14/0x30
//	down_read+0x13/0x30
//	lookup_slow+0x27/0x50
//
// reads through these tables as: a slow path of an rwsem in read mode
// (rwsem_down_read_failed, call_rwsem_down_read_failed), its entry point
// (down_read), under the site lookup_slow, which takes a directory's
// i_rwsem: the task waits to read-lock a directory.
package kernel

import "strings"

// Mode is how a task holds or wants a lock.
type Mode string

// The lock modes. A mutex or a semaphore is always taken exclusively, so it
// shows as Write.
const (
	ModeRead  Mode = "read"
	ModeWrite Mode = "write"
	// ModeUnknown: the stack does not show the wait function (recent kernels'
	// /proc/PID/stack omits __sched functions) and the site takes the lock
	// either way.
	ModeUnknown Mode = ""
)

// Class says what a function means when it appears in a stack.
type Class uint8

// The classes.
const (
	// Sched frames are the scheduler itself; they say nothing about why a
	// task sleeps and are skipped.
	Sched Class = iota + 1
	// SlowPath frames are inside a lock's wait loop: the task is queued on
	// the lock and sleeping.
	SlowPath
	// LockCall frames are the lock's entry points (down_write, mutex_lock):
	// directly above a slow path they say which mode was asked for.
	LockCall
	// BlockPoint frames sleep for something that is not a lock (an RPC
	// reply, I/O, a journal commit): a task here that passed a lock site
	// holds that lock while it waits.
	BlockPoint
)

// WaitPoint describes one kernel function that appears at the top of a
// sleeping task's stack, or just under it.
type WaitPoint struct {
	Fn    string
	Class Class
	// Lock is the lock type for SlowPath and LockCall frames: "rwsem",
	// "mutex", "semaphore", "percpu-rwsem", "rt_mutex".
	Lock string
	// Mode is the mode the function asks for; ModeUnknown when both modes use it.
	Mode Mode
	// Killable marks TASK_KILLABLE sleeps, which the hung-task detector
	// never reports (kernel/hung_task.c skips TASK_WAKEKILL sleepers), so a
	// dmesg capture cannot show such a task.
	Killable bool
	// Kernels is the range of versions the name exists in, for the reader.
	Kernels string
}

// waitPoints is the table of wait functions, verified against
// torvalds/linux kernel/locking/{rwsem.c,rwsem-xadd.c,mutex.c,semaphore.c,
// percpu-rwsem.c}, arch/x86/lib/rwsem.S, net/sunrpc/sched.c, fs/fuse/dev.c,
// fs/jbd2/journal.c, mm/filemap.c and /proc/kallsyms of a 6.18 kernel.
// Compiler suffixes (.constprop.0, .isra.0, .cold) are removed before lookup.
var waitPoints = []WaitPoint{
	// The scheduler: skipped when looking for the first meaningful frame.
	{Fn: "__schedule", Class: Sched, Kernels: "all"},
	{Fn: "schedule", Class: Sched, Kernels: "all"},
	{Fn: "schedule_preempt_disabled", Class: Sched, Kernels: "all"},
	{Fn: "schedule_timeout", Class: Sched, Kernels: "all"},
	{Fn: "__switch_to", Class: Sched, Kernels: "all"},
	{Fn: "__switch_to_asm", Class: Sched, Kernels: "4.15+"},
	{Fn: "preempt_schedule_common", Class: Sched, Kernels: "all"},
	{Fn: "__wait_on_bit", Class: Sched, Kernels: "3.17+"},
	{Fn: "out_of_line_wait_on_bit", Class: Sched, Kernels: "all"},
	{Fn: "__wait_on_bit_lock", Class: Sched, Kernels: "all"},
	{Fn: "out_of_line_wait_on_bit_lock", Class: Sched, Kernels: "all"},
	{Fn: "bit_wait", Class: Sched, Kernels: "3.17+"},
	// kernel/sched/core.c: schedule() with the task counted in iowait; the
	// caller says what it waits for (a page, a buffer, a request tag).
	{Fn: "io_schedule", Class: Sched, Kernels: "all"},
	{Fn: "io_schedule_timeout", Class: Sched, Kernels: "all"},
	// kernel/sched/core.c, inlined into __schedule but printed by
	// decode_stacktrace.sh and some unwinders.
	{Fn: "context_switch", Class: Sched, Kernels: "all"},
	{Fn: "__schedule_loop", Class: Sched, Kernels: "6.8+"},
	{Fn: "schedule_hrtimeout", Class: Sched, Kernels: "all"},
	{Fn: "schedule_hrtimeout_range", Class: Sched, Kernels: "all"},
	{Fn: "schedule_hrtimeout_range_clock", Class: Sched, Kernels: "all"},
	{Fn: "preempt_schedule", Class: Sched, Kernels: "all"},
	{Fn: "preempt_schedule_irq", Class: Sched, Kernels: "all"},
	{Fn: "preempt_schedule_notrace", Class: Sched, Kernels: "all"},

	// rwsem, kernel/locking/rwsem-xadd.c (up to 5.2): the *_failed
	// functions are the wait loops; x86 reaches them through the
	// call_rwsem_* trampolines of arch/x86/lib/rwsem.S.
	{Fn: "rwsem_down_read_failed", Class: SlowPath, Lock: "rwsem", Mode: ModeRead, Kernels: "2.6-5.2"},
	{Fn: "rwsem_down_read_failed_killable", Class: SlowPath, Lock: "rwsem", Mode: ModeRead, Killable: true, Kernels: "4.15-5.2"},
	{Fn: "rwsem_down_write_failed", Class: SlowPath, Lock: "rwsem", Mode: ModeWrite, Kernels: "2.6-5.2"},
	{Fn: "rwsem_down_write_failed_killable", Class: SlowPath, Lock: "rwsem", Mode: ModeWrite, Killable: true, Kernels: "4.7-5.2"},
	{Fn: "__rwsem_down_read_failed_common", Class: SlowPath, Lock: "rwsem", Mode: ModeRead, Kernels: "4.15-5.2"},
	{Fn: "__rwsem_down_write_failed_common", Class: SlowPath, Lock: "rwsem", Mode: ModeWrite, Kernels: "4.7-5.2"},
	{Fn: "call_rwsem_down_read_failed", Class: SlowPath, Lock: "rwsem", Mode: ModeRead, Kernels: "2.6-5.2 (x86)"},
	{Fn: "call_rwsem_down_read_failed_killable", Class: SlowPath, Lock: "rwsem", Mode: ModeRead, Killable: true, Kernels: "4.15-5.2 (x86)"},
	{Fn: "call_rwsem_down_write_failed", Class: SlowPath, Lock: "rwsem", Mode: ModeWrite, Kernels: "2.6-5.2 (x86)"},
	{Fn: "call_rwsem_down_write_failed_killable", Class: SlowPath, Lock: "rwsem", Mode: ModeWrite, Killable: true, Kernels: "4.7-5.2 (x86)"},
	// rwsem, kernel/locking/rwsem.c (5.3+): one slow path per mode; the
	// state (killable or not) is an argument, so the entry point says it.
	{Fn: "rwsem_down_read_slowpath", Class: SlowPath, Lock: "rwsem", Mode: ModeRead, Kernels: "5.3+"},
	{Fn: "rwsem_down_write_slowpath", Class: SlowPath, Lock: "rwsem", Mode: ModeWrite, Kernels: "5.3+"},
	// rwsem entry points.
	{Fn: "down_read", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Kernels: "all"},
	{Fn: "down_read_killable", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Killable: true, Kernels: "4.15+"},
	{Fn: "down_read_interruptible", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Kernels: "5.10+"},
	{Fn: "down_read_nested", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Kernels: "all (lockdep)"},
	{Fn: "__down_read", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Kernels: "all"},
	{Fn: "__down_read_common", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Kernels: "5.3+"},
	{Fn: "__down_read_killable", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Killable: true, Kernels: "4.15+"},
	{Fn: "down_write", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Kernels: "all"},
	{Fn: "down_write_killable", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Killable: true, Kernels: "4.7+"},
	{Fn: "down_write_nested", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Kernels: "all (lockdep)"},
	{Fn: "down_write_killable_nested", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Killable: true, Kernels: "4.15+ (lockdep)"},
	{Fn: "__down_write", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Kernels: "all"},
	{Fn: "__down_write_common", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Kernels: "5.3+"},
	{Fn: "__down_write_killable", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Killable: true, Kernels: "4.7+"},

	// mutex, kernel/locking/mutex.c: __mutex_lock_common is the wait loop
	// (often inlined); __mutex_lock wraps it since 4.10, and is
	// __mutex_lock.constprop.0 on many builds.
	{Fn: "__mutex_lock_common", Class: SlowPath, Lock: "mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "__mutex_lock", Class: SlowPath, Lock: "mutex", Mode: ModeWrite, Kernels: "4.10+"},
	{Fn: "__mutex_lock_slowpath", Class: SlowPath, Lock: "mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "__mutex_lock_killable_slowpath", Class: SlowPath, Lock: "mutex", Mode: ModeWrite, Killable: true, Kernels: "all"},
	{Fn: "__mutex_lock_interruptible_slowpath", Class: SlowPath, Lock: "mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "mutex_lock", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "mutex_lock_nested", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Kernels: "all (lockdep)"},
	{Fn: "mutex_lock_killable", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Killable: true, Kernels: "all"},
	{Fn: "mutex_lock_killable_nested", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Killable: true, Kernels: "all (lockdep)"},
	{Fn: "mutex_lock_interruptible", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Kernels: "all"},

	// Counting semaphores, kernel/locking/semaphore.c.
	{Fn: "__down", Class: SlowPath, Lock: "semaphore", Mode: ModeWrite, Kernels: "all"},
	{Fn: "__down_common", Class: SlowPath, Lock: "semaphore", Mode: ModeWrite, Kernels: "all"},
	{Fn: "__down_killable", Class: SlowPath, Lock: "semaphore", Mode: ModeWrite, Killable: true, Kernels: "all"},
	{Fn: "__down_interruptible", Class: SlowPath, Lock: "semaphore", Mode: ModeWrite, Kernels: "all"},
	{Fn: "__down_timeout", Class: SlowPath, Lock: "semaphore", Mode: ModeWrite, Kernels: "all"},
	{Fn: "down", Class: LockCall, Lock: "semaphore", Mode: ModeWrite, Kernels: "all"},
	{Fn: "down_killable", Class: LockCall, Lock: "semaphore", Mode: ModeWrite, Killable: true, Kernels: "all"},
	{Fn: "down_interruptible", Class: LockCall, Lock: "semaphore", Mode: ModeWrite, Kernels: "all"},
	{Fn: "down_timeout", Class: LockCall, Lock: "semaphore", Mode: ModeWrite, Kernels: "all"},

	// Per-CPU rwsem, kernel/locking/percpu-rwsem.c (sb_start_write and
	// friends, cgroup_threadgroup_rwsem).
	{Fn: "percpu_rwsem_wait", Class: SlowPath, Lock: "percpu-rwsem", Kernels: "5.8+"},
	{Fn: "__percpu_down_read", Class: LockCall, Lock: "percpu-rwsem", Mode: ModeRead, Kernels: "4.2+"},
	{Fn: "percpu_down_read", Class: LockCall, Lock: "percpu-rwsem", Mode: ModeRead, Kernels: "4.2+"},
	{Fn: "percpu_down_write", Class: LockCall, Lock: "percpu-rwsem", Mode: ModeWrite, Kernels: "4.2+"},

	// rt_mutex (PI futexes, PREEMPT_RT sleeping spinlocks and rwsems).
	{Fn: "rt_mutex_slowlock", Class: SlowPath, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "rt_mutex_slowlock_block", Class: SlowPath, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "5.15+"},
	{Fn: "__rt_mutex_slowlock", Class: SlowPath, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "all"},

	// Sleeps that are not locks.
	// net/sunrpc/sched.c: an RPC task waiting for the server's reply.
	{Fn: "rpc_wait_bit_killable", Class: BlockPoint, Killable: true, Kernels: "all"},
	{Fn: "__rpc_execute", Class: BlockPoint, Kernels: "all"},
	{Fn: "rpc_execute", Class: BlockPoint, Kernels: "all"},
	// fs/nfs: waiting on an NFS page request or inode flag.
	{Fn: "nfs_wait_bit_killable", Class: BlockPoint, Killable: true, Kernels: "all"},
	{Fn: "nfs_wait_on_request", Class: BlockPoint, Kernels: "all"},
	// fs/fuse/dev.c: a request waiting for the FUSE daemon's answer.
	{Fn: "request_wait_answer", Class: BlockPoint, Kernels: "all"},
	{Fn: "__fuse_request_send", Class: BlockPoint, Kernels: "4.0+"},
	{Fn: "fuse_request_send", Class: BlockPoint, Kernels: "all"},
	{Fn: "fuse_simple_request", Class: BlockPoint, Kernels: "4.7+"},
	{Fn: "__fuse_simple_request", Class: BlockPoint, Kernels: "6.4+"},
	// Block I/O and the page cache.
	{Fn: "bit_wait_io", Class: BlockPoint, Kernels: "3.17+"},
	{Fn: "wait_on_page_bit", Class: BlockPoint, Kernels: "up to 5.15"},
	{Fn: "wait_on_page_bit_common", Class: BlockPoint, Kernels: "4.10-5.15"},
	{Fn: "__lock_page", Class: BlockPoint, Kernels: "up to 5.15"},
	{Fn: "__lock_page_killable", Class: BlockPoint, Killable: true, Kernels: "up to 5.15"},
	{Fn: "folio_wait_bit_common", Class: BlockPoint, Kernels: "5.16+"},
	{Fn: "__folio_lock", Class: BlockPoint, Kernels: "5.16+"},
	{Fn: "__folio_lock_killable", Class: BlockPoint, Killable: true, Kernels: "5.16+"},
	{Fn: "__wait_on_buffer", Class: BlockPoint, Kernels: "all"},
	{Fn: "blk_mq_get_tag", Class: BlockPoint, Kernels: "3.13+"},
	{Fn: "rq_qos_wait", Class: BlockPoint, Kernels: "5.0+"},
	{Fn: "balance_dirty_pages", Class: BlockPoint, Kernels: "all"},
	{Fn: "inode_dio_wait", Class: BlockPoint, Kernels: "all"},
	// Journals.
	{Fn: "jbd2_log_wait_commit", Class: BlockPoint, Kernels: "all"},
	{Fn: "wait_transaction_locked", Class: BlockPoint, Kernels: "all"},
	{Fn: "start_this_handle", Class: BlockPoint, Kernels: "all"},
	{Fn: "xfs_log_force", Class: BlockPoint, Kernels: "all"},
	// Generic completions and writeback.
	{Fn: "wait_for_completion", Class: BlockPoint, Kernels: "all"},
	{Fn: "wb_wait_for_completion", Class: BlockPoint, Kernels: "4.2+"},
}

// LockSite is a function that takes a lock itself (inline helpers such as
// inode_lock are folded into it): a task whose stack passes it either
// holds that lock, or waits for it when the frames above are the lock's.
type LockSite struct {
	Fn string
	// Object names what is locked, and is how tasks at different sites are
	// put on one lock: every "dir i_rwsem" site locks a directory inode.
	Object string
	// Mode is the mode the site always uses; ModeUnknown when it takes either
	// (iterate_dir: exclusive for ->iterate, shared for ->iterate_shared),
	// in which case the wait function decides.
	Mode Mode
	// WaitOnly marks a function that takes the lock only through an
	// inlined helper and does much else: lock frames directly on it prove
	// a wait, but a deeper sleep does not prove it holds the lock.
	WaitOnly bool
	// Killable: the site always waits killable (iterate_dir uses
	// mutex_lock_killable, later down_{read,write}_killable).
	Killable bool
	// ModeByObject: the mode depends only on the object (iterate_dir
	// chooses by the directory's file operations), so every task at this
	// site on one proven object takes it the same way.
	ModeByObject bool
	Kernels      string
	Note         string
}

// DirLock is the object every directory-lock site locks.
const DirLock = "dir i_rwsem"

// lockSites is the table of call sites, verified against torvalds/linux
// fs/readdir.c, fs/namei.c and fs/open.c across 3.10 to 6.18. Before 4.7
// the directory lock was the i_mutex (a mutex, always exclusive); from 4.7
// it is the i_rwsem and lookups take it shared.
var lockSites = []LockSite{
	// fs/readdir.c: getdents/getdents64.
	{Fn: "iterate_dir", Object: DirLock, Killable: true, ModeByObject: true, Kernels: "3.11+", Note: "exclusive for ->iterate (NFS before 6.5's iterate_shared switch), shared for ->iterate_shared"},
	{Fn: "vfs_readdir", Object: DirLock, Mode: ModeWrite, Kernels: "up to 3.10", Note: "i_mutex"},
	// fs/namei.c: pathname lookup that misses the dcache.
	{Fn: "lookup_slow", Object: DirLock, Kernels: "all", Note: "shared since 4.7, i_mutex before"},
	// walk_component's only locking is the inlined lookup_slow (6.x
	// builds); it also calls much that takes no lock, so it proves a wait
	// only with lock frames directly on it, never a hold.
	{Fn: "walk_component", Object: DirLock, Mode: ModeRead, WaitOnly: true, Kernels: "6.x (lookup_slow inlined)"},
	// fs/namei.c: open(2) of the last component; exclusive with O_CREAT.
	{Fn: "do_last", Object: DirLock, Kernels: "up to 5.7"},
	{Fn: "open_last_lookups", Object: DirLock, Kernels: "5.8+"},
	{Fn: "path_openat", Object: DirLock, WaitOnly: true, Kernels: "5.8+ (open_last_lookups inlined)"},
	// fs/namei.c: directory modifications, always exclusive.
	{Fn: "filename_create", Object: DirLock, Mode: ModeWrite, Kernels: "all"},
	{Fn: "do_unlinkat", Object: DirLock, Mode: ModeWrite, Kernels: "all"},
	{Fn: "do_rmdir", Object: DirLock, Mode: ModeWrite, Kernels: "all"},
	{Fn: "lock_rename", Object: DirLock, Mode: ModeWrite, Kernels: "all"},
	{Fn: "lock_rename_child", Object: DirLock, Mode: ModeWrite, Kernels: "6.5+"},
	{Fn: "lock_two_directories", Object: DirLock, Mode: ModeWrite, Kernels: "6.5+"},
	// vfs_rename locks the renamed inodes themselves (its caller already
	// holds the directories through lock_rename).
	{Fn: "vfs_rename", Object: "renamed inode i_rwsem", Mode: ModeWrite, Kernels: "all"},
	// fs/open.c and fs/attr.c: inode changes take the file's own i_rwsem.
	{Fn: "do_truncate", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "all"},
	{Fn: "chmod_common", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "all"},
	{Fn: "chown_common", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "all"},
	{Fn: "generic_file_write_iter", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "3.16+"},
}

// heldCallees are functions that run only with the directory lock held
// (VFS helpers and the inode operations they call). Directly above a
// waitOnly site they show that the site's inlined locking helper was passed,
// so a task sleeping deeper holds the lock. Names from fs/namei.c,
// fs/dcache.c, fs/fuse/dir.c and fs/nfs/dir.c.
var heldCallees = []string{
	"lookup_open", "__lookup_slow", "atomic_open", "d_alloc_parallel", "vfs_create",
	"fuse_lookup", "fuse_atomic_open", "fuse_create_open", "fuse_lookup_name",
	"nfs_lookup", "nfs_atomic_open", "nfs4_atomic_open",
	"ext4_lookup", "xfs_vn_lookup", "btrfs_lookup", "ceph_lookup", "ceph_atomic_open",
	"cifs_lookup", "cifs_atomic_open", "ovl_lookup",
}

var (
	waitIndex   = indexBy(waitPoints, func(w WaitPoint) string { return w.Fn })
	siteIndex   = indexBy(lockSites, func(s LockSite) string { return s.Fn })
	calleeIndex = indexBy(heldCallees, func(fn string) string { return fn })
)

// indexBy builds read-only lookup maps once; the tables stay the source.
func indexBy[T any](xs []T, key func(T) string) map[string]int {
	m := make(map[string]int, len(xs))
	for i, x := range xs {
		m[key(x)] = i
	}
	return m
}

// Wait looks up a function (as FuncName returns it) in the wait-point table.
func Wait(fn string) (WaitPoint, bool) {
	i, ok := waitIndex[fn]
	if !ok {
		return WaitPoint{}, false
	}
	return waitPoints[i], true
}

// Site looks up a function in the lock-site table.
func Site(fn string) (LockSite, bool) {
	i, ok := siteIndex[fn]
	if !ok {
		return LockSite{}, false
	}
	return lockSites[i], true
}

// HeldCallee reports whether fn runs only with the directory lock held.
func HeldCallee(fn string) bool {
	_, ok := calleeIndex[fn]
	return ok
}

// FuncName reduces a frame as kernels and crash print it
// ("iterate_dir+0x86/0x2a0", "__mutex_lock.constprop.0+0x4d0/0xab8 [mod]",
// "? down_write+0x13/0x30", "[<0>] iterate_dir+0x86/0x2a0") to the
// function name the tables use.
func FuncName(frame string) string {
	s := strings.TrimSpace(frame)
	// /proc/PID/stack prefixes the address: "[<0>] " (hidden) or
	// "[<ffffffffa04f69b4>] ".
	if strings.HasPrefix(s, "[<") {
		if i := strings.Index(s, ">]"); i >= 0 {
			s = strings.TrimSpace(s[i+2:])
		}
	}
	s = strings.TrimPrefix(s, "? ")
	if i := strings.IndexAny(s, "+ "); i >= 0 {
		s = s[:i]
	}
	// GCC clones: .constprop.N, .isra.N, .part.N, .cold, .llvm.NNN.
	if i := strings.IndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	return s
}
