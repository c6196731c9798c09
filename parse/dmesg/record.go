package dmesg

import (
	"strings"
	"time"
)

// Kind says what a Record holds.
type Kind uint8

// The kinds of records.
const (
	// KindTask is a task dump: a hung-task report ("INFO: task ... blocked
	// for more than N seconds." and what follows), or a task printed
	// without such a header (the likely owner after a blocker line, SysRq-w).
	KindTask Kind = iota + 1
	// KindBlocker is a 6.15+ "INFO: task A:1 ... blocked on ... task B:2" line.
	KindBlocker
	// KindHeldLocks is a lockdep "N locks held by comm/pid:" listing.
	KindHeldLocks
	// KindLockdep is a lockdep warning ("WARNING: possible recursive
	// locking detected", "... circular locking dependency ..."): the task
	// acquiring a lock and the lock it already holds.
	KindLockdep
	// KindSuppressed is "Future hung task reports are suppressed, see sysctl
	// kernel.hung_task_warnings": later hung tasks were not reported.
	KindSuppressed
)

func (k Kind) String() string {
	switch k {
	case KindTask:
		return "task"
	case KindBlocker:
		return "blocker"
	case KindHeldLocks:
		return "held-locks"
	case KindSuppressed:
		return "suppressed"
	case KindLockdep:
		return "lockdep"
	}
	return "unknown"
}

// Record is one thing the log says about stuck tasks. Exactly one of Task,
// Blocker, Locks and Lockdep is set, according to Kind (none for
// KindSuppressed).
type Record struct {
	Kind Kind
	// Line is the 1-based line where the record starts; Text is that
	// line's message, without its prefixes.
	Line int
	Text string
	// Time is the stamp of the first line.
	Time    Stamp
	Task    *Task
	Blocker *Blocker
	Locks   *HeldLocks
	Lockdep *Warning
}

// Warning is one lockdep warning:
//
//	WARNING: possible recursive locking detected
//	6.11.0-rc1-syzkaller-ge4fc196f5ba3-dirty #0 Not tainted
//	--------------------------------------------
//	syz.0.15/5889 is trying to acquire lock:
//	ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_device_event+0x2c7/0x770
//
//	but task is already holding lock:
//	ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_add_slave+0x9c/0x20e0
//
// Lockdep prints it when the task begins the acquisition, before any wait.
type Warning struct {
	// Title is the WARNING line's text after "WARNING: " ("possible
	// recursive locking detected"), "" when the paste left it out.
	Title string
	Comm  string
	PID   int
	// Acquire is the lock the task is trying to acquire; Held the one
	// lockdep says it already holds (Index 0 in both). decode_stacktrace
	// prints an entry once per inlined acquire site: the last line, the
	// real function, is kept.
	Acquire, Held Lock
	HasHeld       bool
}

// WallKind says which wall clock a line's prefix carried.
type WallKind uint8

// The wall clocks.
const (
	NoWall WallKind = iota
	// Syslog: "May 17 18:48:11" (journalctl short, short-precise, and
	// classic syslog): no year (Options.Year, else 0) and no zone (UTC is
	// used as the zone of a host-local clock).
	Syslog
	// Ctime: dmesg -T "[Fri Jun 15 09:33:12 2018]", host-local, no zone;
	// computed by dmesg from the boot time, so it drifts after a suspend.
	Ctime
	// ISO: RFC 3339 with a zone: dmesg --time-format iso, journalctl
	// short-iso and short-iso-precise, rsyslog's RFC 3339 format.
	ISO
)

func (w WallKind) String() string {
	switch w {
	case Syslog:
		return "syslog"
	case Ctime:
		return "ctime"
	case ISO:
		return "iso"
	}
	return "none"
}

// Stamp is the time of a line. A line can carry both clocks: the kernel's
// seconds since boot ("[316100.086897]", /dev/kmsg microseconds) and a wall
// clock added by the tool that saved it.
type Stamp struct {
	// Mono is the time since boot; HasMono says the line carried one.
	Mono    time.Duration
	HasMono bool
	// Wall is the wall-clock time of the prefix; WallKind says which
	// format (and so how much of the time is known), NoWall for none.
	Wall     time.Time
	WallKind WallKind
	// Caller is the printk caller id ("T140" a task, "C1" a CPU), or "".
	Caller string
}

