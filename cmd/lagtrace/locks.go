package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/correlate/kernel"
	"github.com/lagtrace/lagtrace/correlate/locks"
	"github.com/lagtrace/lagtrace/internal/detect"
	"github.com/lagtrace/lagtrace/parse/crash"
	"github.com/lagtrace/lagtrace/parse/dmesg"
	"github.com/lagtrace/lagtrace/parse/procstack"
	"github.com/lagtrace/lagtrace/render"
	"github.com/spf13/cobra"
)

type locksOptions struct {
	format string
	output string
	kind   string
	strict bool
	redact bool
}

func (e *env) locksCommand() *cobra.Command {
	var o locksOptions
	cmd := &cobra.Command{
		Use:   "locks [flags] FILE...",
		Short: "Find which task holds the lock the hung tasks wait for",
		Long: `locks reads kernel stacks (hung-task reports from dmesg or syslog,
/proc/PID/stack snapshots, crash transcripts) and says, for each lock the
tasks pile up on, which task holds it, which wait for it and in which mode,
and how sure that is. The same PID in several files or samples is one task.

Each file's kind is detected from its content; --kind forces one for all.
Compressed files (gzip, xz, zstd) are read as they are; - is standard input.`,
		Example: `  lagtrace locks dmesg.txt stacks.txt
  lagtrace locks --format markdown -o ticket.md crash.txt.gz dmesg.txt
  cat /proc/[0-9]*/stack | lagtrace locks --kind procstack -`,
		Args: cobra.MinimumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return e.runLocks(o, args)
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text, markdown or json")
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output")
	f.StringVar(&o.kind, "kind", "", "read every file as `KIND`: dmesg, procstack or crash (default: detect)")
	f.BoolVar(&o.strict, "strict", false, "fail when any line cannot be parsed")
	f.BoolVar(&o.redact, "redact", false, "replace file paths with placeholders, to share the output")
	return cmd
}

// lockInputs gathers what the parsers found, across files.
type lockInputs struct {
	tasks    []locks.Task
	blockers []locks.Blocker
	// events date the observations for a report's timeline.
	events []correlate.TimedEvent
	// anchor puts kernel boot times on the wall clock, from log lines that
	// carry both (dmesg -T, syslog, journal prefixes).
	anchor *correlate.Anchor
}

func (e *env) runLocks(o locksOptions, args []string) error {
	format, err := render.ParseFormat(o.format)
	if err != nil {
		return usageError{err}
	}
	forced := detect.Unknown
	if o.kind != "" {
		k, ok := detect.Parse(o.kind)
		if !ok || k == detect.Strace {
			return usagef("--kind %q: want dmesg, procstack or crash", o.kind)
		}
		forced = k
	}
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usagef("standard input (-) can be read only once")
	}
	var in lockInputs
	for _, name := range args {
		if err := e.readLockFile(name, forced, o.strict, &in); err != nil {
			return err
		}
	}
	a := locks.Infer(in.tasks, in.blockers)
	var red *redactor
	if o.redact {
		red = newRedactor()
		for _, name := range args {
			red.add("input", name)
		}
	}
	return e.writeOutput(o.output, red, func(w io.Writer) error {
		return render.Locks(w, a, format, e.renderOptions(o.output))
	})
}

// errNoStacks is wrapped when a file holds no kernel stack lagtrace reads.
var errNoStacks = errors.New("not a kernel log, /proc/PID/stack snapshot or crash transcript")

