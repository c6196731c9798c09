package correlate

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/kernel"
	"github.com/lagtrace/lagtrace/correlate/locks"
	"github.com/lagtrace/lagtrace/internal/paste"
	"github.com/lagtrace/lagtrace/parse/dmesg"
	"github.com/lagtrace/lagtrace/parse/procstack"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// Skips says what a reader could not parse: how many lines, and the first
// one, located.
type Skips struct {
	Count     int
	FirstLine int
	FirstText string
	// Paste says what the reader removed of a pasted text's decorations
	// (mail quoting, indentation, fences, prompts, cut lines) and how many
	// lines were no log text at all.
	Paste paste.Report
	// Notes say what else the reader recognised that is not the format's
	// records: "an strace -c summary table (12 rows) at B.txt:5: counts
	// and totals per syscall, not calls".
	Notes []string
}

// The kinds of source, as SourceFile.Kind and locks.Task.Kind name them.
const (
	KindStrace    = "strace"
	KindDmesg     = "dmesg"
	KindProcStack = "procstack"
	KindCrash     = "crash"
)

// ReadDmesg reads a kernel log into h: its task dumps as observations, its
// blocker lines, its dated records as timeline events, and, from lines that
// carry both clocks, the anchor of the boot clock on the wall clock. Local
// wall stamps (dmesg -T, syslog) are read in h.Zone. Records an earlier
// kernel log of the host holds too (dmesg -T beside dmesg) are not counted
// again: each pair of them relates the two files' clocks.
func (h *HostInput) ReadDmesg(r io.Reader, name string) (Skips, error) {
	h.Files = append(h.Files, SourceFile{Path: name, Kind: KindDmesg})
	ev := h.evidence()
	dr := dmesg.NewReader(r, dmesg.Options{Name: name, MaxLine: h.MaxLine, Reuse: true})
	var both, pairs anchorEstimate
	m := h.newPrintMatcher(&pairs)
	own := &kernelPrint{name: name}
	records, shared := 0, 0
	firstMono := -1 // whether this file's first record has the boot clock
	for dr.Next() {
		rec := dr.Record()
		h.scrub(rec)
		h.localize(&rec.Time, name)
		records++
		pr := newPrintRec(rec)
		if firstMono < 0 {
			firstMono = 0
			if pr.hasMono {
				firstMono = 1
			}
		}
		if len(own.recs) < maxPrints && h.printed < maxHostPrints {
			own.recs = append(own.recs, pr)
			h.printed++
		}
		if pr.hasMono && pr.hasWall {
			both.add(pr.mono, pr.wall, pr.wallRes, pr.wallKind)
		}
		if m.match(pr) {
			shared++
			continue
		}
		h.addDmesgRecord(ev, rec, name)
	}
	if err := dr.Err(); err != nil {
		return Skips{}, err
	}
	h.prints = append(h.prints, own)
	f := &h.Files[len(h.Files)-1]
	f.Records = records
	if shared > 0 {
		best := 0
		for i := range m.prints {
			if m.matched[i] > m.matched[best] {
				best = i
			}
		}
		f.SameAs, f.Shared = m.prints[best].name, shared
		boot, wall := m.prints[best].name, name
		if firstMono == 1 {
			boot, wall = name, m.prints[best].name
		}
		h.offerAnchor(pairs.anchor(fmt.Sprintf("the same %d records in %s (seconds since boot) and %s (%s)", pairs.n, boot, wall, h.localWallWord(pairs.kinds))), localKinds(pairs.kinds))
	}
	h.offerAnchor(both.anchor(fmt.Sprintf("%d kernel lines carrying both clocks (%s)", both.n, strings.Join(both.kinds, ", "))), localKinds(both.kinds))
	sk := dr.Skipped()
	f.Paste = dr.Paste().Names()
	return Skips{Count: sk.Count, FirstLine: sk.FirstLine, FirstText: sk.FirstText, Paste: dr.Paste()}, nil
}

