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
	// Generic frames are wait primitives that locks and other waits share
	// (completions, bit and page waits): what the task waits for is said
	// by the first frame under them, a lock's entry point or anything else.
	Generic
	// Running frames print the stack of the task that runs them
	// (dump_stack from lockdep, a WARN, an NMI backtrace): a stack with
	// one on top is a running task's, and says nothing of a sleep.
	Running
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
	// kernel/sched/core.c: schedule() for rt_mutex waiters (PREEMPT_RT
	// and PI futexes), 6.1+.
	{Fn: "rt_mutex_schedule", Class: Sched, Kernels: "6.1+"},
	{Fn: "rt_mutex_pre_schedule", Class: Sched, Kernels: "6.1+"},

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
	{Fn: "wb_wait_for_completion", Class: BlockPoint, Kernels: "4.2+"},

	// Wait primitives shared by locks and other waits, kernel/sched/
	// completion.c, kernel/sched/wait_bit.c, mm/filemap.c, fs/buffer.c,
	// kernel/rcu: the frame under them says what is awaited.
	// lib/dump_stack.c, kernel/panic.c, lib/nmi_backtrace.c.
	{Fn: "dump_stack", Class: Running, Kernels: "all"},
	{Fn: "dump_stack_lvl", Class: Running, Kernels: "5.13+"},
	{Fn: "__dump_stack", Class: Running, Kernels: "4.9+"},
	{Fn: "__warn", Class: Running, Kernels: "4.10+"},
	{Fn: "warn_slowpath_common", Class: Running, Kernels: "2.6.28-4.10"},
	{Fn: "nmi_cpu_backtrace", Class: Running, Kernels: "4.1+"},
	{Fn: "wait_for_completion", Class: Generic, Kernels: "all"},
	{Fn: "wait_for_completion_timeout", Class: Generic, Kernels: "all"},
	{Fn: "wait_for_completion_killable", Class: Generic, Killable: true, Kernels: "all"},
	{Fn: "wait_for_completion_interruptible", Class: Generic, Kernels: "all"},
	{Fn: "wait_for_completion_io", Class: Generic, Kernels: "all"},
	{Fn: "wait_for_completion_io_timeout", Class: Generic, Kernels: "all"},
	{Fn: "wait_for_completion_state", Class: Generic, Kernels: "6.1+"},
	{Fn: "wait_for_common", Class: Generic, Kernels: "all"},
	{Fn: "wait_for_common_io", Class: Generic, Kernels: "all"},
	{Fn: "__wait_for_common", Class: Generic, Kernels: "all"},
	{Fn: "do_wait_for_common", Class: Generic, Kernels: "all"},
	{Fn: "__wait_on_bit_lock", Class: Generic, Kernels: "all"},
	{Fn: "out_of_line_wait_on_bit_lock", Class: Generic, Kernels: "all"},
	{Fn: "bit_wait_io", Class: Generic, Kernels: "3.17+"},
	{Fn: "sleep_on_page", Class: Generic, Kernels: "up to 3.16"},
	{Fn: "sleep_on_page_killable", Class: Generic, Killable: true, Kernels: "up to 3.16"},
	{Fn: "sleep_on_buffer", Class: Generic, Kernels: "up to 3.16"},
	{Fn: "wait_on_page_bit", Class: Generic, Kernels: "up to 5.15"},
	{Fn: "wait_on_page_bit_killable", Class: Generic, Killable: true, Kernels: "up to 5.15"},
	{Fn: "wait_on_page_bit_common", Class: Generic, Kernels: "4.10-5.15"},
	{Fn: "folio_wait_bit_common", Class: Generic, Kernels: "5.16+"},
	{Fn: "__wait_rcu_gp", Class: Generic, Kernels: "3.13+"},
	{Fn: "synchronize_rcu", Class: Generic, Kernels: "all"},
	{Fn: "synchronize_rcu_expedited", Class: Generic, Kernels: "all"},
	{Fn: "synchronize_sched", Class: Generic, Kernels: "up to 4.20"},
	{Fn: "rcuwait_wait_event", Class: Generic, Kernels: "5.x"},

	// Page, folio and buffer locks (mm/filemap.c, fs/buffer.c): the lock
	// is a bit of the page or buffer, taken through the generic waits.
	{Fn: "__lock_page", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Kernels: "up to 5.15"},
	{Fn: "__lock_page_killable", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Killable: true, Kernels: "up to 5.15"},
	{Fn: "__lock_page_or_retry", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Kernels: "up to 5.15"},
	{Fn: "lock_page", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Kernels: "all"},
	{Fn: "lock_page_killable", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Killable: true, Kernels: "all"},
	{Fn: "__folio_lock", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Kernels: "5.16+"},
	{Fn: "__folio_lock_killable", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Killable: true, Kernels: "5.16+"},
	{Fn: "__folio_lock_or_retry", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Kernels: "5.16+"},
	{Fn: "folio_lock", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Kernels: "5.16+"},
	{Fn: "folio_lock_killable", Class: LockCall, Lock: "page lock", Mode: ModeWrite, Killable: true, Kernels: "5.16+"},
	{Fn: "__lock_buffer", Class: LockCall, Lock: "buffer lock", Mode: ModeWrite, Kernels: "all"},
	{Fn: "lock_buffer", Class: LockCall, Lock: "buffer lock", Mode: ModeWrite, Kernels: "all"},

	// tty line-discipline semaphore, drivers/tty/tty_ldsem.c (3.12+): its
	// wait loops are the static down_read_failed and down_write_failed.
	{Fn: "down_read_failed", Class: SlowPath, Lock: "ldsem", Mode: ModeRead, Kernels: "3.12+ (tty_ldsem.c)"},
	{Fn: "down_write_failed", Class: SlowPath, Lock: "ldsem", Mode: ModeWrite, Kernels: "3.12+ (tty_ldsem.c)"},
	{Fn: "ldsem_down_read", Class: LockCall, Lock: "ldsem", Mode: ModeRead, Kernels: "3.12+"},
	{Fn: "ldsem_down_write", Class: LockCall, Lock: "ldsem", Mode: ModeWrite, Kernels: "3.12+"},

	// rt_mutex entry points, kernel/locking/rtmutex_api.c (rtmutex.c before 5.15).
	{Fn: "rt_mutex_lock", Class: LockCall, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "rt_mutex_lock_nested", Class: LockCall, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "4.19+ (lockdep)"},
	{Fn: "__rt_mutex_lock", Class: LockCall, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "4.19+"},
	{Fn: "__rt_mutex_lock_common", Class: LockCall, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "5.15+"},
	{Fn: "rt_mutex_lock_interruptible", Class: LockCall, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "rt_mutex_lock_killable", Class: LockCall, Lock: "rt_mutex", Mode: ModeWrite, Killable: true, Kernels: "5.x+"},
	{Fn: "rt_mutex_timed_lock", Class: LockCall, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "up to 5.14"},
	{Fn: "__rt_mutex_slowlock_locked", Class: SlowPath, Lock: "rt_mutex", Mode: ModeWrite, Kernels: "5.15+"},

	// rwsem of 2.6.x (lib/rwsem.c): one wait loop for both modes, the
	// caller (rwsem_down_read_failed, rwsem_down_write_failed) says which.
	{Fn: "rwsem_down_failed_common", Class: SlowPath, Lock: "rwsem", Kernels: "2.6-3.x"},

	// Per-CPU rwsem writers wait for readers to drain and for an RCU grace
	// period inside percpu_down_write.
	{Fn: "rcu_sync_enter", Class: SlowPath, Lock: "percpu-rwsem", Mode: ModeWrite, Kernels: "4.4+"},
	{Fn: "__percpu_rwsem_trylock", Class: SlowPath, Lock: "percpu-rwsem", Kernels: "5.8+"},
	{Fn: "percpu_down_write_killable", Class: LockCall, Lock: "percpu-rwsem", Mode: ModeWrite, Killable: true, Kernels: "6.x"},

	// mutex variants.
	{Fn: "mutex_lock_io", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Kernels: "4.11+"},
	{Fn: "mutex_lock_interruptible_nested", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Kernels: "all (lockdep)"},
	{Fn: "mutex_lock_io_nested", Class: LockCall, Lock: "mutex", Mode: ModeWrite, Kernels: "4.11+ (lockdep)"},
	{Fn: "down_read_killable_nested", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Killable: true, Kernels: "5.x (lockdep)"},
	{Fn: "down_write_nested_killable", Class: LockCall, Lock: "rwsem", Mode: ModeWrite, Killable: true, Kernels: "(lockdep)"},
	{Fn: "down_read_non_owner", Class: LockCall, Lock: "rwsem", Mode: ModeRead, Kernels: "all"},

	// btrfs tree locks: the extent buffer's own rwsem since 5.11
	// (fs/btrfs/locking.c btrfs_tree_lock -> down_write_nested); a custom
	// blocking rwlock that waits in these functions themselves before.
	{Fn: "btrfs_tree_lock", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeWrite, Kernels: "all"},
	{Fn: "__btrfs_tree_lock", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeWrite, Kernels: "5.11+"},
	{Fn: "btrfs_tree_lock_nested", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeWrite, Kernels: "5.x"},
	{Fn: "btrfs_tree_read_lock", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeRead, Kernels: "all"},
	{Fn: "__btrfs_tree_read_lock", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeRead, Kernels: "5.11+"},
	{Fn: "btrfs_tree_read_lock_nested", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeRead, Kernels: "5.x"},
	{Fn: "btrfs_tree_read_lock_atomic", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeRead, Kernels: "up to 5.x"},
	{Fn: "btrfs_lock_root_node", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeWrite, Kernels: "all"},
	{Fn: "btrfs_read_lock_root_node", Class: LockCall, Lock: "btrfs tree lock", Mode: ModeRead, Kernels: "all"},
}

