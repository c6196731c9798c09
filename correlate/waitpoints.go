package correlate

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

// frameClass says what a function means when it appears in a stack.
type frameClass uint8

const (
	// sched frames are the scheduler itself; they say nothing about why a
	// task sleeps and are skipped.
	sched frameClass = iota + 1
	// slowPath frames are inside a lock's wait loop: the task is queued on
	// the lock and sleeping.
	slowPath
	// lockCall frames are the lock's entry points (down_write, mutex_lock):
	// directly above a slow path they say which mode was asked for.
	lockCall
	// blockPoint frames sleep for something that is not a lock (an RPC
	// reply, I/O, a journal commit): a task here that passed a lock site
	// holds that lock while it waits.
	blockPoint
)

// waitPoint describes one kernel function that appears at the top of a
// sleeping task's stack, or just under it.
type waitPoint struct {
	fn    string
	class frameClass
	// lock is the lock type for slowPath and lockCall frames: "rwsem",
	// "mutex", "semaphore", "percpu-rwsem", "rt_mutex".
	lock string
	// mode is the mode the function asks for; ModeUnknown when both modes use it.
	mode Mode
	// killable marks TASK_KILLABLE sleeps, which the hung-task detector
	// never reports (kernel/hung_task.c skips TASK_WAKEKILL sleepers), so a
	// dmesg capture cannot show such a task.
	killable bool
	// kernels is the range of versions the name exists in, for the reader.
	kernels string
}