// localWallWord says how a wall clock was read: "ctime, read in UTC".
func (h *HostInput) localWallWord(kinds []string) string {
	if !localKinds(kinds) {
		return strings.Join(kinds, ", ") + " wall clock"
	}
	return strings.Join(kinds, ", ") + " wall clock, read in " + h.zoneName()
}

// localKinds reports whether a wall clock of these kinds prints local time.
func localKinds(kinds []string) bool {
	return slices.ContainsFunc(kinds, func(k string) bool {
		return k == dmesg.Ctime.String() || k == dmesg.Syslog.String()
	})
}

// offerAnchor keeps a, if h has no anchor yet or a is tighter; local says
// a was read from a local-time clock.
func (h *HostInput) offerAnchor(a *Anchor, local bool) {
	if a != nil && (h.Anchor == nil || a.Uncertainty < h.Anchor.Uncertainty) {
		a.Local = local
		h.Anchor = a
	}
}

// addDmesgRecord takes one record of a kernel log into the evidence, the
// sightings and the timeline.
func (h *HostInput) addDmesgRecord(ev *locks.Evidence, rec *dmesg.Record, name string) {
	src := name + ":" + strconv.Itoa(rec.Line)
	if e, ok := dmesgEvent(rec, src); ok {
		h.events.add(e)
	}
	clock, at := stampTime(rec.Time)
	switch rec.Kind {
	case dmesg.KindTask:
		t := rec.Task
		lt := locks.Task{PID: t.PID, NoPID: t.NoPID, Comm: t.Comm, State: t.State, Kind: KindDmesg, Hung: t.Hung, Source: src,
			Frames: h.dmesgFrames(t.Frames), Time: at, Clock: clock, Blocked: float64(t.BlockedFor), AddrBits: addrBits(t.Frames)}
		if t.NoPID {
			// A stack the text names no task for is known by its
			// place: the line of its first frame.
			lt.Source = name + ":" + strconv.Itoa(max(t.StackLine, rec.Line))
			ev.AddTask(lt)
			return
		}
		ev.AddTask(lt)
		o := observation{clock: clock, at: at, hung: t.Hung, tgid: t.TGID}
		if t.Hung {
			o.blocked = float64(t.BlockedFor)
		}
		h.see(t.PID, KindDmesg, src, o)
	case dmesg.KindBlocker:
		b := rec.Blocker
		cb := locks.Blocker{PID: b.PID, Comm: b.Comm, Lock: b.Lock, Mode: roleMode(b.Role), Source: src, Time: at, Clock: clock}
		if b.OwnerFound {
			cb.OwnerPID, cb.OwnerComm, cb.OwnerMode = b.OwnerPID, b.OwnerComm, roleMode(b.OwnerRole)
		}
		ev.AddBlocker(cb)
		h.see(b.PID, KindDmesg, src, observation{clock: clock, at: at})
		if cb.OwnerPID != 0 {
			h.see(cb.OwnerPID, KindDmesg, src, observation{clock: clock, at: at})
		}
	case dmesg.KindHeldLocks:
		hl := rec.Locks
		held := locks.Held{PID: hl.PID, Comm: hl.Comm, Source: src, Time: at, Clock: clock}
		for i, l := range hl.Locks {
			// decode_stacktrace.sh prints an entry once per inlined
			// function of its acquire site ("at: rcu_lock_acquire
			// ... [inline]"), then once with the real function: the
			// last line of each index is the entry.
			if l.Released || i+1 < len(hl.Locks) && hl.Locks[i+1].Index == l.Index {
				continue
			}
			held.Locks = append(held.Locks, heldLock(l))
		}
		ev.AddHeld(held)
	case dmesg.KindLockdep:
		w := rec.Lockdep
		a := locks.Acquire{PID: w.PID, Comm: w.Comm, Title: w.Title, Lock: heldLock(w.Acquire), Source: src, Time: at, Clock: clock}
		if w.HasHeld {
			l := heldLock(w.Held)
			a.Held = &l
		}
		ev.AddAcquire(a)
		h.see(w.PID, KindDmesg, src, observation{clock: clock, at: at})
	}
}

