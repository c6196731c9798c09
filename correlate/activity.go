package correlate

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strconv"

	"github.com/lagtrace/lagtrace/parse/strace"
)

// Activity summarises what each process did in one strace, in bounded
// memory: per PID a few counters and its call in flight, for at most
// MaxProcs processes at once, and for the whole trace the slowest calls.
type Activity struct {
	procs    map[int]*Proc
	exited   []int // followed PIDs that exited, oldest first: forgotten first when full
	slow     []Call
	keepSlow int
	timeKind strace.TimeKind
	first    int64
	last     int64
	hasTime  bool
	dropped  ActivityDropped
	reader   strace.Dropped
}

// MaxProcs is how many processes an Activity follows at once. Past it,
// exited processes are forgotten first; when none has exited, a new
// process is not followed (its events are counted, its unfinished call
// too, and its calls of known duration still rank among the slowest).
const MaxProcs = 1 << 14

// ActivityDropped counts what an Activity stopped following.
type ActivityDropped struct {
	// Procs is how many exited processes were forgotten.
	Procs int
	// Events is how many events of processes not followed were seen.
	Events int
	// InFlight is how many calls in flight at the end of the trace (or
	// when their process died) belong to processes not followed.
	InFlight int
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
	end := ev.Time
	if ev.HasReturn {
		end = ev.Return
	}
	if ev.HasTime {
		if !a.hasTime {
			a.first, a.last, a.hasTime = ev.Time, end, true
		}
		a.first, a.last = min(a.first, ev.Time), max(a.last, end)
	}
	p := a.procs[ev.PID]
	if p == nil {
		if p = a.follow(ev.PID, ev.Time); p == nil {
			a.untracked(ev)
			return
		}
	}
	if ev.HasTime {
		p.Last = max(p.Last, end)
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
		if p.Exit == "" {
			a.exited = append(a.exited, p.PID)
		}
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

// follow starts following pid, forgetting exited processes if MaxProcs
// are followed already; nil when every followed process is alive.
func (a *Activity) follow(pid int, t int64) *Proc {
	for len(a.procs) >= MaxProcs && len(a.exited) > 0 {
		old := a.exited[0]
		a.exited = a.exited[1:]
		if q := a.procs[old]; q != nil && q.Exit != "" {
			if q.InFlight != nil {
				a.dropped.InFlight++
			}
			delete(a.procs, old)
			a.dropped.Procs++
		}
	}
	if len(a.procs) >= MaxProcs {
		return nil
	}
	p := &Proc{PID: pid, First: t}
	a.procs[pid] = p
	return p
}

// untracked counts an event of a process that is not followed; its call
// of known duration still competes for the slowest.
func (a *Activity) untracked(ev *strace.Event) {
	a.dropped.Events++
	if ev.Kind != strace.Call {
		return
	}
	switch {
	case ev.Unfinished:
		a.dropped.InFlight++
	case ev.HasDuration && ev.Duration >= MinSlowCall:
		a.keep(a.call(ev, ev.Duration))
	case ev.HasReturn && ev.Return-ev.Time >= MinSlowCall:
		a.keep(a.call(ev, ev.Return-ev.Time))
	}
}

// NoteReader records what the strace reader of one of the host's files
// stopped following (see strace.Dropped), for the report's warnings.
func (a *Activity) NoteReader(d strace.Dropped) {
	a.reader.Unjoined += d.Unjoined
	a.reader.FdTables += d.FdTables
}

// Dropped counts what was not followed, to bound memory.
func (a *Activity) Dropped() ActivityDropped { return a.dropped }

// InFlight returns the calls still running when the trace ended (or when
// their process died) of the processes followed, the max longest-running
// ones in PID order, and how many more there were, followed or not.
func (a *Activity) InFlight(max int) (calls []Call, more int) {
	for _, p := range a.Procs() {
		if p.InFlight != nil {
			calls = append(calls, *p.InFlight)
		}
	}
	more = a.dropped.InFlight
	if max > 0 && len(calls) > max {
		more += len(calls) - max
		slices.SortStableFunc(calls, func(x, y Call) int { return cmp.Compare(x.Entry, y.Entry) })
		calls = calls[:max]
		slices.SortStableFunc(calls, func(x, y Call) int { return x.PID - y.PID })
	}
	return calls, more
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

// activityWarnings says what a host's report leaves out of its strace.
func activityWarnings(label string, hr HostReport, a *Activity) []string {
	d := struct {
		ActivityDropped
		strace.Dropped
	}{a.dropped, a.reader}
	var out []string
	if hr.InFlightMore > 0 {
		out = append(out, fmt.Sprintf("%s: ... and %s more processes with an unfinished call (the %d longest-running are shown)", label, thousands(hr.InFlightMore), len(hr.InFlight)))
	}
	if d.Unjoined > 0 {
		out = append(out, fmt.Sprintf("%s: %s unfinished calls were reported before their resumed line came, %s being held already (to bound memory); their resumed lines count as calls without a start", label, thousands(d.Unjoined), thousands(strace.DefaultMaxPending)))
	}
	if d.FdTables > 0 {
		out = append(out, fmt.Sprintf("%s: the descriptors of some processes were not followed (%s times), their calls' paths are only what -y printed", label, thousands(d.FdTables)))
	}
	if d.Events > 0 {
		out = append(out, fmt.Sprintf("%s: %s events of processes beyond the %s followed at once were only counted, to bound memory (%s exited processes were forgotten)", label, thousands(d.Events), thousands(MaxProcs), thousands(d.Procs)))
	}
	return out
}

// thousands writes n with comma separators: 3,999,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
