package strace

// Kind says what a line (or a joined pair of lines) records.
type Kind uint8

// The kinds of events.
const (
	// Call is a system call: complete on one line, or an "<unfinished ...>"
	// line joined with its "<... resumed>" line into one event.
	Call Kind = iota + 1
	// Signal is a "--- SIGCHLD {...} ---" line.
	Signal
	// Exit is "+++ exited with 0 +++" or "+++ killed by SIGKILL +++".
	Exit
	// Info is a line strace writes about itself, such as
	// "strace: Process 123 attached" or "strace: Process 123 detached".
	Info
	// Stack is a -k backtrace line (" > /usr/lib/libc.so.6(getdents64+0x17) [0xd6b27]").
	Stack
	// Summary is a row of an strace -c summary table: Name is the
	// system call (or "total"), Calls and Errors its counts, Duration the
	// time spent in its calls. It is no call.
	Summary
)

// TimeKind says what Event.Time counts from.
type TimeKind uint8

// The time bases strace's options give.
const (
	// NoTime: the trace has no timestamps.
	NoTime TimeKind = iota
	// Epoch: -ttt; nanoseconds since the Unix epoch.
	Epoch
	// Clock: -t or -tt; nanoseconds since midnight of the trace's first
	// day (Options.Date, when given, makes it the epoch). A stamp smaller
	// than the previous one by more than 12 hours is taken as the next day.
	Clock
	// Relative: -r; nanoseconds since the first event, summing the deltas.
	Relative
)

// Event is one line, or one joined unfinished/resumed pair, of a trace.
type Event struct {
	Kind Kind
	// Line is the 1-based line where the event starts (the unfinished
	// line for a joined pair); ResumeLine is the resumed line, or 0.
	Line, ResumeLine int
	// ContLines are the lines on which a call line cut by strace's own
	// "strace: Process N attached" notice went on (stderr captures): one
	// for the call's start, one for its resumed part; 0 where none.
	ContLines [2]int
	// PID is from the line's prefix, or Options.PID for unprefixed lines.
	PID int
	// Comm is the process name from --decode-pids=comm ("123<ls>"), or nil.
	Comm []byte
	// Time is when the call was entered, in nanoseconds of Reader.TimeKind;
	// HasTime is false when the trace has no stamps.
	Time    int64
	HasTime bool
	// Return is the stamp of the resumed line of a joined pair (the time the
	// call returned, to the tracer's precision); HasReturn says it is set.
	Return    int64
	HasReturn bool
	// Duration is the -T time spent in the call, in nanoseconds.
	Duration    int64
	HasDuration bool

	// Name is the system call name ("getdents64"), or the signal for a
	// Signal event ("SIGCHLD").
	Name []byte
	// Args is the text between the call's parentheses; for a joined pair,
	// the unfinished part and the resumed part together.
	Args []byte
	// Ret is the raw text after " = ": "3", "-1 ENOENT (No such file or
	// directory)", "? <unavailable>" ... without the -T duration.
	Ret []byte
	// RetVal is Ret's leading number; RetOK says Ret began with one.
	RetVal int64
	RetOK  bool
	// Errno is the error name ("ENOENT", "ERESTARTSYS"), or nil.
	Errno []byte
	// Unfinished is true for a call that never returned within the trace:
	// its resumed line never came (the trace ended, or the process died).
	// Such events are delivered when the reader learns they are orphaned.
	Unfinished bool

	// Calls and Errors are a Summary row's counts.
	Calls, Errors int

	// ExitCode is the status of "+++ exited with N +++"; KilledBy is the
	// signal of "+++ killed by SIGKILL +++".
	ExitCode int
	KilledBy []byte

	// Fd is the first argument of a call that takes a file descriptor
	// (getdents64, close, read, ...) or the descriptor an open/openat/dup
	// returned; -1 when there is none.
	Fd int
	// Path is what Fd refers to: the -y/-yy decoration, else the path of the
	// open/openat that created it in this PID (close, dup, fcntl(F_DUPFD)
	// and reuse honoured), else nil.
	Path []byte

	// Dirents are the entries of a getdents or getdents64 result, in order.
	Dirents []Dirent
	// DirentCount is the number of entries returned: len(Dirents), or the
	// count of an abbreviated "/* 25 entries */" result.
	DirentCount int
	// DirentsAbbreviated is true when strace printed a count but no names
	// (no -v); "/* 25+ entries */" also sets DirentCountAtLeast.
	DirentsAbbreviated bool
	DirentCountAtLeast bool
	// DirentsTruncated is true when the array ended early: strace printed
	// "..." after the last element, or the line was cut inside it.
	// DirentCount then counts only the entries decoded.
	DirentsTruncated bool
}

// Dirent is one decoded directory entry.
type Dirent struct {
	// Name is unescaped: "\"" and octal or hex escapes are resolved.
	Name []byte
	Ino  uint64
	// Type is the d_type name without its prefix ("REG", "DIR", "UNKNOWN"),
	// or nil when strace did not print one.
	Type []byte
}

// Skips counts lines the reader could not parse and locates the first.
type Skips struct {
	Count int
	// FirstLine is the 1-based line number of the first skipped line;
	// FirstText is its start, at most 200 bytes, as read.
	FirstLine int
	FirstText string
}
