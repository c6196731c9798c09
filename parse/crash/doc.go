// Package crash reads transcripts of the crash utility (crash-utility/crash)
// as people paste them into incident notes, streaming, one Record per
// command answer: ps tables, bt and foreach bt backtraces (with the stack
// data of bt -F/-FF), kmem object lookups, struct/union/p member dumps and
// the task summaries crash prints in lines of their own.
//
// Formats follow crash's sources: task.c show_ps_data for ps rows
// ("> " marks an active task; ST is RU, IN, UN, ZO, ST, TR, DE, SW, PA, WA,
// ID, NE, with EX appended for exclusive waits), print_task_header for
// "PID: %-7ld  TASK: %lx  CPU: %-3s  COMMAND: \"%s\"", show_context for the
// multi-line "PID: / COMMAND: / TASK: / CPU: / STATE:" summary, x86_64.c for
// frames (" #%d [%8lx] %s at %lx", a " [module]" suffix, "--- <IRQ stack>
// ---" markers, register blocks) and memory.c format_stack_entry for the
// words of bt -F ("[cache]") and bt -FF ("[address:cache]"), which crash
// prints before the frame line that ends the range, so they belong to the
// frame printed above them.
//
// # Pasted transcripts
//
// The reader reads through internal/paste: mail quoting, indentation (a
// Markdown code block, a numbered list's 3 spaces), fences and extra
// leading spaces before frames ("    #10 [...]") are removed before a line
// is looked at, and Paste reports what was removed. "crash> " starts each
// answer. Transcripts are often edited, so the reader also takes answers
// without their prompt: a "PID:" line starts a backtrace, a ps header or a
// ps row a table, "FREE / [ALLOCATED]" a kmem answer, "name = value," lines
// a struct answer, and a "struct TYPE ADDR" line without its prompt is
// taken as the command it is. A shell prompt reading a task's stack,
//
//	[root@11-211-65-37 18:59:39 ~]# cat /proc/4129433/stack
//	 #0 [ffffbbd86271fd58] __schedule at ffffffff9c46f786
//
// heads the frames after it with that PID.
//
// Lines a mailer cut are joined again when the join parses and the
// continuation does not: a ps row whose COMM went to the next line
// ("[kworker/0:2]"), and quoted-printable soft breaks (a line ending in
// "=", the "=" dropped):
//
//	  31458      1   5  ffff88e9c8ded100  UN   0.0    7620   1156  memcg_test_=
//	1
//	 #5 [ffffb36648bc7ba8] try_to_free_mem_cgroup_pages+0xf4 at ffffffffb6a6d2=
//	64
//
// Human comments are no crash output and are counted as prose: lines
// beginning "# " or "##" ("# 以下就不列出命令了，只写结果", "## 前两种是没有拿到锁的")
// and text after " # " or " ## " on a line ("crash> foreach bt -f | grep
// -B60 ffff8805bdec27e8    ## 60 行不够展示的话"). One human shorthand is kept:
// the seed incident's notes write a "# PID" comment line, then that task's
// "[address:cache]" stack words and the kmem and struct answers about them,
// without commands; the reader turns the words into a Backtrace with
// Abbreviated set and infers each struct answer's address from the kmem
// answer before it.
//
// # Which task a backtrace is
//
// A "PID:" header names the task; without one, the command does ("bt 37",
// "bt ffff93fe9b124180" by task address, "cat /proc/4129433/stack"). A
// fragment of frames that nothing names (part of a bt -f answer pasted on
// its own) takes the task of an earlier backtrace whose frame printed the
// same stack address, since a stack address belongs to one task's stack:
//
//	PID: 1760070  TASK: ffff93fc992720c0  CPU: 21  COMMAND: "node_monitor"
//	 #2 [ffffbbd84cdfbd08] rwsem_down_write_slowpath at ffffffff9bb4c5d0
//	...
//	 #2 [ffffbbd84cdfbd08] rwsem_down_write_slowpath at ffffffff9bb4c5d0
//	    ffffbbd84cdfbd10: ffff93fa683d9fac 0000000200000000
//
// makes the second a Backtrace of 1760070 with SameAs the first's line.
// Otherwise it has HasPID false (PID 0 is the idle task in crash, so it is
// never taken for "no PID") and is named by its place, its Line. Frames
// above an interrupt-stack marker ("--- <NMI exception stack> ---") ran on
// that stack, not the task's own: TaskFrames leaves them out.
//
// # What proves a lock's owner
//
// Lock work reads these answers, each field located by its line:
//
//	crash> struct rw_semaphore ffff941d45f98870 -x
//	struct rw_semaphore {
//	  count = {
//	    counter = 0x102
//	  },
//	  owner = {
//	    counter = 0xffff9431354120c7
//	  },
//
// is a Struct of Type "rw_semaphore", Addr "ffff941d45f98870", with Fields
// "count.counter" = "0x102" and "owner.counter" = "0xffff9431354120c7"
// (nested members are named with dots, anonymous braces add no name; the
// owner's low bits are flags, for the reader of the value to mask). A
// struct answer about a member ("crash> xfs_inode_t.i_lock ffff93fa683d9dc0
// -x", crash's own shorthand for struct) names its fields from the member
// down: "i_lock.mr_lock.owner.counter". A command naming a symbol instead
// of an address ("struct -x mutex magic_mutex") gives Symbol; the kmem
// answer about its address gives the same Symbol:
//
//	crash> kmem 0xffffffffc0924100
//	ffffffffc0924100 (d) magic_mutex [smajdalf]
//
// "struct extent_buffer ADDR" answers carry "lock_owner = 1234," as a
// Field like any other. A kmem answer about an address inside a task_struct
// names the task:
//
//	crash> kmem 0xffff9431354120c7
//	CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME
//	ffff93ee00047700     8328       3335      3726   1242    32k  task_struct
//	  FREE / [ALLOCATED]
//	  [ffff9431354120c0]
//
//	    PID: 2640498
//	COMMAND: "kworker/u162:2"
//	   TASK: ffff9431354120c0  [THREAD_INFO: ffff9431354120c0]
//
// is a Kmem with Query "ffff9431354120c7", Cache "task_struct", Object
// "ffff9431354120c0" and Task, a Context of PID 2640498 (a one-line "PID:
// ... TASK: ... COMMAND:" header inside a kmem answer is its Task too). ps
// rows carry their TASK address, and bt headers ("crash> bt
// 0xffff93fe9b124180", "PID: 3497751  TASK: ffff93fe9b124180 ...") tie a
// task address to its PID.
//
// # Every line is accounted for
//
// A line is part of a record (an Other record counts the lines of answers
// the reader does not model: mod, sys, dis, sym, list, ...), a prompt, a
// fence or blank; or it is no crash output at all (prose, comments, hand
// drawn annotations under stack words, disassembly pasted without its
// command), counted by Paste().Prose with the first located; or it begins
// like something crash prints and does not parse ("#3 [zzz] foo"), counted
// by Skipped with the first located. Human notes after the words of a
// stack data line ("ffff941d45f98870[r14]", "<----") are not crash's and
// are left out of the words.
package crash
