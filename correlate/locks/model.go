package locks

// Schema versions the JSON form of an Analysis (docs/locks-json.md). v2
// split the analysis into incidents, made a task's pid null when its source
// names no PID, and added evidence kinds, cycles and chains.
const Schema = "lagtrace.locks/v2"

// The clocks an observation's Time can be on.
const (
	// ClockBoot is seconds since the host booted ("[316100.086897]").
	ClockBoot = "boot"
	// ClockWall is Unix time (dmesg -T, syslog, time-stamped samples).
	ClockWall = "wall"
)

// Task is one observation of a task's kernel stack, from one source: a
// hung-task report, a /proc/PID/stack snapshot or a crash bt. The same
// task is usually observed many times (the hung-task detector repeats its
// report every check); an Evidence keeps one summary per task and distinct
// stack, not the observations.
type Task struct {
	PID int
	// NoPID says the source does not tell which task this is (a pasted
	// /proc/PID/stack without a header); Source then names it.
	NoPID bool
	Comm  string
	// State is the scheduler state as the source prints it ("D", "UN").
	State string
	// Source locates the observation, "file:line".
	Source string
	// Kind is the source's kind: "dmesg", "procstack" or "crash". A dmesg
	// observation is a hung-task report, which kernels never write for
	// killable sleepers.
	Kind string
	// Hung marks a hung-task report, as opposed to a task a log printed
	// for another reason (the owner dumped after a blocker line, SysRq-w).
	Hung bool
	// Frames are the stack, innermost first, as printed or as bare names
	// ("iterate_dir+0x86/0x2a0", "iterate_dir"); frames the unwinder marked
	// unreliable are left out by the caller. A frame that was inlined into
	// the next one ends in " [inline]" (InlineMark): it tells what the
	// next frame does, but is never where the task sleeps.
	Frames []string
	// Object is the address of the inode the task's lock site works on,
	// when the source proves it (crash: struct file.f_inode of the file
	// being read, or dentry.d_inode of the directory being searched), and
	// ObjectVia the slab cache of the stack word that led to it ("filp",
	// "dentry").
	Object, ObjectVia string
	// Snapshot names the pass of a sampling loop the observation belongs
	// to ("" when the source does not say); samples of one pass share it.
	Snapshot string
	// Time is when the observation was made, in seconds on Clock; Clock
	// is "" when the source carries no time.
	Time  float64
	Clock string
	// Blocked is how long a hung-task report says the task had been
	// blocked, in seconds.
	Blocked float64
	// AddrBits is the width of the kernel addresses the stack's frames
	// print, 32 or 64, 0 when it prints none. A kernel prints addresses
	// of one width only, so two widths in one text are two machines.
	AddrBits int
}

// Blocker is a line the kernel's hung-task detector writes since 6.15 when
// built with CONFIG_DETECT_HUNG_TASK_BLOCKER, naming the task that owns the
// lock a hung task waits for:
//
//	INFO: task A:1 is blocked on a mutex likely owned by task B:2.
//	INFO: task A:1 blocked on a semaphore likely last held by task B:2
//	INFO: task A:1 <writer> blocked on an rw-semaphore likely owned by task B:2 <reader>
//	INFO: task A:1 is blocked on a mutex, but the owner is not found.
type Blocker struct {
	PID  int
	Comm string
	// Lock is "mutex", "semaphore" or "rw-semaphore".
	Lock string
	// Mode is the waiter's rw-semaphore mode ("<reader>" is ModeRead).
	Mode Mode
	// OwnerPID is 0 when the kernel did not find the owner.
	OwnerPID  int
	OwnerComm string
	OwnerMode Mode
	Source    string
	Time      float64
	Clock     string
}

