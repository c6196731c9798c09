package correlate

import (
	"bytes"
	"cmp"
	"fmt"
	"path"
	"slices"
	"strconv"

	"github.com/lagtrace/lagtrace/parse/strace"
)

// Activity summarises what each process did in a host's strace files, in
// bounded memory: per PID a few counters, its call in flight and its
// longest calls, for at most MaxProcs processes at once; per system call
// name its count and a distribution of durations; and for the whole host
// the slowest calls. Every call is attributed to the file it was read
// from (StartFile).
type Activity struct {
	procs    map[int]*Proc
	exited   []int // followed PIDs that exited, oldest first: forgotten first when full
	slow     []Call
	keepSlow int
	files    []TraceFile
	sys      map[string]*sysStat
	// tables are the rows of strace -c summary tables the traces hold,
	// at most maxSyscallNames; tablesMore counts the rest.
	tables     []SummaryRow
	tablesMore int
	dropped    ActivityDropped
	reader     strace.Dropped
}

// TraceFile is one strace file of a host as an Activity read it.
type TraceFile struct {
	Name string
	// TimeKind is what the file's stamps count from.
	TimeKind strace.TimeKind
	// First and Last are its earliest and latest stamps (entry and return
	// stamps alike), HasTime false when it has none.
	First, Last int64
	HasTime     bool
	// Calls counts its system calls (an unfinished/resumed pair once).
	Calls int
	// Back is where its stamps first went back by more than a second:
	// several traces concatenated, most likely.
	Back *Backstep
	// watch finds Back as the file is read.
	watch stampWatch
}

// Backstep is a place where a trace's stamps go back in time.
type Backstep struct {
	Line int
	// By is how far back, in nanoseconds.
	By int64
}

// stampWatch finds the first place a trace's stamps go back by more than a
// second. It looks only at the stamp of the line an event is delivered at:
// a joined unfinished/resumed pair arrives at its resumed line, dated by
// its (earlier) entry, and an orphaned call arrives when the reader learns
// it is one.
type stampWatch struct {
	latest int64
	seen   bool
	back   *Backstep
}

func (w *stampWatch) see(ev *strace.Event) {
	var t int64
	switch {
	case ev.HasReturn:
		t = ev.Return
	case ev.HasTime && !ev.Unfinished:
		t = ev.Time
	default:
		return
	}
	if w.seen && t < w.latest-1e9 && w.back == nil {
		line := ev.Line
		if ev.ResumeLine > 0 {
			line = ev.ResumeLine
		}
		w.back = &Backstep{Line: line, By: w.latest - t}
	}
	if !w.seen || t > w.latest {
		w.latest, w.seen = t, true
	}
}

// MaxProcs is how many processes an Activity follows at once. Past it,
// exited processes are forgotten first; when none has exited, a new
// process is not followed (its events are counted, its unfinished call
// too, and its calls of known duration still rank among the slowest).
const MaxProcs = 1 << 14

// keepLong is how many of its longest calls each process keeps, for the
// report's task stories.
const keepLong = 3

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

// Proc is one process (or thread: strace -f follows tasks) seen in a trace.
type Proc struct {
	PID int
	// TGID is the process a thread belongs to, when the trace shows the
	// clone(CLONE_THREAD) that made it; 0 otherwise.
	TGID int
	Comm string
	// File is the strace file its first event was read from.
	File string
	// First and Last are the first and last stamps of its events.
	First, Last int64
	Calls       int
	// InFlight is the call it was inside when the trace ended, if any.
	InFlight *Call
	// Long are its longest finished calls of MinSlowCall or more, longest
	// first, at most keepLong.
	Long []Call
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
	file  string
}

// Call is one system call worth reporting.
type Call struct {
	PID  int
	Name string
	// Args is the start of the arguments, at most 120 bytes.
	Args string
	// Path is the file the descriptor argument refers to (strace -y or
	// the open that created it).
	Path string
	// File and Line locate the call: the strace file and the line it
	// starts on.
	File string
	Line int
	// Entry is when the call was entered, valid only with HasEntry: a call
	// whose start is not in the trace (a resumed line alone) has none,
	// unless -T gave its duration.
	Entry    int64
	HasEntry bool
	// Duration is how long it took; for a call still in flight, how long
	// it had been running when its trace ended.
	Duration   int64
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
	return &Activity{procs: map[int]*Proc{}, keepSlow: keepSlow, sys: map[string]*sysStat{}}
}

// StartFile says the events that follow are read from the strace file
// name, until the next StartFile.
func (a *Activity) StartFile(name string) {
	a.files = append(a.files, TraceFile{Name: name})
}

// EndFile records what the current file's stamps count from.
func (a *Activity) EndFile(k strace.TimeKind) {
	f := a.file()
	f.TimeKind = k
	f.Back = f.watch.back
}

// file is the file being read; events before any StartFile go to an
// unnamed one.
func (a *Activity) file() *TraceFile {
	if len(a.files) == 0 {
		a.files = append(a.files, TraceFile{})
	}
	return &a.files[len(a.files)-1]
}

// Files returns the strace files read, in order.
func (a *Activity) Files() []TraceFile {
	out := slices.Clone(a.files)
	for i := range out {
		out[i].watch = stampWatch{}
	}
	return out
}