func heldLock(l dmesg.Lock) locks.HeldLock {
	return locks.HeldLock{Addr: l.Instance, Class: l.Class, At: kernel.FuncName(l.At.Func)}
}

// stampTime is the clock and time of a kernel log line: the kernel's own
// seconds since boot when the line has them, else its wall-clock prefix.
func stampTime(st dmesg.Stamp) (string, float64) {
	switch {
	case st.HasMono:
		return locks.ClockBoot, st.Mono.Seconds()
	case st.WallKind != dmesg.NoWall && !(st.WallKind == dmesg.Syslog && st.Wall.Year() < 1971):
		return locks.ClockWall, float64(st.Wall.UnixNano()) / 1e9
	}
	return "", 0
}

// evidence returns the host's lock evidence, made on first use.
func (h *HostInput) evidence() *locks.Evidence {
	if h.Locks == nil {
		h.Locks = locks.NewEvidence()
	}
	return h.Locks
}

// Sighting counts the observations of one task in one kind of source.
type Sighting struct {
	Count int
	// Reports counts hung-task reports among them.
	Reports int
	// First locates the first observation.
	First string
	// TGID is the process of a thread, when the source says (a 6.x task
	// line's tgid); 0 otherwise.
	TGID int
	// Spans are when the task was observed stuck, per clock ("boot",
	// "wall"): from the earliest moment a report says it was blocked
	// since (its time minus the seconds it gives), to the last
	// observation.
	Spans map[string]Span
	// FirstReport is the first hung-task report of the task, if any.
	FirstReport *HungReport
}

// Span is an interval on one clock, in seconds.
type Span struct{ From, To float64 }

// HungReport is one hung-task report: when (on Clock) and for how many
// seconds it said the task had been blocked.
type HungReport struct {
	Clock   string
	At      float64
	Blocked float64
	Source  string
}

// observation is what one sighting says of a task's time and state.
type observation struct {
	clock   string
	at      float64
	blocked float64
	hung    bool
	tgid    int
}

// see counts an observation of pid for the report's task stories.
func (h *HostInput) see(pid int, kind, src string, o observation) {
	if h.Seen == nil {
		h.Seen = map[int]map[string]*Sighting{}
	}
	m := h.Seen[pid]
	if m == nil {
		m = map[string]*Sighting{}
		h.Seen[pid] = m
	}
	s := m[kind]
	if s == nil {
		s = &Sighting{First: src}
		m[kind] = s
	}
	s.Count++
	if o.tgid != 0 && o.tgid != pid {
		s.TGID = o.tgid
	}
	if o.hung {
		s.Reports++
		if s.FirstReport == nil && o.clock != "" {
			s.FirstReport = &HungReport{Clock: o.clock, At: o.at, Blocked: o.blocked, Source: src}
		}
	}
	if o.clock == "" {
		return
	}
	if s.Spans == nil {
		s.Spans = map[string]Span{}
	}
	from := o.at - o.blocked
	sp, ok := s.Spans[o.clock]
	if !ok {
		sp = Span{From: from, To: o.at}
	}
	sp.From, sp.To = min(sp.From, from), max(sp.To, o.at)
	s.Spans[o.clock] = sp
}