// waitPoints is the table of wait functions, verified against
// torvalds/linux kernel/locking/{rwsem.c,rwsem-xadd.c,mutex.c,semaphore.c,
// percpu-rwsem.c}, arch/x86/lib/rwsem.S, net/sunrpc/sched.c, fs/fuse/dev.c,
// fs/jbd2/journal.c, mm/filemap.c and /proc/kallsyms of a 6.18 kernel.
// Compiler suffixes (.constprop.0, .isra.0, .cold) are removed before lookup.
var waitPoints = []waitPoint{
	// The scheduler: skipped when looking for the first meaningful frame.
	{fn: "__schedule", class: sched, kernels: "all"},
	{fn: "schedule", class: sched, kernels: "all"},
	{fn: "schedule_preempt_disabled", class: sched, kernels: "all"},
	{fn: "schedule_timeout", class: sched, kernels: "all"},
	{fn: "__switch_to", class: sched, kernels: "all"},
	{fn: "__switch_to_asm", class: sched, kernels: "4.15+"},
	{fn: "preempt_schedule_common", class: sched, kernels: "all"},
	{fn: "__wait_on_bit", class: sched, kernels: "3.17+"},
	{fn: "out_of_line_wait_on_bit", class: sched, kernels: "all"},
	{fn: "__wait_on_bit_lock", class: sched, kernels: "all"},
	{fn: "out_of_line_wait_on_bit_lock", class: sched, kernels: "all"},
	{fn: "bit_wait", class: sched, kernels: "3.17+"},

	// rwsem, kernel/locking/rwsem-xadd.c (up to 5.2): the *_failed
	// functions are the wait loops; x86 reaches them through the
	// call_rwsem_* trampolines of arch/x86/lib/rwsem.S.
	{fn: "rwsem_down_read_failed", class: slowPath, lock: "rwsem", mode: ModeRead, kernels: "2.6-5.2"},
	{fn: "rwsem_down_read_failed_killable", class: slowPath, lock: "rwsem", mode: ModeRead, killable: true, kernels: "4.15-5.2"},
	{fn: "rwsem_down_write_failed", class: slowPath, lock: "rwsem", mode: ModeWrite, kernels: "2.6-5.2"},
	{fn: "rwsem_down_write_failed_killable", class: slowPath, lock: "rwsem", mode: ModeWrite, killable: true, kernels: "4.7-5.2"},
	{fn: "__rwsem_down_read_failed_common", class: slowPath, lock: "rwsem", mode: ModeRead, kernels: "4.15-5.2"},
	{fn: "__rwsem_down_write_failed_common", class: slowPath, lock: "rwsem", mode: ModeWrite, kernels: "4.7-5.2"},
	{fn: "call_rwsem_down_read_failed", class: slowPath, lock: "rwsem", mode: ModeRead, kernels: "2.6-5.2 (x86)"},
	{fn: "call_rwsem_down_read_failed_killable", class: slowPath, lock: "rwsem", mode: ModeRead, killable: true, kernels: "4.15-5.2 (x86)"},
	{fn: "call_rwsem_down_write_failed", class: slowPath, lock: "rwsem", mode: ModeWrite, kernels: "2.6-5.2 (x86)"},
	{fn: "call_rwsem_down_write_failed_killable", class: slowPath, lock: "rwsem", mode: ModeWrite, killable: true, kernels: "4.7-5.2 (x86)"},
	// rwsem, kernel/locking/rwsem.c (5.3+): one slow path per mode; the
	// state (killable or not) is an argument, so the entry point says it.
	{fn: "rwsem_down_read_slowpath", class: slowPath, lock: "rwsem", mode: ModeRead, kernels: "5.3+"},
	{fn: "rwsem_down_write_slowpath", class: slowPath, lock: "rwsem", mode: ModeWrite, kernels: "5.3+"},
	// rwsem entry points.
	{fn: "down_read", class: lockCall, lock: "rwsem", mode: ModeRead, kernels: "all"},
	{fn: "down_read_killable", class: lockCall, lock: "rwsem", mode: ModeRead, killable: true, kernels: "4.15+"},
	{fn: "down_read_interruptible", class: lockCall, lock: "rwsem", mode: ModeRead, kernels: "5.10+"},
	{fn: "down_read_nested", class: lockCall, lock: "rwsem", mode: ModeRead, kernels: "all (lockdep)"},
	{fn: "__down_read", class: lockCall, lock: "rwsem", mode: ModeRead, kernels: "all"},
	{fn: "__down_read_common", class: lockCall, lock: "rwsem", mode: ModeRead, kernels: "5.3+"},
	{fn: "__down_read_killable", class: lockCall, lock: "rwsem", mode: ModeRead, killable: true, kernels: "4.15+"},
	{fn: "down_write", class: lockCall, lock: "rwsem", mode: ModeWrite, kernels: "all"},
	{fn: "down_write_killable", class: lockCall, lock: "rwsem", mode: ModeWrite, killable: true, kernels: "4.7+"},
	{fn: "down_write_nested", class: lockCall, lock: "rwsem", mode: ModeWrite, kernels: "all (lockdep)"},
	{fn: "down_write_killable_nested", class: lockCall, lock: "rwsem", mode: ModeWrite, killable: true, kernels: "4.15+ (lockdep)"},
	{fn: "__down_write", class: lockCall, lock: "rwsem", mode: ModeWrite, kernels: "all"},
	{fn: "__down_write_common", class: lockCall, lock: "rwsem", mode: ModeWrite, kernels: "5.3+"},
	{fn: "__down_write_killable", class: lockCall, lock: "rwsem", mode: ModeWrite, killable: true, kernels: "4.7+"},

	// mutex, kernel/locking/mutex.c: __mutex_lock_common is the wait loop
	// (often inlined); __mutex_lock wraps it since 4.10, and is
	// __mutex_lock.constprop.0 on many builds.
	{fn: "__mutex_lock_common", class: slowPath, lock: "mutex", mode: ModeWrite, kernels: "all"},
	{fn: "__mutex_lock", class: slowPath, lock: "mutex", mode: ModeWrite, kernels: "4.10+"},
	{fn: "__mutex_lock_slowpath", class: slowPath, lock: "mutex", mode: ModeWrite, kernels: "all"},
	{fn: "__mutex_lock_killable_slowpath", class: slowPath, lock: "mutex", mode: ModeWrite, killable: true, kernels: "all"},
	{fn: "__mutex_lock_interruptible_slowpath", class: slowPath, lock: "mutex", mode: ModeWrite, kernels: "all"},
	{fn: "mutex_lock", class: lockCall, lock: "mutex", mode: ModeWrite, kernels: "all"},
	{fn: "mutex_lock_nested", class: lockCall, lock: "mutex", mode: ModeWrite, kernels: "all (lockdep)"},
	{fn: "mutex_lock_killable", class: lockCall, lock: "mutex", mode: ModeWrite, killable: true, kernels: "all"},
	{fn: "mutex_lock_killable_nested", class: lockCall, lock: "mutex", mode: ModeWrite, killable: true, kernels: "all (lockdep)"},
	{fn: "mutex_lock_interruptible", class: lockCall, lock: "mutex", mode: ModeWrite, kernels: "all"},

	// Counting semaphores, kernel/locking/semaphore.c.
	{fn: "__down", class: slowPath, lock: "semaphore", mode: ModeWrite, kernels: "all"},
	{fn: "__down_common", class: slowPath, lock: "semaphore", mode: ModeWrite, kernels: "all"},
	{fn: "__down_killable", class: slowPath, lock: "semaphore", mode: ModeWrite, killable: true, kernels: "all"},
	{fn: "__down_interruptible", class: slowPath, lock: "semaphore", mode: ModeWrite, kernels: "all"},
	{fn: "__down_timeout", class: slowPath, lock: "semaphore", mode: ModeWrite, kernels: "all"},
	{fn: "down", class: lockCall, lock: "semaphore", mode: ModeWrite, kernels: "all"},
	{fn: "down_killable", class: lockCall, lock: "semaphore", mode: ModeWrite, killable: true, kernels: "all"},
	{fn: "down_interruptible", class: lockCall, lock: "semaphore", mode: ModeWrite, kernels: "all"},
	{fn: "down_timeout", class: lockCall, lock: "semaphore", mode: ModeWrite, kernels: "all"},

	// Per-CPU rwsem, kernel/locking/percpu-rwsem.c (sb_start_write and
	// friends, cgroup_threadgroup_rwsem).
	{fn: "percpu_rwsem_wait", class: slowPath, lock: "percpu-rwsem", kernels: "5.8+"},
	{fn: "__percpu_down_read", class: lockCall, lock: "percpu-rwsem", mode: ModeRead, kernels: "4.2+"},
	{fn: "percpu_down_read", class: lockCall, lock: "percpu-rwsem", mode: ModeRead, kernels: "4.2+"},
	{fn: "percpu_down_write", class: lockCall, lock: "percpu-rwsem", mode: ModeWrite, kernels: "4.2+"},

	// rt_mutex (PI futexes, PREEMPT_RT sleeping spinlocks and rwsems).
	{fn: "rt_mutex_slowlock", class: slowPath, lock: "rt_mutex", mode: ModeWrite, kernels: "all"},
	{fn: "rt_mutex_slowlock_block", class: slowPath, lock: "rt_mutex", mode: ModeWrite, kernels: "5.15+"},
	{fn: "__rt_mutex_slowlock", class: slowPath, lock: "rt_mutex", mode: ModeWrite, kernels: "all"},

	// Sleeps that are not locks.
	// net/sunrpc/sched.c: an RPC task waiting for the server's reply.
	{fn: "rpc_wait_bit_killable", class: blockPoint, killable: true, kernels: "all"},
	{fn: "__rpc_execute", class: blockPoint, kernels: "all"},
	{fn: "rpc_execute", class: blockPoint, kernels: "all"},
	// fs/nfs: waiting on an NFS page request or inode flag.
	{fn: "nfs_wait_bit_killable", class: blockPoint, killable: true, kernels: "all"},
	{fn: "nfs_wait_on_request", class: blockPoint, kernels: "all"},
	// fs/fuse/dev.c: a request waiting for the FUSE daemon's answer.
	{fn: "request_wait_answer", class: blockPoint, kernels: "all"},
	{fn: "__fuse_request_send", class: blockPoint, kernels: "4.0+"},
	{fn: "fuse_request_send", class: blockPoint, kernels: "all"},
	{fn: "fuse_simple_request", class: blockPoint, kernels: "4.7+"},
	{fn: "__fuse_simple_request", class: blockPoint, kernels: "6.4+"},
	// Block I/O and the page cache.
	{fn: "io_schedule", class: blockPoint, kernels: "all"},
	{fn: "io_schedule_timeout", class: blockPoint, kernels: "all"},
	{fn: "bit_wait_io", class: blockPoint, kernels: "3.17+"},
	{fn: "wait_on_page_bit", class: blockPoint, kernels: "up to 5.15"},
	{fn: "wait_on_page_bit_common", class: blockPoint, kernels: "4.10-5.15"},
	{fn: "__lock_page", class: blockPoint, kernels: "up to 5.15"},
	{fn: "__lock_page_killable", class: blockPoint, killable: true, kernels: "up to 5.15"},
	{fn: "folio_wait_bit_common", class: blockPoint, kernels: "5.16+"},
	{fn: "__folio_lock", class: blockPoint, kernels: "5.16+"},
	{fn: "__folio_lock_killable", class: blockPoint, killable: true, kernels: "5.16+"},
	{fn: "__wait_on_buffer", class: blockPoint, kernels: "all"},
	{fn: "blk_mq_get_tag", class: blockPoint, kernels: "3.13+"},
	{fn: "rq_qos_wait", class: blockPoint, kernels: "5.0+"},
	{fn: "balance_dirty_pages", class: blockPoint, kernels: "all"},
	{fn: "inode_dio_wait", class: blockPoint, kernels: "all"},
	// Journals.
	{fn: "jbd2_log_wait_commit", class: blockPoint, kernels: "all"},
	{fn: "wait_transaction_locked", class: blockPoint, kernels: "all"},
	{fn: "start_this_handle", class: blockPoint, kernels: "all"},
	{fn: "xfs_log_force", class: blockPoint, kernels: "all"},
	// Generic completions and writeback.
	{fn: "wait_for_completion", class: blockPoint, kernels: "all"},
	{fn: "wb_wait_for_completion", class: blockPoint, kernels: "4.2+"},
}