// NamedLock is a function that takes one particular lock: a global one
// (rtnl_lock takes rtnl_mutex) or the lock of the object it is given
// (xfs_ilock takes that inode's lock). Under a lock's slow path it names
// the lock; a global lock is one lock wherever it is taken.
type NamedLock struct {
	Fn   string
	Name string
	// Global: one lock in the system, so every waiter through this
	// function waits for the same lock, whoever calls it.
	Global  bool
	Kernels string
}

// namedLocks, from net/core/rtnetlink.c, kernel/cgroup/cgroup.c,
// kernel/printk/printk.c, kernel/power/main.c, kernel/cpu.c,
// mm/memory_hotplug.c, include/linux/mmap_lock.h, fs/super.c,
// fs/xfs/xfs_inode.c, drivers/i2c/i2c-core-base.c, drivers/base/core.c.
var namedLocks = []NamedLock{
	{Fn: "rtnl_lock", Name: "rtnl_mutex", Global: true, Kernels: "all"},
	{Fn: "rtnl_lock_killable", Name: "rtnl_mutex", Global: true, Kernels: "5.x+"},
	{Fn: "__rtnl_lock", Name: "rtnl_mutex", Global: true, Kernels: "all"},
	{Fn: "cgroup_lock", Name: "cgroup_mutex", Global: true, Kernels: "6.x"},
	{Fn: "cgroup_kn_lock_live", Name: "cgroup_mutex", Global: true, Kernels: "4.x+"},
	{Fn: "console_lock", Name: "console_sem", Global: true, Kernels: "all"},
	{Fn: "lock_system_sleep", Name: "system_transition_mutex", Global: true, Kernels: "4.19+"},
	{Fn: "cpus_read_lock", Name: "cpu_hotplug_lock", Global: true, Kernels: "4.13+"},
	{Fn: "cpus_write_lock", Name: "cpu_hotplug_lock", Global: true, Kernels: "4.13+"},
	{Fn: "get_online_cpus", Name: "cpu_hotplug_lock", Global: true, Kernels: "up to 5.x"},
	{Fn: "mem_hotplug_begin", Name: "mem_hotplug_lock", Global: true, Kernels: "4.13+"},
	{Fn: "mmap_read_lock", Name: "mmap_lock", Kernels: "5.8+"},
	{Fn: "mmap_read_lock_killable", Name: "mmap_lock", Kernels: "5.8+"},
	{Fn: "mmap_write_lock", Name: "mmap_lock", Kernels: "5.8+"},
	{Fn: "mmap_write_lock_killable", Name: "mmap_lock", Kernels: "5.8+"},
	{Fn: "lock_mm_and_find_vma", Name: "mmap_lock", Kernels: "6.4+"},
	{Fn: "__sb_start_write", Name: "sb freeze lock", Kernels: "up to 6.x"},
	{Fn: "sb_start_write", Name: "sb freeze lock", Kernels: "all"},
	{Fn: "sb_start_pagefault", Name: "sb freeze lock", Kernels: "all"},
	{Fn: "sb_start_intwrite", Name: "sb freeze lock", Kernels: "all"},
	{Fn: "xfs_ilock", Name: "xfs inode lock", Kernels: "all"},
	{Fn: "i2c_adapter_lock_bus", Name: "i2c bus_lock", Kernels: "4.8+"},
	{Fn: "device_lock", Name: "device mutex", Kernels: "all"},
	{Fn: "tty_lock", Name: "tty legacy_mutex", Kernels: "3.7+"},
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
	// Held lists the callees the site runs with the lock held: a task
	// whose stack passes the site into one of them, and sleeps there
	// outside any lock's slow path, holds the lock. Entries are function
	// names, or patterns with a leading or trailing '*' ("*_lookup",
	// "*readdir*"); "*" alone is every callee. A callee the list does not
	// name proves nothing: it may run before the site takes the lock or
	// after it released it.
	Held []string
	// Released lists callees known to run outside the lock (before it is
	// taken or after it is released), to say why a task there is no
	// holder.
	Released []string
	Kernels  string
	Note     string
}

