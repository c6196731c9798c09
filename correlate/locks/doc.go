// Package locks infers, from kernel stacks and the kernel's own words,
// which task holds the lock that hung tasks wait for, which tasks wait for
// it and in which mode, and how sure that is.
//
// Its input is one Task per observation of a task's stack (a hung-task
// report, a /proc/PID/stack sample, a crash bt) and one Blocker per 6.15+
// blocker line. For the seed incident's crash session:
//
//	PID: 3748012  ... rpc_wait_bit_killable ← __rpc_execute ← ... ← nfs_readdir ← iterate_dir
//	PID: 3632440  ... rwsem_down_write_failed_killable ← ... ← down_write_killable ← iterate_dir
//	PID: 3621271  ... rwsem_down_read_failed ← ... ← down_read ← lookup_slow
//
// Infer says: 3748012 holds the directory's i_rwsem (taken in iterate_dir)
// for write and sleeps deeper, in an NFS RPC; 3632440 waits to write-lock
// it; 3621271 waits to read-lock it. What each function means comes from
// the tables of package kernel.
package locks
