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
// Task.Registers. The task line has these generations, all read:
//
//	mozilla-bin   D 00000001     0  1225      1          1245  1393 (NOTLB)   (2.6.0)
//	khubd         D 000005e3     0   281      2                             (2.6.30, no flags)
//	comm            D ffff88007a2dd140     0 27090   3047 0x00000000   (3.x, then raw stack words)
//	rsync           D    0 3621271 152322 0x00000080                  (4.x to 5.8)
//	systemd-udevd   D13440   382    330 0x80004124                    (a 5-digit free stack glues to the state)
//	task:rsync           state:D stack:0     pid:36526 tgid:36526 ppid:2      task_flags:0x208040 flags:0x00004000   (5.9+)
//
// A task line also starts a record without a header: SysRq-w's dump
// (with or without "Show Blocked State" and the old "task PC stack pid
// father" table header) and a report whose INFO line was cut away. So do
// the headers of dump_stack and oopses, which name the task of an NMI
// backtrace, a lockdep splat or a soft lockup:
//
//	CPU: 1 UID: 0 PID: 30 Comm: khungtaskd Not tainted 6.12.0-rc1 #0
//	Pid: 31104, comm: imap Tainted: G      D    2.6.31-14-server #48-Ubuntu
//	Process maildrop (pid: 5551, threadinfo ffff880018002000, task ffff88005ef396b0)
//
// and a stack pasted on its own, a block of frames with no header at all,
// is a task without a PID.
//
// Frames are x86 and arm64 (" func+0x28/0x80 [module buildid]", "? " for
// unreliable entries, "[<ffffffff8135067c>]" addresses or the "[]" and
// "[<>]" a renderer left of them, arm64 " (T)" markers), powerpc
// ("[c000001b9ab07800] [c000000000b32608] schedule+0x48/0xc0", a stack
// pointer before the address), ARM32 ("[<c0123456>] (func) from
// [<c0234567>] (caller+0x50/0xa8)", and "func from caller+0x50/0xa8"),
// scripts/decode_stacktrace.sh output (" func+0x1/0x2 fs/readdir.c:97",
// " func fs/namei.c:1 [inline]", " func (fs/nfsd/nfs4proc.c:2680) nfsd")
// and 2.6.0's frames printed twice ("[sym+157/342] sym+0x9d/0x156" then
// "[<c01bcd27>] sym+0x9d/0x156"), read as one. Between <NMI> and </NMI>,
// <IRQ> and </IRQ> or <EOI>, <#DB> and <<EOE>>, frames belong to the
// interrupt the task was in: they go to Task.Interrupt, and the task's own
// stack, in Frames, goes on below. A kernel "RIP: 0010:filldir64+0xc5/0x190"
// inside a stack is the frame a page fault stopped; before the stack, and
// a user-space "RIP: 0033:", it is a register line.
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
// ("[  T140]", "[    C1]"), dmesg -T "[Fri Jun 15 09:33:12 2018]" (in any
// locale: "[Mo Apr 29 20:44:47 2019]"), dmesg --time-format iso
// "2024-04-11T10:25:14,123456+08:00", syslog and journalctl short,
// short-precise, short-iso and short-monotonic ("May 17 18:48:11 host
// kernel: ", "May 17 18:48:11 kernel: ", "2024-04-11T10:25:14+0800 host
// kernel: ", "2021-03-16 11:30:24.753 kernel: ", "[  245.528573] kernel: ",
// and "kernel: [425684.110424] " when the date and host were cut off),
// syslog with the time of day only ("23:05:11 host kernel: ", which gives
// no wall clock), /dev/kmsg records ("3,2903,86997972896,-;") and
// MediaTek's CPU and task after them ("(1)[67:khungtaskd]", read as the
// caller). Lines of other programs in a syslog are noise. Stamp keeps both
// clocks.
//
// The lines come through internal/paste, which removes mail quoting,
// indentation, fences, prompts and diff marks. Lines a mailer or terminal
// cut are joined when the join parses (see wrap.go for every cut known).
//
// A report ends at "</TASK>", at the next record, or when more than a few
// lines in a row belong to it in no way. Unrelated lines between its lines
// (another driver printing meanwhile) are counted in Task.Interleaved; a
// line that looks like a frame but cannot be read is counted in Skipped.
// When the lines carry printk caller ids, each caller's lines build a
// record of their own, so that reports two CPUs printed at once come out
// apart. Unprefixed lines that are no kernel text (a program's output on a
// console, the poster's words) are counted as prose by the paste layer.
//
// Records are not reused: the caller may keep them.
package dmesg
