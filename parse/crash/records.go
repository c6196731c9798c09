package crash

import "strings"

// Record is one of *PS, *Backtrace, *Kmem, *Struct, *Context or *Other.
type Record interface {
	// Start is the 1-based line where the record begins.
	Start() int
}

// PS is the table of a ps command.
type PS struct {
	Command string
	Line    int
	Rows    []PSRow
}

// PSRow is one task of a ps table.
type PSRow struct {
	PID, PPID int
	// CPU is -1 when crash printed "?".
	CPU int
	// Task is the task_struct address, lower-case hex without "0x".
	Task string
	// State is the ST column: "UN", "IN", "RU", "UNEX" ...
	State string
	// Active is the leading ">" (or "-" for an offline CPU) crash puts on
	// tasks running on a CPU when the dump was taken.
	Active bool
	// Mem is the %MEM column as printed; VSZ and RSS are in KiB.
	Mem      string
	VSZ, RSS int64
	// Comm is the name without the brackets crash puts around kernel
	// threads; Kernel says they were there.
	Comm   string
	Kernel bool
	Line   int
}

// Backtrace is one task's answer to bt (one of several, for foreach bt).
type Backtrace struct {
	Command string
	PID     int
	// HasPID is false when neither a "PID:" line nor the command named
	// the task (PID is then 0; in crash 0 is the idle task's PID).
	HasPID bool
	// Task is the task_struct address: the header's TASK, or the address
	// the command asked for ("bt ffff93fe9b124180").
	Task string
	// CPU is -1 when unknown.
	CPU  int
	Comm string
	// Frames are innermost first, as crash prints them.
	Frames []Frame
	// Loose are stack words seen before any frame line, as in an answer
	// trimmed to its slab annotations.
	Loose []Slab
	// Abbreviated marks a backtrace without its "PID:" line: made from
	// the "# PID" shorthand, a bt answer cut to its frames, or frames
	// under a shell prompt; PID comes from the comment or the command,
	// and Task, CPU and Comm may be unknown.
	Abbreviated bool
	// SameAs is the Line of the earlier backtrace whose frame printed the
	// same stack address as one of these frames, when the task was named
	// by it (a fragment of a bt -f answer pasted on its own); else 0.
	SameAs int
	Line   int
}

// TaskFrames returns the frames of the task's own stack: the frame
// lines below the last interrupt-stack marker ("--- <NMI exception
// stack> ---", "--- <IRQ stack> ---"), since the frames above it ran on
// the interrupt's stack. Markers are left out.
func (b *Backtrace) TaskFrames() []Frame {
	start := 0
	for i, f := range b.Frames {
		if f.Num < 0 && strings.HasSuffix(f.Marker, "stack>") {
			start = i + 1
		}
	}
	var out []Frame
	for _, f := range b.Frames[start:] {
		if f.Num >= 0 {
			out = append(out, f)
		}
	}
	return out
}

// Frame is one "#N [SP] FUNC at ADDR" line, or a "--- <...> ---" marker.
type Frame struct {
	// Num is the frame number; -1 for a marker.
	Num int
	// SP is the stack address in brackets, Addr the text address, both
	// lower-case hex without "0x".
	SP, Func, Addr string
	// Offset is the "+0x2c3" (bt -sx) or "+271" (bt -s) crash printed
	// after Func, without the "+"; empty without -s.
	Offset string
	// Module is the "[sunrpc]" suffix without brackets.
	Module string
	// Via is the "(via system_call)" note crash adds for entry stubs.
	Via string
	// Marker is the text of a "--- <IRQ stack> ---" line, without dashes.
	Marker string
	// Source is the "file.c: 51" line bt -l prints under the frame.
	Source string
	// Regs are the register block printed after the frame (exception or
	// system call entry), in order; "exception RIP" holds the
	// "[exception RIP: foo+12]" line's value.
	Regs []Field
	// Data are the slab objects bt -F/-FF found among the stack words
	// printed after this frame: its own stack frame.
	Data []Slab
	Line int
}

// Slab is a stack word bt -F or -FF annotated as pointing into a slab
// cache: "[ffff91fe2bb65b00:filp]" (-FF), or "[filp]" (-F, Addr empty).
type Slab struct {
	Addr, Cache string
	// Stack is the stack address of the data line, when printed.
	Stack string
	Line  int
}

// Kmem is the answer to "kmem ADDR": which slab object holds ADDR, or
// which symbol it is.
type Kmem struct {
	Command string
	// Query is the address asked about; for an answer without its command
	// it is empty.
	Query string
	// Symbol and Module are the answer's symbol line for a kernel or
	// module address ("ffffffffc0924100 (d) magic_mutex [smajdalf]").
	Symbol, Module string
	// Cache is the NAME column of the CACHE row, when printed.
	Cache string
	// Object is the start of the object holding Query; Allocated says it
	// was in brackets under "FREE / [ALLOCATED]".
	Object    string
	Allocated bool
	// Task is the task crash names for an object in the task_struct
	// cache, printed after the object; nil otherwise.
	Task *Context
	Line int
	// ObjectLine is the line of the object address.
	ObjectLine int
}

// Context is a task as crash summarizes it in lines of their own (kmem of
// a task_struct address, set, the session's start):
//
//	    PID: 1706
//	COMMAND: "bash"
//	   TASK: ff47e40b06683c80  [THREAD_INFO: ff47e40b06683c80]
//	    CPU: 0
//	  STATE: TASK_UNINTERRUPTIBLE
//
// or, inside a kmem answer, by a one-line "PID: ... TASK: ... COMMAND:"
// header.
type Context struct {
	PID int
	// Task is the task_struct address; CPU is -1 when not printed.
	Task  string
	CPU   int
	Comm  string
	State string
	Line  int
}

// Struct is the answer to struct, union or p: the members printed.
type Struct struct {
	Command string
	// Type is the struct name ("file"), empty when the answer came without
	// its command; Addr is the object's address.
	Type, Addr string
	// Symbol is the symbol the command named instead of an address
	// ("struct -x mutex magic_mutex").
	Symbol string
	// Inferred says Addr was not in a command but taken from the kmem
	// answer (or slab word) just before, in the "# PID" shorthand.
	Inferred bool
	Fields   []Field
	Line     int
}

// Field is one member line: "f_inode = 0xffff91fca5985500," (Name,
// Value) or, from struct -o, "[ffff91fca5985500] struct inode vfs_inode;"
// (Name, Type, and Addr when crash printed an address, Offset when it
// printed an offset), or a member of a type's definition ("atomic_t
// write_ctr;", Name and Type). Nested members are named with dots:
// "f_path.dentry", "owner.counter"; a p answer's value is named as crash
// numbers it ("$5"). Register blocks use Name and Value.
type Field struct {
	Name, Value, Type string
	Addr, Offset      string
	Line              int
}

// Other is the answer of a command the reader does not model.
type Other struct {
	Command string
	// Lines counts the lines of its answer.
	Lines int
	Line  int
}

// Start implements Record.
func (p *PS) Start() int { return p.Line }

// Start implements Record.
func (b *Backtrace) Start() int { return b.Line }

// Start implements Record.
func (k *Kmem) Start() int { return k.Line }

// Start implements Record.
func (s *Struct) Start() int { return s.Line }

// Start implements Record.
func (c *Context) Start() int { return c.Line }

// Start implements Record.
func (o *Other) Start() int { return o.Line }