// ReadProcStack reads /proc/PID/stack snapshots into h. pid is the task a
// file of one stack belongs to when the text does not say (the file was
// proc/PID/stack in a bundle), else 0.
func (h *HostInput) ReadProcStack(r io.Reader, name string, pid int) (Skips, error) {
	h.Files = append(h.Files, SourceFile{Path: name, Kind: KindProcStack})
	ev := h.evidence()
	pr := procstack.NewReader(r, procstack.Options{Name: name, PID: pid, MaxLine: h.MaxLine})
	for pr.Next() {
		s := pr.Sample()
		h.scrub(s)
		t := locks.Task{
			PID: s.PID, NoPID: !s.HasPID, Comm: s.Comm, State: s.State, Kind: KindProcStack,
			Source: name + ":" + strconv.Itoa(s.Line),
		}
		for _, fr := range s.Frames {
			t.Frames = append(t.Frames, fr.Func)
		}
		if s.HasTime {
			// Samples taken in one pass of a capture loop share its stamp.
			t.Snapshot = name + "@" + strconv.FormatInt(s.Time, 10)
			t.Time, t.Clock = float64(s.Time)/1e9, locks.ClockWall
		}
		ev.AddTask(t)
		if !t.NoPID {
			h.see(s.PID, KindProcStack, t.Source, observation{clock: t.Clock, at: t.Time})
		}
		if s.HasTime && len(s.Frames) > 0 {
			what := "stack sample: in " + kernel.FuncName(s.Frames[0].Func)
			h.events.add(TimedEvent{Clock: Wall, Time: float64(s.Time) / 1e9, PID: s.PID, Comm: s.Comm, Kind: what,
				What: what, Source: t.Source})
		}
	}
	if err := pr.Err(); err != nil {
		return Skips{}, err
	}
	sk := pr.Skipped()
	h.Files[len(h.Files)-1].Paste = pr.Paste().Names()
	return Skips{Count: sk.Count, FirstLine: sk.FirstLine, FirstText: sk.FirstText, Paste: pr.Paste()}, nil
}

// ReadStrace reads a strace capture into h's listing and activity, which
// the first capture of the host creates with opts. pid is the process of
// an strace -ff file (out.1234) when its lines carry none, else 0. Every
// listing and call is attributed to name; -t/-tt stamps stay times of day
// until the report dates them.
func (h *HostInput) ReadStrace(r io.Reader, name string, pid int, opts ListingOptions) (Skips, error) {
	h.Files = append(h.Files, SourceFile{Path: name, Kind: KindStrace})
	if h.Listing == nil {
		h.Listing = NewListing(opts)
		h.Activity = NewActivity(10)
	}
	h.Listing.SetFile(name)
	h.Activity.StartFile(name)
	// A trace without PIDs (strace without -f, to a terminal or -o) is
	// one process the trace does not name: its own negative PID keeps it
	// apart from the host's other such traces until the report joins it
	// to a task (by command name and time).
	unnamed := -len(h.Activity.Files())
	sr := strace.NewReader(r, strace.Options{Name: name, PID: pid, MaxLine: h.MaxLine})
	for sr.Next() {
		ev := sr.Event()
		h.scrub(ev)
		if ev.PID == 0 {
			ev.PID = unnamed
		}
		h.Listing.Add(ev)
		h.Activity.Add(ev)
	}
	h.Listing.SetTimeKind(sr.TimeKind())
	h.Activity.EndFile(sr.TimeKind())
	h.Activity.NoteReader(sr.Dropped())
	if sr.TimeKind() == strace.Clock {
		h.noteLocal(name)
	}
	if err := sr.Err(); err != nil {
		return Skips{}, err
	}
	sk := sr.Skipped()
	h.Files[len(h.Files)-1].Paste = sr.Paste().Names()
	out := Skips{Count: sk.Count, FirstLine: sk.FirstLine, FirstText: sk.FirstText, Paste: sr.Paste()}
	if s := sr.Summaries(); s.Tables > 0 {
		what := "an strace -c summary table"
		if s.Tables > 1 {
			what = fmt.Sprintf("%d strace -c summary tables", s.Tables)
		}
		out.Notes = append(out.Notes, fmt.Sprintf("%s (%d rows, the first at %s:%d): counts and times per syscall, not calls; read as such, not as a trace", what, s.Rows, name, s.FirstLine))
	}
	return out, nil
}