// lockSite is a function that takes a lock itself (inline helpers such as
// inode_lock are folded into it): a task whose stack passes it either
// holds that lock, or waits for it when the frames above are the lock's.
type lockSite struct {
	fn string
	// object names what is locked, and is how tasks at different sites are
	// put on one lock: every "dir i_rwsem" site locks a directory inode.
	object string
	// mode is the mode the site always uses; ModeUnknown when it takes either
	// (iterate_dir: exclusive for ->iterate, shared for ->iterate_shared),
	// in which case the wait function decides.
	mode Mode
	// waitOnly marks a function that takes the lock only through an
	// inlined helper and does much else: lock frames directly on it prove
	// a wait, but a deeper sleep does not prove it holds the lock.
	waitOnly bool
	// killable: the site always waits killable (iterate_dir uses
	// mutex_lock_killable, later down_{read,write}_killable).
	killable bool
	// modeByObject: the mode depends only on the object (iterate_dir
	// chooses by the directory's file operations), so every task at this
	// site on one proven object takes it the same way.
	modeByObject bool
	kernels      string
	note         string
}

const dirLock = "dir i_rwsem"

// lockSites is the table of call sites, verified against torvalds/linux
// fs/readdir.c, fs/namei.c and fs/open.c across 3.10 to 6.18. Before 4.7
// the directory lock was the i_mutex (a mutex, always exclusive); from 4.7
// it is the i_rwsem and lookups take it shared.
var lockSites = []lockSite{
	// fs/readdir.c: getdents/getdents64.
	{fn: "iterate_dir", object: dirLock, killable: true, modeByObject: true, kernels: "3.11+", note: "exclusive for ->iterate (NFS before 6.5's iterate_shared switch), shared for ->iterate_shared"},
	{fn: "vfs_readdir", object: dirLock, mode: ModeWrite, kernels: "up to 3.10", note: "i_mutex"},
	// fs/namei.c: pathname lookup that misses the dcache.
	{fn: "lookup_slow", object: dirLock, kernels: "all", note: "shared since 4.7, i_mutex before"},
	// walk_component's only locking is the inlined lookup_slow (6.x
	// builds); it also calls much that takes no lock, so it proves a wait
	// only with lock frames directly on it, never a hold.
	{fn: "walk_component", object: dirLock, mode: ModeRead, waitOnly: true, kernels: "6.x (lookup_slow inlined)"},
	// fs/namei.c: open(2) of the last component; exclusive with O_CREAT.
	{fn: "do_last", object: dirLock, kernels: "up to 5.7"},
	{fn: "open_last_lookups", object: dirLock, kernels: "5.8+"},
	{fn: "path_openat", object: dirLock, waitOnly: true, kernels: "5.8+ (open_last_lookups inlined)"},
	// fs/namei.c: directory modifications, always exclusive.
	{fn: "filename_create", object: dirLock, mode: ModeWrite, kernels: "all"},
	{fn: "do_unlinkat", object: dirLock, mode: ModeWrite, kernels: "all"},
	{fn: "do_rmdir", object: dirLock, mode: ModeWrite, kernels: "all"},
	{fn: "lock_rename", object: dirLock, mode: ModeWrite, kernels: "all"},
	{fn: "lock_rename_child", object: dirLock, mode: ModeWrite, kernels: "6.5+"},
	{fn: "lock_two_directories", object: dirLock, mode: ModeWrite, kernels: "6.5+"},
	// vfs_rename locks the renamed inodes themselves (its caller already
	// holds the directories through lock_rename).
	{fn: "vfs_rename", object: "renamed inode i_rwsem", mode: ModeWrite, kernels: "all"},
	// fs/open.c and fs/attr.c: inode changes take the file's own i_rwsem.
	{fn: "do_truncate", object: "file i_rwsem", mode: ModeWrite, kernels: "all"},
	{fn: "chmod_common", object: "file i_rwsem", mode: ModeWrite, kernels: "all"},
	{fn: "chown_common", object: "file i_rwsem", mode: ModeWrite, kernels: "all"},
	{fn: "generic_file_write_iter", object: "file i_rwsem", mode: ModeWrite, kernels: "3.16+"},
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
	waitIndex = indexBy(waitPoints, func(w waitPoint) string { return w.fn })
	siteIndex = indexBy(lockSites, func(s lockSite) string { return s.fn })
)

// indexBy builds read-only lookup maps once; the tables stay the source.
func indexBy[T any](xs []T, key func(T) string) map[string]int {
	m := make(map[string]int, len(xs))
	for i, x := range xs {
		m[key(x)] = i
	}
	return m
}

func lookupWait(fn string) (waitPoint, bool) {
	i, ok := waitIndex[fn]
	if !ok {
		return waitPoint{}, false
	}
	return waitPoints[i], true
}

func lookupSite(fn string) (lockSite, bool) {
	i, ok := siteIndex[fn]
	if !ok {
		return lockSite{}, false
	}
	return lockSites[i], true
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