// readLockFile reads every source behind one argument.
func (e *env) readLockFile(arg string, forced detect.Kind, strict bool, in *lockInputs) error {
	srcs, done, err := e.expand(arg)
	if err != nil {
		return err
	}
	defer done()
	for _, src := range srcs {
		f, err := e.openSource(src, forced)
		if err != nil {
			return err
		}
		err = e.readLockKind(src.name, f.kind, f, strict, in)
		f.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readLockKind reads one file of a known kind into in.
func (e *env) readLockKind(name string, kind detect.Kind, br io.Reader, strict bool, in *lockInputs) error {
	switch kind {
	case detect.ProcStack:
		return e.readProcStack(name, br, strict, in)
	case detect.Dmesg:
		return e.readDmesg(name, br, strict, in)
	case detect.Crash:
		return e.readCrash(name, br, strict, in)
	case detect.Strace:
		return fmt.Errorf("%s: strace output shows no kernel stacks; give it to lagtrace compare", name)
	}
	return fmt.Errorf("%s: %w (use --kind to force one)", name, errNoStacks)
}

func (e *env) readProcStack(name string, r io.Reader, strict bool, in *lockInputs) error {
	pid, _ := procstack.PIDFromName(name)
	pr := procstack.NewReader(r, procstack.Options{Name: name, PID: pid})
	for pr.Next() {
		s := pr.Sample()
		t := locks.Task{
			PID: s.PID, Comm: s.Comm, State: s.State, Kind: string(detect.ProcStack),
			Source: name + ":" + strconv.Itoa(s.Line),
		}
		for _, fr := range s.Frames {
			t.Frames = append(t.Frames, fr.Func)
		}
		if s.HasTime {
			// Samples taken in one pass of a capture loop share its stamp.
			t.Snapshot = name + "@" + strconv.FormatInt(s.Time, 10)
		}
		in.tasks = append(in.tasks, t)
		if s.HasTime && len(s.Frames) > 0 {
			in.events = append(in.events, correlate.TimedEvent{Clock: correlate.Wall, Time: float64(s.Time) / 1e9, PID: s.PID, Comm: s.Comm,
				What: "stack sample: in " + kernel.FuncName(s.Frames[0].Func), Source: t.Source})
		}
	}
	if err := pr.Err(); err != nil {
		return err
	}
	sk := pr.Skipped()
	return e.reportSkips(name, sk.Count, sk.FirstLine, sk.FirstText, strict)
}

func (e *env) readDmesg(name string, r io.Reader, strict bool, in *lockInputs) error {
	dr := dmesg.NewReader(r, dmesg.Options{Name: name})
	var anchors anchorEstimate
	for dr.Next() {
		rec := dr.Record()
		src := name + ":" + strconv.Itoa(rec.Line)
		anchors.add(rec.Time)
		if ev, ok := dmesgEvent(rec, src); ok {
			in.events = append(in.events, ev)
		}
		switch rec.Kind {
		case dmesg.KindTask:
			t := rec.Task
			ct := locks.Task{PID: t.PID, Comm: t.Comm, State: t.State, Kind: string(detect.Dmesg), Hung: t.Hung, Source: src}
			for _, f := range t.Frames {
				if !f.Unreliable {
					ct.Frames = append(ct.Frames, f.Func)
				}
			}
			in.tasks = append(in.tasks, ct)
		case dmesg.KindBlocker:
			b := rec.Blocker
			cb := locks.Blocker{PID: b.PID, Comm: b.Comm, Lock: b.Lock, Mode: roleMode(b.Role), Source: src}
			if b.OwnerFound {
				cb.OwnerPID, cb.OwnerComm, cb.OwnerMode = b.OwnerPID, b.OwnerComm, roleMode(b.OwnerRole)
			}
			in.blockers = append(in.blockers, cb)
		}
	}
	if err := dr.Err(); err != nil {
		return err
	}
	if in.anchor == nil {
		in.anchor = anchors.anchor()
	}
	sk := dr.Skipped()
	return e.reportSkips(name, sk.Count, sk.FirstLine, sk.FirstText, strict)
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

// readCrash keeps a transcript's records (transcripts are pasted notes,
// small) because the inode a task works on is proven by answers that come
// after its bt: kmem and struct file.f_inode or dentry.d_inode.
func (e *env) readCrash(name string, r io.Reader, strict bool, in *lockInputs) error {
	cr := crash.NewReader(r, crash.Options{Name: name})
	var recs []crash.Record
	state := map[int]string{}
	comm := map[int]string{}
	for cr.Next() {
		rec := cr.Record()
		recs = append(recs, rec)
		if ps, ok := rec.(*crash.PS); ok {
			for _, row := range ps.Rows {
				state[row.PID], comm[row.PID] = row.State, row.Comm
			}
		}
	}
	if err := cr.Err(); err != nil {
		return err
	}
	inodes := crash.Inodes(recs)
	for _, rec := range recs {
		bt, ok := rec.(*crash.Backtrace)
		if !ok {
			continue
		}
		t := locks.Task{
			PID: bt.PID, Comm: bt.Comm, State: state[bt.PID], Kind: string(detect.Crash),
			Source: name + ":" + strconv.Itoa(bt.Line),
		}
		if t.Comm == "" {
			t.Comm = comm[bt.PID]
		}
		for _, f := range bt.Frames {
			if f.Num >= 0 && f.Func != "" {
				t.Frames = append(t.Frames, f.Func)
			}
		}
		if bt.PID == 0 && len(t.Frames) == 0 {
			continue
		}
		if ins := inodes[bt.PID]; len(ins) > 0 {
			t.Object = "0x" + ins[0].Addr
			if len(ins[0].Evidence) > 0 {
				t.ObjectVia = ins[0].Evidence[0].Cache
			}
		}
		in.tasks = append(in.tasks, t)
	}
	sk := cr.Skipped()
	return e.reportSkips(name, sk.Count, sk.FirstLine, sk.FirstText, strict)
}

// dmesgEvent dates a record for the timeline: on the boot clock when the
// line has the kernel's stamp, else on the wall clock of its prefix.
func dmesgEvent(rec *dmesg.Record, src string) (correlate.TimedEvent, bool) {
	ev := correlate.TimedEvent{Source: src}
	switch {
	case rec.Time.HasMono:
		ev.Clock, ev.Time = correlate.Boot, rec.Time.Mono.Seconds()
	case rec.Time.WallKind != dmesg.NoWall:
		ev.Clock, ev.Time = correlate.Wall, float64(rec.Time.Wall.UnixNano())/1e9
	default:
		return ev, false
	}
	switch rec.Kind {
	case dmesg.KindTask:
		if !rec.Task.Hung {
			return ev, false
		}
		ev.PID, ev.Comm = rec.Task.PID, rec.Task.Comm
		ev.What = fmt.Sprintf("hung-task report: %s blocked for more than %d s", rec.Task.Comm, rec.Task.BlockedFor)
	case dmesg.KindBlocker:
		b := rec.Blocker
		ev.PID, ev.Comm = b.PID, b.Comm
		if b.OwnerFound {
			ev.What = fmt.Sprintf("blocker: %s waits on a %s likely owned by %s:%d", b.Comm, b.Lock, b.OwnerComm, b.OwnerPID)
		} else {
			ev.What = fmt.Sprintf("blocker: %s waits on a %s whose owner is not found", b.Comm, b.Lock)
		}
	case dmesg.KindSuppressed:
		ev.What = "hung-task reports suppressed from here on (kernel.hung_task_warnings)"
	default:
		return ev, false
	}
	return ev, true
}

// anchorEstimate relates the boot clock to the wall clock from lines that
// carry both. A prefix with whole seconds (dmesg -T, syslog) leaves up to a
// second of doubt; the smallest offset seen is the tightest, since a wall
// prefix is never earlier than the kernel's own stamp.
type anchorEstimate struct {
	n          int
	lo, hi     float64
	resolution float64
	kind       dmesg.WallKind
}

func (a *anchorEstimate) add(t dmesg.Stamp) {
	if !t.HasMono || t.WallKind == dmesg.NoWall || t.WallKind == dmesg.Syslog && t.Wall.Year() < 1971 {
		return
	}
	off := float64(t.Wall.UnixNano())/1e9 - t.Mono.Seconds()
	res := 1.0
	if t.Wall.Nanosecond() != 0 {
		res = 1e-6
	}
	if a.n == 0 {
		a.lo, a.hi, a.resolution, a.kind = off, off, res, t.WallKind
	}
	a.lo, a.hi, a.resolution = min(a.lo, off), max(a.hi, off), max(a.resolution, res)
	a.n++
}

func (a *anchorEstimate) anchor() *correlate.Anchor {
	if a.n == 0 {
		return nil
	}
	return &correlate.Anchor{
		Offset:      a.lo,
		Uncertainty: (a.hi - a.lo) + a.resolution,
		Method:      fmt.Sprintf("%d %s-stamped kernel lines", a.n, a.kind),
	}
}
