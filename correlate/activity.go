package correlate

import (
	"cmp"
	"path"
	"slices"
	"strconv"

	"github.com/lagtrace/lagtrace/parse/strace"
)

// Activity summarises what each process did in one strace, in bounded
// memory: per PID a few counters and its call in flight, and for the whole
// trace the slowest calls.
type Activity struct {
	procs    map[int]*Proc
	slow     []Call
	keepSlow int
	timeKind strace.TimeKind
	first    int64
	last     int64
	hasTime  bool
}

// Proc is one process seen in a trace.
type Proc struct {
	PID  int
	Comm string
	// First and Last are the first and last stamps of its events.
	First, Last int64
	Calls       int
	// InFlight is the call it was inside when the trace ended, if any.
	InFlight *Call
	// Exit is "exited with 0", "killed by SIGKILL", or "".
	Exit string

	// pending is the last call whose return was not printed, dated when
	// the process's next event comes; its bytes live in reused buffers.
	pending             pendingActivity
	hasPending          bool
	pName, pArgs, pPath []byte
}

type pendingActivity struct {
	entry int64
	line  int
}

// Call is one system call worth reporting.
type Call struct {
	PID  int
	Name string
	// Args is the start of the arguments, at most 120 bytes.
	Args string
	// Path is the file the descriptor argument refers to (strace -y or
	// the open that created it).
	Path  string
	Entry int64
	// Duration is how long it took; for a call still in flight, how long
	// it had been running when the trace ended.
	Duration   int64
	Line       int
	Unfinished bool
	// UntilNext is true when strace printed no return time (no -T, no
	// resumed line) and Duration runs to the process's next event: an
	// upper bound that includes the time the process spent in user space.
	UntilNext bool
}

// MinSlowCall is the shortest call Activity reports as slow.
const MinSlowCall = int64(100e6) // 100 ms

// NewActivity returns an Activity that keeps the keepSlow slowest calls.
func NewActivity(keepSlow int) *Activity {
	return &Activity{procs: map[int]*Proc{}, keepSlow: keepSlow}
}

// SetTimeKind records what the stamps count from.
func (a *Activity) SetTimeKind(k strace.TimeKind) { a.timeKind = k }

// TimeKind is what the stamps count from.
func (a *Activity) TimeKind() strace.TimeKind { return a.timeKind }

// Span is the first and last stamp in the trace.
func (a *Activity) Span() (first, last int64, ok bool) { return a.first, a.last, a.hasTime }

// Add takes the next event of the trace.
func (a *Activity) Add(ev *strace.Event) {
	p := a.procs[ev.PID]
	if p == nil {
		p = &Proc{PID: ev.PID, First: ev.Time}
		a.procs[ev.PID] = p
	}
	end := ev.Time
	if ev.HasReturn {
		end = ev.Return
	}
	if ev.HasTime {
		p.Last = max(p.Last, end)
		if !a.hasTime {
			a.first, a.last, a.hasTime = ev.Time, end, true
		}
		a.first, a.last = min(a.first, ev.Time), max(a.last, end)
	}
	if ev.Comm != nil && p.Comm == "" {
		p.Comm = string(ev.Comm)
	}
	if p.hasPending && ev.HasTime {
		p.hasPending = false
		if d := ev.Time - p.pending.entry; d >= MinSlowCall {
			a.keep(Call{PID: p.PID, Name: string(p.pName), Args: string(p.pArgs), Path: string(p.pPath),
				Entry: p.pending.entry, Duration: d, Line: p.pending.line, UntilNext: true})
		}
	}
	switch ev.Kind {
	case strace.Exit:
		if ev.KilledBy != nil {
			p.Exit = "killed by " + string(ev.KilledBy)
		} else {
			p.Exit = "exited with " + strconv.Itoa(ev.ExitCode)
		}
		return
	case strace.Call:
	default:
		return
	}
	p.Calls++
	if string(ev.Name) == "execve" && ev.RetOK && ev.RetVal == 0 {
		p.Comm = execName(ev.Args)
	}
	if ev.Unfinished {
		c := a.call(ev, 0)
		c.Unfinished = true
		p.InFlight = &c
		return
	}
	var d int64
	switch {
	case ev.HasDuration:
		d = ev.Duration
	case ev.HasReturn:
		d = ev.Return - ev.Time
	case ev.HasTime:
		// Dated by the process's next event; copy into reused buffers so
		// that the common case allocates nothing.
		p.pending = pendingActivity{entry: ev.Time, line: ev.Line}
		p.pName = append(p.pName[:0], ev.Name...)
		p.pArgs = append(p.pArgs[:0], ev.Args[:min(len(ev.Args), 120)]...)
		p.pPath = append(p.pPath[:0], ev.Path...)
		p.hasPending = true
		return
	default:
		return
	}
	if d >= MinSlowCall {
		a.keep(a.call(ev, d))
	}
}

// keep inserts c among the slowest calls, if it is one.
func (a *Activity) keep(c Call) {
	if a.keepSlow == 0 || len(a.slow) == a.keepSlow && c.Duration <= a.slow[len(a.slow)-1].Duration {
		return
	}
	i, _ := slices.BinarySearchFunc(a.slow, c.Duration, func(x Call, d int64) int { return cmp.Compare(d, x.Duration) })
	a.slow = slices.Insert(a.slow, i, c)
	if len(a.slow) > a.keepSlow {
		a.slow = a.slow[:a.keepSlow]
	}
}

func (a *Activity) call(ev *strace.Event, d int64) Call {
	args := ev.Args
	if len(args) > 120 {
		args = args[:120]
	}
	return Call{PID: ev.PID, Name: string(ev.Name), Args: string(args), Path: string(ev.Path), Entry: ev.Time, Duration: d, Line: ev.Line}
}

// Procs returns the processes in PID order, with in-flight durations
// measured to the end of the trace.
func (a *Activity) Procs() []Proc {
	out := make([]Proc, 0, len(a.procs))
	for _, p := range a.procs {
		q := *p
		q.pName, q.pArgs, q.pPath, q.hasPending = nil, nil, nil, false
		if q.InFlight != nil {
			c := *q.InFlight
			c.Duration = a.last - c.Entry
			q.InFlight = &c
		}
		out = append(out, q)
	}
	slices.SortFunc(out, func(x, y Proc) int { return x.PID - y.PID })
	return out
}

// Slow returns the slowest finished calls, slowest first.
func (a *Activity) Slow() []Call { return slices.Clone(a.slow) }

// execName takes the program's base name from execve's first argument.
func execName(args []byte) string {
	// execve("/usr/bin/ls", ["ls", ...], ...): the quoted path comes first.
	if len(args) < 2 || args[0] != '"' {
		return ""
	}
	end := 1
	for end < len(args) && args[end] != '"' {
		if args[end] == '\\' {
			end++
		}
		end++
	}
	if end > len(args) {
		end = len(args)
	}
	return path.Base(string(args[1:end]))
}