// Add takes the next event of the trace.
func (a *Activity) Add(ev *strace.Event) {
	f := a.file()
	if ev.Kind == strace.Summary {
		a.addSummary(f.Name, ev)
		return
	}
	f.watch.see(ev)
	end, dated := ev.Time, ev.HasTime
	if ev.HasReturn {
		end, dated = ev.Return, true
	}
	if dated {
		start := end
		if ev.HasTime {
			start = ev.Time
		}
		if !f.HasTime {
			f.First, f.Last, f.HasTime = start, end, true
		}
		f.First, f.Last = min(f.First, start), max(f.Last, end)
	}
	if ev.Kind == strace.Call {
		f.Calls++
	}
	p := a.procs[ev.PID]
	if p == nil {
		if p = a.follow(ev.PID, ev.Time); p == nil {
			a.untracked(ev)
			return
		}
		p.File = f.Name
	}
	if dated {
		p.Last = max(p.Last, end)
	}
	if ev.Comm != nil && p.Comm == "" {
		p.Comm = string(ev.Comm)
	}
	if p.hasPending && ev.HasTime {
		p.hasPending = false
		d := ev.Time - p.pending.entry
		a.stat(p.pName).add(d, true)
		if d >= MinSlowCall {
			a.keep(p, Call{PID: p.PID, Name: string(p.pName), Args: string(p.pArgs), Path: string(p.pPath),
				File: p.pending.file, Line: p.pending.line, Entry: p.pending.entry, HasEntry: true, Duration: d, UntilNext: true})
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
	st := a.stat(ev.Name)
	st.count++
	a.noteThread(p, ev)
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
	case ev.HasReturn && ev.HasTime:
		d = ev.Return - ev.Time
	case ev.HasTime && !ev.HasReturn:
		// Dated by the process's next event; copy into reused buffers so
		// that the common case allocates nothing.
		p.pending = pendingActivity{entry: ev.Time, line: ev.Line, file: f.Name}
		p.pName = append(p.pName[:0], ev.Name...)
		p.pArgs = append(p.pArgs[:0], ev.Args[:min(len(ev.Args), 120)]...)
		p.pPath = append(p.pPath[:0], ev.Path...)
		p.hasPending = true
		return
	default:
		// A resumed line alone, without -T: how long it took is unknown.
		return
	}
	st.add(d, false)
	if d >= MinSlowCall {
		a.keep(p, a.call(ev, d))
	}
}

// noteThread records the threads a process makes: clone and clone3 with
// CLONE_THREAD return the new task's TID in the parent.
func (a *Activity) noteThread(p *Proc, ev *strace.Event) {
	name := string(ev.Name)
	if name != "clone" && name != "clone3" || !ev.RetOK || ev.RetVal <= 0 || ev.RetVal > 1<<31 {
		return
	}
	if !bytes.Contains(ev.Args, []byte("CLONE_THREAD")) {
		return
	}
	tid := int(ev.RetVal)
	t := a.procs[tid]
	if t == nil {
		if t = a.follow(tid, ev.Time); t == nil {
			return
		}
		t.File = p.File
	}
	t.TGID = p.PID
	if p.TGID != 0 {
		t.TGID = p.TGID
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
// still counts in the per-syscall table, and one of known duration still
// competes for the slowest.
func (a *Activity) untracked(ev *strace.Event) {
	a.dropped.Events++
	if ev.Kind != strace.Call {
		return
	}
	st := a.stat(ev.Name)
	st.count++
	var d int64
	switch {
	case ev.Unfinished:
		a.dropped.InFlight++
		return
	case ev.HasDuration:
		d = ev.Duration
	case ev.HasReturn && ev.HasTime:
		d = ev.Return - ev.Time
	default:
		return
	}
	st.add(d, false)
	if d >= MinSlowCall {
		a.keep(nil, a.call(ev, d))
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

// keep inserts c among the slowest calls of the host, if it is one, and
// among the longest of its process p (nil for a process not followed).
func (a *Activity) keep(p *Proc, c Call) {
	if p != nil {
		p.Long = insertSlow(p.Long, c, keepLong)
	}
	a.slow = insertSlow(a.slow, c, a.keepSlow)
}

// insertSlow inserts c into calls, longest first, keeping at most n.
func insertSlow(calls []Call, c Call, n int) []Call {
	if n == 0 || len(calls) == n && c.Duration <= calls[len(calls)-1].Duration {
		return calls
	}
	i, _ := slices.BinarySearchFunc(calls, c.Duration, func(x Call, d int64) int { return cmp.Compare(d, x.Duration) })
	calls = slices.Insert(calls, i, c)
	if len(calls) > n {
		calls = calls[:n]
	}
	return calls
}

func (a *Activity) call(ev *strace.Event, d int64) Call {
	args := ev.Args
	if len(args) > 120 {
		args = args[:120]
	}
	c := Call{PID: ev.PID, Name: string(ev.Name), Args: string(args), Path: string(ev.Path), File: a.file().Name,
		Line: ev.Line, Entry: ev.Time, HasEntry: ev.HasTime, Duration: d}
	if !ev.HasTime && ev.HasReturn && ev.HasDuration {
		// A resumed line alone: -T says when it started.
		c.Entry, c.HasEntry = ev.Return-ev.Duration, true
	}
	return c
}

// Procs returns the processes in PID order, with in-flight durations
// measured to the end of their trace.
func (a *Activity) Procs() []Proc {
	ends := map[string]int64{}
	for _, f := range a.files {
		ends[f.Name] = f.Last
	}
	out := make([]Proc, 0, len(a.procs))
	for _, p := range a.procs {
		q := *p
		q.pName, q.pArgs, q.pPath, q.hasPending = nil, nil, nil, false
		q.Long = slices.Clone(p.Long)
		if q.InFlight != nil {
			c := *q.InFlight
			if c.HasEntry {
				c.Duration = ends[c.File] - c.Entry
			}
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