// Task is one task dump.
type Task struct {
	// Hung is true for a hung-task report; BlockedFor is the seconds it
	// gave ("blocked for more than 120 seconds").
	Hung       bool
	BlockedFor int
	// Comm is the command name from the header ("rsync", may hold spaces,
	// ':' and ')'), else from the task line.
	Comm string
	// LineComm is the name the task line printed when it differs from the
	// header's: a header can name a thread and the line its process, a
	// vendor kernel prints another name in one of them, or the task line
	// cut the name to 15 characters ("%-15.15s"). Both are kept; "" when
	// they agree or there was no header.
	LineComm string `json:",omitempty"`
	PID      int
	// TGID, PPID and StackFree are 0 when the kernel did not print them;
	// HasPPID says PPID was printed (it can be 0 for kernel threads of PID 2's parent).
	TGID, PPID int
	HasPPID    bool
	StackFree  int
	// State is the task line's state letter ("D"), "" without a task line.
	State string
	// Flags and TaskFlags are as printed ("0x00004000"), "" when absent.
	Flags, TaskFlags string
	// Tainted is the taint line: "Not tainted 4.19.90-... #1" or
	// "Tainted: G S O 6.16.0-rc1 #1".
	Tainted string
	// Coredump is set by 6.x's "Blocked by coredump." line.
	Coredump bool
	// Workqueue is the "Workqueue: writeback wb_workfn (flush-8:1)" text
	// after the colon, for kworkers.
	Workqueue string
	// TaskLine is the line number of the task line, 0 without one.
	TaskLine int
	// NoPID says the text names no PID for this task: a stack pasted on
	// its own, or a task line cut down to its name ("task:multipathd").
	// The task is then known by its place, StackLine (a PID of 0 may be
	// the idle task's, "CPU: 0 PID: 0 Comm: swapper/0").
	NoPID bool `json:",omitempty"`
	// StackLine is the line number of the first frame, 0 without frames.
	StackLine int `json:",omitempty"`
	// Frames are the task's own stack, innermost first, as printed.
	Frames []Frame
	// Interrupt are the frames printed for an interrupt or exception
	// context the task was in, in the order printed: between <NMI> and
	// </NMI> (or <<EOE>>), <IRQ> and </IRQ> (or <EOI>), <SOFTIRQ> and
	// </SOFTIRQ>. They say what the CPU was doing, not where the task
	// waits, so they are not among Frames.
	Interrupt []Frame
	// DroppedFrames counts frames beyond the cap of 1024 per task.
	DroppedFrames int
	// Registers counts register dump, Code: and raw stack-word lines.
	Registers int
	// Interleaved counts unrelated lines found between this report's lines.
	Interleaved int
}

// Frame is one stack entry.
type Frame struct {
	// Func is the symbol as printed, suffixes included
	// ("__mutex_lock_common.isra.5"); Base strips them.
	Func string
	// Offset and Size are from "+0x28/0x80"; both 0 when not printed.
	Offset, Size uint64
	// Addr is the "[<ffffffff8135067c>]" address when printed, and
	// AddrDigits the hex digits it was printed with: 8 on a 32-bit kernel,
	// 16 on a 64-bit one (zero-padded whatever the value), 0 unprinted.
	Addr       uint64
	AddrDigits uint8 `json:",omitempty"`
	// Module and BuildID are from " [sunrpc]" or " [nvidia 1a2b...]".
	Module, BuildID string
	// Unreliable is a "? " frame (or "(unreliable)"): a stale address
	// found on the stack, not necessarily a caller.
	Unreliable bool
	// Marker is arm64's trailing " (T)" style letter, 0 when absent.
	Marker byte `json:",omitempty"`
	// Inline, Source and Line come from decode_stacktrace.sh:
	// " fs/readdir.c:97 [inline]".
	Inline bool
	// Context is the interrupt context of a frame of Task.Interrupt, 0
	// (NoContext) for the task's own frames.
	Context Context `json:",omitempty"`
	Source  string
	Line    int
}

// Context is an interrupt context a stack is printed in.
type Context uint8

// The contexts, named by the stack's markers.
const (
	NoContext Context = iota
	NMI               // <NMI> ... </NMI> or <<EOE>>
	IRQ               // <IRQ> ... </IRQ> or <EOI>
	SoftIRQ           // <SOFTIRQ> ... </SOFTIRQ>
	// Exception is another exception stack: <#DB>, <#MC>, <#DF>...
	Exception
)

func (c Context) String() string {
	switch c {
	case NMI:
		return "NMI"
	case IRQ:
		return "IRQ"
	case SoftIRQ:
		return "SOFTIRQ"
	case Exception:
		return "exception"
	}
	return ""
}

// Base is Func without compiler suffixes (.isra.0, .constprop.0, .part.1,
// .cold, .llvm.123): C names hold no '.', so it cuts at the first one.
func (f Frame) Base() string {
	if i := strings.IndexByte(f.Func, '.'); i > 0 {
		return f.Func[:i]
	}
	return f.Func
}

// Blocker is a 6.15+ line naming the likely owner of the lock a task waits
// for.
type Blocker struct {
	// Lock is "mutex", "semaphore" or "rw-semaphore".
	Lock string
	// Comm and PID are the waiting task; Role is "reader" or "writer" for
	// an rw-semaphore, else "".
	Comm string
	PID  int
	Role string
	// OwnerFound is false for the "owner is not found" forms; then the
	// Owner fields are empty. For a semaphore the owner is the last holder.
	OwnerFound bool
	OwnerComm  string
	OwnerPID   int
	OwnerRole  string
}

// HeldLocks is lockdep's list of locks one task holds.
type HeldLocks struct {
	Comm string
	PID  int
	// Count is the number the header announced ("2 locks held by"), 0
	// for "no locks held by".
	Count int
	Locks []Lock
}

// Lock is one " #0: ..." entry.
type Lock struct {
	Index int
	// Instance is the lock's address (5.x+), "" in the older format.
	Instance string
	// Class is the lock class name ("&sb->s_type->i_mutex_key#8").
	Class string
	// Usage is the "{++++}" text; WaitType the "-{3:3}" text, if any.
	Usage, WaitType string
	// At is where it was taken.
	At Frame
	// Released is lockdep's "<RELEASED>" entry.
	Released bool
}

// Skips counts lines inside records that could not be read, and locates
// the first.
type Skips struct {
	Count int
	// FirstLine is the 1-based number of the first skipped line;
	// FirstText is its start, at most 200 bytes, as read.
	FirstLine int
	FirstText string
}