// DirLock is the object every directory-lock site locks.
const DirLock = "dir i_rwsem"

// lockSites is the table of call sites, verified against torvalds/linux
// fs/readdir.c, fs/namei.c, fs/open.c and fs/attr.c across 2.6.32 to 6.18.
// Before 4.7 the directory lock was the i_mutex (a mutex, always
// exclusive); from 4.7 it is the i_rwsem and lookups take it shared.
var lockSites = []LockSite{
	// fs/readdir.c iterate_dir: security_file_permission, then the lock,
	// then the file system's ->iterate(_shared), fsnotify_access and
	// file_accessed, then the unlock.
	{Fn: "iterate_dir", Object: DirLock, Killable: true, ModeByObject: true, Kernels: "3.11+",
		Held:     []string{"*readdir*", "*_iterate", "*_iterate_shared", "fsnotify*", "file_accessed", "touch_atime"},
		Released: []string{"security_file_permission", "rw_verify_area"},
		Note:     "exclusive for ->iterate (NFS before 6.5's iterate_shared switch), shared for ->iterate_shared"},
	{Fn: "vfs_readdir", Object: DirLock, Mode: ModeWrite, Kernels: "up to 3.10",
		Held: []string{"*readdir*", "fsnotify*", "file_accessed", "touch_atime"}, Note: "i_mutex"},
	// fs/namei.c lookup_slow: the lock, __lookup_slow (d_alloc_parallel,
	// ->lookup), the unlock: everything it calls runs under the lock.
	{Fn: "lookup_slow", Object: DirLock, Kernels: "all", Held: []string{"*"}, Note: "shared since 4.7, i_mutex before"},
	// 2.6.x and 3.x: real_lookup and do_lookup take i_mutex around ->lookup.
	{Fn: "real_lookup", Object: DirLock, Mode: ModeWrite, Kernels: "up to 2.6.38", Held: []string{"*"}},
	{Fn: "do_lookup", Object: DirLock, Mode: ModeWrite, WaitOnly: true, Kernels: "2.6.39-3.x", Held: []string{"d_alloc_and_lookup", "*_lookup"}},
	// walk_component's only locking is the inlined lookup_slow (6.x
	// builds); it also calls much that takes no lock, so it proves a wait
	// only with lock frames directly on it, and a hold only through the
	// callees lookup_slow makes.
	{Fn: "walk_component", Object: DirLock, Mode: ModeRead, WaitOnly: true, Kernels: "6.x (lookup_slow inlined)",
		Held: []string{"__lookup_slow", "d_alloc_parallel", "*_lookup"}},
	// fs/namei.c open(2) of the last component: mnt_want_write first, then
	// the lock (exclusive with O_CREAT) around lookup_open, then the
	// unlock, and only then vfs_open/finish_open of the file.
	{Fn: "do_last", Object: DirLock, Kernels: "up to 5.7",
		Held:     []string{"lookup_open", "atomic_open", "*_atomic_open", "d_alloc_parallel", "vfs_create", "*_create", "*_lookup", "lookup_dcache", "__lookup_hash"},
		Released: []string{"vfs_open", "finish_open", "do_dentry_open", "may_open", "handle_truncate", "complete_walk", "lookup_fast", "mnt_want_write", "__mnt_want_write", "sb_start_write", "__sb_start_write", "terminate_walk"}},
	{Fn: "open_last_lookups", Object: DirLock, Kernels: "5.8+",
		Held:     []string{"lookup_open", "atomic_open", "*_atomic_open", "d_alloc_parallel", "vfs_create", "*_create", "*_lookup"},
		Released: []string{"mnt_want_write", "__mnt_want_write", "sb_start_write", "__sb_start_write", "lookup_fast", "complete_walk"}},
	{Fn: "path_openat", Object: DirLock, WaitOnly: true, Kernels: "5.8+ (open_last_lookups inlined)",
		Held:     []string{"lookup_open", "atomic_open", "*_atomic_open", "vfs_create", "*_create", "*_lookup", "d_alloc_parallel"},
		Released: []string{"do_open", "vfs_open", "do_dentry_open", "link_path_walk", "path_init", "do_tmpfile", "do_o_path"}},
	// fs/namei.c filename_create: mnt_want_write, then the parent's lock,
	// then the lookup of the new name; it returns with the lock held, and
	// its callers (do_mkdirat, do_mknodat, do_symlinkat, do_linkat) make
	// the entry and unlock in done_path_create.
	{Fn: "filename_create", Object: DirLock, Mode: ModeWrite, Kernels: "all",
		Held:     []string{"__lookup_hash", "lookup_one_qstr_excl", "lookup_dcache", "d_alloc*", "*_lookup"},
		Released: []string{"mnt_want_write", "__mnt_want_write", "sb_start_write", "__sb_start_write", "filename_parentat", "path_parentat"}},
	{Fn: "do_mkdirat", Object: DirLock, Mode: ModeWrite, Kernels: "4.16+", Held: []string{"vfs_mkdir", "*_mkdir", "security_path_mkdir"}},
	{Fn: "do_mknodat", Object: DirLock, Mode: ModeWrite, Kernels: "4.16+", Held: []string{"vfs_create", "vfs_mknod", "*_create", "*_mknod", "security_path_mknod"}},
	{Fn: "do_symlinkat", Object: DirLock, Mode: ModeWrite, Kernels: "4.16+", Held: []string{"vfs_symlink", "*_symlink", "security_path_symlink"}},
	{Fn: "do_linkat", Object: DirLock, Mode: ModeWrite, Kernels: "4.16+", Held: []string{"vfs_link", "*_link", "security_path_link"}},
	{Fn: "sys_mkdirat", Object: DirLock, Mode: ModeWrite, Kernels: "up to 4.15", Held: []string{"vfs_mkdir", "*_mkdir"}},
	{Fn: "SyS_mkdirat", Object: DirLock, Mode: ModeWrite, Kernels: "up to 4.15", Held: []string{"vfs_mkdir", "*_mkdir"}},
	{Fn: "SYSC_mkdirat", Object: DirLock, Mode: ModeWrite, Kernels: "up to 4.15", Held: []string{"vfs_mkdir", "*_mkdir"}},
	// fs/namei.c do_unlinkat: the parent's lock around the lookup,
	// vfs_unlink and dput; the final iput of the unlinked inode (which
	// truncates and evicts it) runs after the unlock.
	{Fn: "do_unlinkat", Object: DirLock, Mode: ModeWrite, Kernels: "all",
		Held:     []string{"__lookup_hash", "lookup_one_qstr_excl", "lookup_dcache", "d_alloc*", "*_lookup", "vfs_unlink", "*_unlink", "security_path_unlink", "dput", "d_delete", "try_break_deleg"},
		Released: []string{"iput", "evict", "destroy_inode", "*_evict_inode", "truncate_inode_pages*", "break_deleg_wait", "mnt_want_write", "mnt_drop_write", "filename_parentat", "path_parentat"}},
	{Fn: "do_rmdir", Object: DirLock, Mode: ModeWrite, Kernels: "all",
		Held:     []string{"__lookup_hash", "lookup_one_qstr_excl", "lookup_dcache", "d_alloc*", "*_lookup", "vfs_rmdir", "*_rmdir", "security_path_rmdir", "dput"},
		Released: []string{"mnt_want_write", "mnt_drop_write", "filename_parentat", "path_parentat"}},
	// fs/namei.c renames: lock_rename takes the directories and returns
	// with them held; do_renameat2 looks up, renames and unlocks.
	{Fn: "lock_rename", Object: DirLock, Mode: ModeWrite, Kernels: "all"},
	{Fn: "lock_rename_child", Object: DirLock, Mode: ModeWrite, Kernels: "6.5+"},
	{Fn: "lock_two_directories", Object: DirLock, Mode: ModeWrite, Kernels: "6.5+"},
	{Fn: "do_renameat2", Object: DirLock, Mode: ModeWrite, Kernels: "5.x+",
		Held: []string{"__lookup_hash", "lookup_one_qstr_excl", "lookup_dcache", "d_alloc*", "*_lookup", "vfs_rename", "*_rename", "security_path_rename", "dput"}},
	{Fn: "SYSC_renameat2", Object: DirLock, Mode: ModeWrite, Kernels: "3.15-4.x",
		Held: []string{"__lookup_hash", "lookup_dcache", "d_alloc*", "*_lookup", "vfs_rename", "*_rename", "dput"}},
	// vfs_rename locks the renamed inodes themselves (its caller already
	// holds the directories through lock_rename) around ->rename.
	{Fn: "vfs_rename", Object: "renamed inode i_rwsem", Mode: ModeWrite, Kernels: "all", Held: []string{"*_rename", "d_move", "d_exchange"}},
	// fs/open.c and fs/attr.c: inode changes take the file's own i_rwsem
	// around notify_change (->setattr).
	{Fn: "do_truncate", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "all", Held: []string{"notify_change", "*_setattr"}},
	{Fn: "chmod_common", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "all", Held: []string{"notify_change", "*_setattr", "security_path_chmod"}},
	{Fn: "chown_common", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "all", Held: []string{"notify_change", "*_setattr", "security_path_chown"}},
	// fs/pipe.c and fs/splice.c: a pipe's mutex (pipe_lock, __pipe_lock,
	// inlined). pipe_release takes it first thing and sleeps for nothing
	// else, so a stack that begins there waits for it; pipe_read and
	// pipe_write also sleep for data and room after unlocking, so they
	// are no sites. splice_file_to_pipe holds it around the wait for room
	// and the file's ->splice_read (5.11+).
	{Fn: "pipe_release", Object: "pipe mutex", Mode: ModeWrite, Kernels: "all"},
	{Fn: "splice_file_to_pipe", Object: "pipe mutex", Mode: ModeWrite, Kernels: "5.11+",
		Held: []string{"wait_for_space", "do_splice_read", "vfs_splice_read", "*_splice_read", "splice_read"}},
	{Fn: "iter_file_splice_write", Object: "pipe mutex", Mode: ModeWrite, Kernels: "4.9+",
		Held: []string{"splice_from_pipe_next", "splice_from_pipe_feed", "vfs_iter_write", "*_write_iter"}},
	// mm/filemap.c generic_file_write_iter: the lock around the checks
	// and the write; generic_write_sync runs after the unlock.
	{Fn: "generic_file_write_iter", Object: "file i_rwsem", Mode: ModeWrite, Kernels: "3.16+",
		Held:     []string{"generic_write_checks", "__generic_file_write_iter", "generic_perform_write", "file_remove_privs", "file_update_time", "generic_file_direct_write"},
		Released: []string{"generic_write_sync", "vfs_fsync_range"}},
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
	namedIndex  = indexBy(namedLocks, func(n NamedLock) string { return n.Fn })
)

// Named looks up a function that takes one particular lock.
func Named(fn string) (NamedLock, bool) {
	i, ok := namedIndex[fn]
	if !ok {
		return NamedLock{}, false
	}
	return namedLocks[i], true
}

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

// Holds reports whether a task whose stack passes the site into callee
// holds the site's lock there (see LockSite.Held).
func (s LockSite) Holds(callee string) bool { return matchAny(s.Held, callee) }

// Releases reports whether callee is known to run outside the site's lock.
func (s LockSite) Releases(callee string) bool { return matchAny(s.Released, callee) }

// matchAny matches fn against names and '*' patterns.
func matchAny(patterns []string, fn string) bool {
	for _, p := range patterns {
		switch {
		case p == "*":
			return true
		case len(p) > 2 && p[0] == '*' && p[len(p)-1] == '*':
			if strings.Contains(fn, p[1:len(p)-1]) {
				return true
			}
		case p[0] == '*':
			if strings.HasSuffix(fn, p[1:]) {
				return true
			}
		case p[len(p)-1] == '*':
			if strings.HasPrefix(fn, p[:len(p)-1]) {
				return true
			}
		case p == fn:
			return true
		}
	}
	return false
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
