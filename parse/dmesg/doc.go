// Package dmesg reads kernel logs, streaming, and extracts the records that
// say why tasks are stuck: hung-task reports, the 6.15+ blocker lines that
// name a likely lock owner, and lockdep's held-locks listings. Everything
// else in the log is noise and is passed over with a few byte comparisons.
//
// A hung-task report, as khungtaskd prints it (kernel/hung_task.c and
// sched_show_task in kernel/sched/core.c), looks like this on 4.19:
//
//	[316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.
//	[316100.086950]       Not tainted 4.19.90-23.23.v2101.ky10.x86_64 #1
//	[316100.086987] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
//	[316100.087036] rsync           D    0 3621271 152322 0x00000080
//	[316100.087039] Call Trace:
//	[316100.087052]  schedule+0x28/0x80
//	[316100.087055]  rwsem_down_read_failed+0x11c/0x190
//	[316100.087097] RIP: 0033:0x7f612a9e5575
//
// and becomes one Record of KindTask whose Task has Comm "rsync", PID
// 3621271, PPID 152322, State "D", BlockedFor 120 and Frames schedule,
// rwsem_down_read_failed, ...; the register lines are counted in
// Task.Registers. The task line has three generations, all read:
//
//	comm            D ffff88007a2dd140     0 27090   3047 0x00000000   (3.x, then raw stack words)
//	rsync           D    0 3621271 152322 0x00000080                  (4.x to 5.8)
//	task:rsync           state:D stack:0     pid:36526 tgid:36526 ppid:2      task_flags:0x208040 flags:0x00004000   (5.9+)
//
// Frames are x86 and arm64 (" func+0x28/0x80 [module buildid]", "? " for
// unreliable entries, "[<ffffffff8135067c>]" addresses, arm64 " (T)"
// markers, <TASK>/<IRQ> brackets), ARM32 ("[<c0123456>] (func) from
// [<c0234567>] (caller+0x50/0xa8)") and scripts/decode_stacktrace.sh output
// (" func+0x1/0x2 fs/readdir.c:97", " func fs/namei.c:1 [inline]").
//
// Blocker lines (CONFIG_DETECT_HUNG_TASK_BLOCKER, 6.15+) become KindBlocker:
//
//	INFO: task A:1 is blocked on a mutex likely owned by task B:2.
//	INFO: task A:1 <writer> blocked on an rw-semaphore likely owned by task B:2 <reader>
//	INFO: task A:1 is blocked on a semaphore, but the last holder is not found.
//
// Lockdep listings become one KindHeldLocks record per task:
//
//	1 lock held by khungtaskd/38:
//	 #0: ffffffff8274b3a0 (rcu_read_lock){....}-{1:2}, at: debug_show_all_locks+0x15/0xf9
//	 #0:  (&sb->s_type->i_mutex_key#8){+.+.+.}, at: [<ffffffff811d5b1a>] lookup_slow+0x2b/0x50   (before 4.x)
//
// Every line may carry the prefixes that the tools which saved it add:
// "<3>" levels, "[316100.086897]" seconds since boot, printk caller ids
// ("[  T140]", "[    C1]"), dmesg -T "[Fri Jun 15 09:33:12 2018]", dmesg
// --time-format iso "2024-04-11T10:25:14,123456+08:00", syslog and
// journalctl short, short-precise, short-iso and short-monotonic
// ("May 17 18:48:11 host kernel: ", "2024-04-11T10:25:14+0800 host kernel: ",
// "[  245.528573] kernel: ") and /dev/kmsg records ("3,2903,86997972896,-;").
// Lines of other programs in a syslog are noise. Stamp keeps both clocks.
//
// A report ends at "</TASK>", at the next record, or when more than a few
// lines in a row belong to it in no way. Unrelated lines between its lines
// (another driver printing meanwhile) are counted in Task.Interleaved; a
// line that looks like a frame but cannot be read is counted in Skipped.
// When the lines carry printk caller ids, lines of other callers are
// recognised as interleaved from the start.
//
// Records are not reused: the caller may keep them.
package dmesg
