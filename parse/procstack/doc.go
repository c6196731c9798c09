// Package procstack reads the kernel stacks people save from
// /proc/PID/stack, streaming, one Sample per snapshot of one task.
//
// The kernel writes one line per frame (fs/proc/base.c, proc_pid_stack).
// Kernels before 4.17 print the return address and end the list with a
// ULONG_MAX entry:
//
//	[<ffffffffa04f69b4>] rpc_wait_bit_killable+0x24/0x40 [sunrpc]
//	[<ffffffffffffffff>] 0xffffffffffffffff
//
// later kernels hide the address behind a literal zero ("[<0>] %pB"):
//
//	[<0>] iterate_dir+0x86/0x2a0
//
// Recent kernels also leave the scheduler's own frames out, so a waiter's
// stack may begin at the call site. The reader only parses; it infers
// nothing.
//
// # Pasted text
//
// The reader reads through internal/paste: mail quoting ("> ", ">> \t"),
// indentation, Markdown fences and forum tags are removed before a line is
// looked at, and Paste reports what was removed. A frame line cut in two by
// a mailer ("[<ffffffffa06dd166>]" then "nfs4_call_sync_sequence+0x56/0x80")
// is joined again.
//
// # Which task a stack belongs to
//
// Snapshots arrive with the task named in many ways, all of which the
// reader accepts in one file, freely mixed. Each names the task of the
// stack that follows it:
//
//   - tail and head headers, with or without /proc, with the thread in
//     brackets, with any annotation inside the arrows:
//
//     ==> /proc/2174401/stack <==
//     ==> 6409/stack <==
//     ===> 28014[28015]/stack <===
//     ==> /proc/123/stack (comm=ls, state=D) at 1795646204.83 <==
//
//     (comm= and state= in the annotation are kept; a header of another
//     file, "==> /proc/2174401/syscall <==", makes the lines under it no
//     stack text, counted as prose);
//
//   - a path alone ("/proc/123/stack", "/proc/123/task/124/stack"), a shell
//     command that reads one, after a prompt or a shell trace
//     ("[root@tantor ~]# cat /proc/2787/stack", "$ sudo cat
//     /proc/32733/stack", "+ cat /proc/8367/stack");
//
//   - a PID line: "1941835", "123:", "PID 123", "PID = 301", "PID: 123",
//     "--- 123 ---";
//
//   - ps rows: with a header line, the header's columns are used
//     ("PID STAT WCHAN COMMAND", "UID PID PPID C STIME TTY TIME CMD", a
//     sampler's "utc epoch pid state voluntary nonvoluntary"; a TID, LWP or
//     SPID column names the thread); without one, "PID [TTY] [STAT] [TIME]
//     COMM" (ps -o pid=,stat=,comm=; plain ps) and "USER PID %CPU %MEM VSZ
//     RSS TTY STAT START TIME COMMAND" (ps aux). A ps row gives Comm and
//     State; a table of rows followed by headers that give only PIDs lends
//     each header its row's Comm and State;
//
//   - grep-style prefixes on every line, a path or a label:
//     "/proc/123/stack:[<0>] ...", "    stack: [<0>] ...".
//
// A header that names no PID ("# cat /proc/`pidof systemd-sleep`/stack",
// "for i in ...; do cat /proc/$i/stack; done") starts a task the text does
// not name, and so does a stack with no header at all: its Sample has
// HasPID false, PID 0, and is named by its place, Line being its first
// frame's line. Options.PID (or a file name that is a PID, see
// PIDFromName) names the task of stacks no header names. Without headers,
// two stacks pasted back to back (cat /proc/1/stack /proc/2/stack) are told
// apart by the entry frames that end a stack (entry_SYSCALL_64_after_hwframe,
// ret_from_fork_asm, ...) and by the old kernels' ULONG_MAX line: a frame
// that follows one starts a new sample. A blank line also ends a sample.
//
// Time stamps between rounds of snapshots stamp every following sample
// until the next one: date(1)'s default "Wed Nov 25 22:44:18 UTC 2026", RFC
// 3339 / ISO 8601 ("2026-11-25T22:44:18+00:00", also with a space or
// nanoseconds), RFC 1123 ("date -R"), and epoch seconds from "date +%s" or
// "date +%s.%N" (a number of at least nine digits, so it cannot be a PID).
// Any of them may be wrapped in a separator such as "=== 1712802314 ===",
// "---- ... ----", "### ... ###", or follow a label ("TIMESTAMP: Fri Feb  7
// 03:47:40 EST 2020").
//
// # Every line is accounted for
//
// A line is a frame, a header, a time stamp, a ps header, a prompt or a
// fence (used); or it is no stack text at all (prose between the blocks,
// the output of other commands, "wchan: ..." or "key=value" lines of a
// capture script), counted by Paste().Prose with the first located; or it
// is a line inside a stack that does not parse ("[<0>] broken"), counted
// by Skipped with the first located.
package procstack