// Held is lockdep's list of the locks one task holds, as "Showing all
// locks held in the system" and hung-task reports print it:
//
//	2 locks held by kworker/0:1/11:
//	 #0: ffff8880b2d3c948 ((wq_completion)events){+.+.}-{0:0}, at: process_one_work+0x1b4/0x650
//	 #1: ffffffff8d3f1a28 (rtnl_mutex){+.+.}-{3:3}, at: rtnl_lock+0x17/0x20
//
// Lockdep records a lock when its acquisition starts, so the last entry
// of a task sleeping in that lock's slow path is the lock it waits for.
type Held struct {
	PID    int
	Comm   string
	Locks  []HeldLock
	Source string
	Time   float64
	Clock  string
}

// HeldLock is one entry of a Held list.
type HeldLock struct {
	// Addr is the lock's address (5.x+), "" in the older format.
	Addr string
	// Class is the lockdep class ("rtnl_mutex", "&sb->s_type->i_mutex_key#8").
	Class string
	// At is the function that took it ("rtnl_lock").
	At string
}

// Acquire is a lockdep warning: the lock a task was starting to acquire
// when lockdep stopped it, and the one it already held.
//
//	WARNING: possible recursive locking detected
//	syz.0.15/5889 is trying to acquire lock:
//	ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_device_event+0x2c7/0x770
//	but task is already holding lock:
//	ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_add_slave+0x9c/0x20e0
//
// Lockdep warns before the task waits, and most warnings (a circular
// dependency) are about an order that could deadlock, not one that did:
// only the same address acquired twice is a wait that cannot end.
type Acquire struct {
	PID  int
	Comm string
	// Title is the WARNING line's text, "" when the paste left it out.
	Title string
	Lock  HeldLock
	// Held is the lock the warning says the task holds, nil when the
	// paste stops before it.
	Held   *HeldLock
	Source string
	Time   float64
	Clock  string
}

// Owner is a crash session's proof of a lock's owner: the owner field of a
// struct mutex or rw_semaphore (a task pointer, its low bits flags) tied to
// a PID by a ps row, a bt header or a kmem answer, or the lock_owner PID of
// a btrfs extent buffer.
type Owner struct {
	// Lock is the lock's address; Type its struct ("mutex",
	// "rw_semaphore", "extent_buffer").
	Lock, Type string
	PID        int
	Comm       string
	// Reader is an rw_semaphore's "reader owned" flag: the owner field
	// then names the last reader to take it, a hint rather than a proof.
	Reader bool
	// Source locates the owner field; Via says what tied it to the PID.
	Source, Via string
}

// InlineMark ends a frame that was inlined into the next one.
const InlineMark = "[inline]"

// Role is what a task does with respect to a lock.
type Role string

// The roles.
const (
	// Holder: the task holds a lock a task of the incident waits for.
	Holder Role = "holder"
	// Waiter: the task sleeps acquiring a lock.
	Waiter Role = "waiter"
	// Other: neither could be shown.
	Other Role = "other"
)

// Confidence grades a lock's holder and membership.
type Confidence string

// The confidence levels, strongest first.
const (
	// Confirmed: the kernel (blocker line, lockdep) or a crash owner field
	// names the holder, or a source proves that the holder and the
	// waiters work on one object.
	Confirmed Confidence = "confirmed"
	// Inferred: the stacks' shapes show a holder passing the site the
	// waiters wait at, but nothing proves it is the same object.
	Inferred Confidence = "inferred"
	// Weak: no holder is visible; the waiters are grouped by the kind of
	// object their sites lock, and may wait on different ones.
	Weak Confidence = "weak"
)

// The kinds of evidence, strongest first.
const (
	EvidenceBlocker  = "blocker"      // the 6.15+ hung-task blocker line
	EvidenceLockdep  = "lockdep"      // a lockdep held-lock list
	EvidenceOwner    = "crash-owner"  // a crash owner field or kmem answer
	EvidenceObject   = "same-object"  // crash f_inode/d_inode of the tasks
	EvidenceStack    = "stack"        // the shape of the stack
	EvidenceReleased = "released"     // why a task past a site is no holder
	EvidenceDetector = "hung-task"    // what the detector does and does not report
	EvidenceTable    = "known-kernel" // a fact of the kernel tables
)