// dmesgFrames are the functions of a printed stack that say where the task
// is. "? " frames are stale addresses the unwinder found on the stack: they
// are left out, unless every frame is one (fuzzing consoles and some
// unwinders mark them all so), when they are all there is. An "[inline]"
// frame of decode_stacktrace.sh was inlined into the next real frame: it is
// kept, marked " [inline]", because it says what that frame was doing
// (__folio_lock inlined into __filemap_get_folio takes a page lock), but it
// is never where the task sleeps.
func (h *HostInput) dmesgFrames(frames []dmesg.Frame) []string {
	reliable := slices.ContainsFunc(frames, func(f dmesg.Frame) bool { return !f.Unreliable && !f.Inline })
	// The names go into h.frames, reused from stack to stack: the
	// evidence keeps a copy of a stack only the first time it sees it.
	out := h.frames[:0]
	for _, f := range frames {
		switch {
		case reliable && f.Unreliable:
			continue
		case f.Inline:
			out = append(out, f.Func+" "+locks.InlineMark)
		default:
			out = append(out, f.Func)
		}
	}
	h.frames = out
	return out
}

// addrBits is the width of the kernel pointers a stack prints, 32 or 64,
// told by how many digits they are printed with (kernels zero-pad them to
// their width: s390x kernel text lies below 4 GiB but prints 16 digits);
// 0 when none is printed (symbolized or stripped stacks).
func addrBits(frames []dmesg.Frame) int {
	for _, f := range frames {
		switch f.AddrDigits {
		case 8:
			return 32
		case 16:
			return 64
		}
	}
	return 0
}

// scrub hands a record to h.Scrub, if set, before anything is built from it.
func (h *HostInput) scrub(rec any) {
	if h.Scrub != nil {
		h.Scrub(rec)
	}
}

// roleMode maps the kernel's rw-semaphore roles to lock modes.
func roleMode(role string) locks.Mode {
	switch role {
	case "reader":
		return locks.ModeRead
	case "writer":
		return locks.ModeWrite
	}
	return locks.ModeUnknown
}

// dmesgEvent dates a record for the timeline: on the boot clock when the
// line has the kernel's stamp, else on the wall clock of its prefix.
func dmesgEvent(rec *dmesg.Record, src string) (TimedEvent, bool) {
	ev := TimedEvent{Source: src}
	switch {
	case rec.Time.HasMono:
		ev.Clock, ev.Time = Boot, rec.Time.Mono.Seconds()
	case rec.Time.WallKind != dmesg.NoWall && !(rec.Time.WallKind == dmesg.Syslog && rec.Time.Wall.Year() < 1971):
		ev.Clock, ev.Time = Wall, float64(rec.Time.Wall.UnixNano())/1e9
	default:
		return ev, false
	}
	switch rec.Kind {
	case dmesg.KindTask:
		if !rec.Task.Hung {
			return ev, false
		}
		ev.PID, ev.Comm, ev.Kind = rec.Task.PID, rec.Task.Comm, "hung-task report"
		ev.What = fmt.Sprintf("hung-task report: %s blocked for more than %d s", rec.Task.Comm, rec.Task.BlockedFor)
	case dmesg.KindBlocker:
		b := rec.Blocker
		ev.PID, ev.Comm, ev.Kind = b.PID, b.Comm, "blocker"
		if b.OwnerFound {
			ev.What = fmt.Sprintf("blocker: %s waits on %s likely owned by %s:%d", b.Comm, withArticle(b.Lock), b.OwnerComm, b.OwnerPID)
		} else {
			ev.What = fmt.Sprintf("blocker: %s waits on %s whose owner is not found", b.Comm, withArticle(b.Lock))
		}
	case dmesg.KindSuppressed:
		ev.Kind = "suppressed"
		ev.What = "hung-task reports suppressed from here on (kernel.hung_task_warnings)"
	default:
		return ev, false
	}
	return ev, true
}

// withArticle puts "a" or "an" before a lock type: "an rw-semaphore".
func withArticle(lock string) string {
	if lock != "" && (strings.ContainsRune("aeiou", rune(lock[0])) || strings.HasPrefix(lock, "rw")) {
		return "an " + lock
	}
	return "a " + lock
}