// Analysis is what Infer finds; it is also the JSON document
// "lagtrace.locks/v2" (docs/locks-json.md), so its field order is stable.
type Analysis struct {
	Schema string `json:"schema"`
	// Incidents are the separate stalls the sources hold, the latest first.
	Incidents []Incident `json:"incidents"`
	// Notes explain what the sources as a whole cannot show.
	Notes []string `json:"notes"`
}

// Incident is one stall: the tasks observed together, their locks, and the
// time range of the observations.
type Incident struct {
	// ID is "I1" for the latest incident, "I2" for the one before...
	ID string `json:"id"`
	// Clock is the clock of First and Last ("boot", "wall"), "" when no
	// observation of the incident carries a time.
	Clock string   `json:"clock,omitempty"`
	First *float64 `json:"first"`
	Last  *float64 `json:"last"`
	// Tasks has one entry per task: holders first, then waiters, then
	// others, each by PID.
	Tasks []TaskRole `json:"tasks"`
	// Locks are ordered by the number of tasks on them, most first; their
	// IDs ("L1") are the incident's own.
	Locks []Lock `json:"locks"`
	// Cycles are wait-for cycles: deadlocks, or one task waiting for a
	// lock it holds itself.
	Cycles []Cycle `json:"cycles"`
	// Chains follow waiters to holders to what the holders wait for.
	Chains []Chain  `json:"chains"`
	Notes  []string `json:"notes"`
}

// TaskRole is one task's part in an incident, joined across sources and
// samples.
type TaskRole struct {
	// PID is null when the source names no PID; Place then says where the
	// stack is ("file:line").
	PID   *int   `json:"pid"`
	Place string `json:"place,omitempty"`
	Comm  string `json:"comm"`
	// Comms lists every name the sources gave the task, when they differ
	// (a thread's name in the report, its process's in the task line).
	Comms []string `json:"comms,omitempty"`
	Role  Role     `json:"role"`
	// Lock is the Lock.ID of the lock the task holds (a holder) or waits
	// for (a waiter); empty for Other.
	Lock string `json:"lock,omitempty"`
	// Mode is how it holds or wants the lock, when known.
	Mode Mode `json:"mode,omitempty"`
	// WaitsIn is where the task sleeps: the innermost frame that is not the
	// scheduler's, or "(stack not shown)".
	WaitsIn string `json:"waits_in"`
	// Running says the stack is one the task printed of itself while
	// running (dump_stack under lockdep or a WARN): WaitsIn is the frame
	// that printed it, not a sleep.
	Running bool `json:"running,omitempty"`
	// Site is the lock site in the task's stack ("iterate_dir").
	Site string `json:"site,omitempty"`
	// Killable reports a TASK_KILLABLE sleep, invisible to the hung-task
	// detector.
	Killable bool `json:"killable"`
	// Object is the inode address a source proved the task works on.
	Object string `json:"object,omitempty"`
	// Holds are the locks the task holds, WaitsFor the one it waits for
	// (a holder can wait too, a waiter hold too), and WaitMode the mode it
	// asks for there.
	Holds    []string `json:"holds,omitempty"`
	WaitsFor string   `json:"waits_for,omitempty"`
	WaitMode Mode     `json:"wait_mode,omitempty"`
	// Sources summarises the observations: how many, and the first and
	// last few locations.
	Sources Sources `json:"sources"`
	// Stack is the signature of the observation the role comes from:
	// function names, innermost first, scheduler frames left out.
	Stack []string `json:"stack"`
	// Stacks counts the distinct stacks seen of the task, when more than one.
	Stacks []StackCount `json:"stacks,omitempty"`
	// Reports counts the hung-task reports of the task.
	Reports int `json:"reports"`
}

// Sources summarises where a task was seen.
type Sources struct {
	Count int      `json:"count"`
	First []string `json:"first"`
	Last  []string `json:"last,omitempty"`
}

// StackCount is one distinct stack of a task and how often it was seen.
type StackCount struct {
	Stack []string `json:"stack"`
	Count int      `json:"count"`
}

// Lock is one lock the tasks pile up on.
type Lock struct {
	ID string `json:"id"`
	// Site is where the lock is taken ("iterate_dir"), or for a lock seen
	// only through its slow path, the first caller ("rtnl_lock").
	Site string `json:"site"`
	// Type is the lock's type ("rwsem", "mutex"), when a frame shows it.
	Type string `json:"type,omitempty"`
	// Kind says what is locked ("dir i_rwsem").
	Kind string `json:"kind,omitempty"`
	// Name is the lock's name: lockdep's class, or the global lock a
	// function takes ("rtnl_mutex").
	Name string `json:"name,omitempty"`
	// Address is the lock's address (lockdep, crash); Object the locked
	// inode's, when a source proves it.
	Address string `json:"address,omitempty"`
	Object  string `json:"object,omitempty"`
	// Identity says what the lock is known by, strongest first: "address",
	// "inode", "name", "site".
	Identity   string        `json:"identity"`
	Holders    []int         `json:"holders"`
	HolderMode Mode          `json:"holder_mode,omitempty"`
	Waiters    []int         `json:"waiters"`
	Groups     []WaiterGroup `json:"waiter_groups"`
	// Unnamed counts waiters whose source names no PID.
	Unnamed    int        `json:"unnamed_waiters,omitempty"`
	Confidence Confidence `json:"confidence"`
	Evidence   []Reason   `json:"evidence"`
}

// WaiterGroup gathers the waiters whose stacks are identical.
type WaiterGroup struct {
	Count   int    `json:"count"`
	Mode    Mode   `json:"mode,omitempty"`
	WaitsIn string `json:"waits_in"`
	// Running says the group's stack is one its task printed while
	// running, before it slept (a lockdep warning): WaitsIn printed it.
	Running bool     `json:"running,omitempty"`
	Stack   []string `json:"stack"`
	PIDs    []int    `json:"pids"`
	// Comms are the distinct names of the group's tasks.
	Comms []string `json:"comms"`
	// Places name the group's tasks without a PID.
	Places []string `json:"places,omitempty"`
}

// Reason is one piece of evidence behind a claim.
type Reason struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
	// Source locates it ("file:line"), with Count the number of times the
	// same evidence was seen (the detector repeats itself).
	Source string `json:"source,omitempty"`
	Count  int    `json:"count,omitempty"`
}

// Cycle is a wait-for cycle: each task waits for a lock the next holds.
type Cycle struct {
	// PIDs are in wait-for order, starting with the lowest.
	PIDs []int `json:"pids"`
	// Locks are the lock IDs, Locks[i] being what PIDs[i] waits for.
	Locks []string `json:"locks"`
	// Self marks one task waiting for a lock it holds.
	Self bool   `json:"self"`
	Text string `json:"text"`
}

// Chain is a path from a lock's waiters through its holder to what the
// holder itself waits for.
type Chain struct {
	Lock string `json:"lock"`
	// Holders are the PIDs along the chain, Ends what the last one waits
	// on ("rpc_wait_bit_killable", or another lock's ID).
	Holders []int  `json:"holders"`
	End     string `json:"end"`
	Text    string `json:"text"`
}

// Asleep words where the task is: "sleeps in rpc_wait_bit_killable", or,
// for a stack it printed while running, "was running (dump_stack_lvl
// printed its stack)".
func (t TaskRole) Asleep() string {
	if t.Running {
		return "was running (" + t.WaitsIn + " printed its stack)"
	}
	return "sleeps in " + t.WaitsIn
}
