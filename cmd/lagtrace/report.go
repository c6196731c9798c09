package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // --tz names resolve on any machine

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/correlate/kernel"
	"github.com/lagtrace/lagtrace/internal/bundle"
	"github.com/lagtrace/lagtrace/internal/detect"
	"github.com/lagtrace/lagtrace/internal/readahead"
	"github.com/lagtrace/lagtrace/parse/strace"
	"github.com/lagtrace/lagtrace/render"
	"github.com/spf13/cobra"
)

type reportOptions struct {
	compareOptions
	bootTime []string
	tz       []string
	date     []string
}

func (e *env) reportCommand() *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report [flags] LABEL=FILE...",
		Short: "Write up an incident from every capture of every host",
		Long: `report reads a bundle per host (strace captures, kernel logs, /proc/PID/stack
snapshots, crash transcripts; each file's kind is detected from its content)
and writes the incident up: how much slower the slow host listed the
directory, which task held the lock the others waited for, each task's
history across the sources, a timeline, and the evidence for every claim.

Labels are hosts: give several files per label (B=slow.strace B=messages
B=stacks.txt E=healthy.strace). A bare FILE is labelled by its base name.`,
		Example: `  lagtrace report B=B.strace B=dmesg.txt B=stacks.txt E=E.strace --baseline E
  lagtrace report -f markdown --plot progress.svg -o report.md B=B.strace.gz E=E.strace.gz`,
		Args: cobra.MinimumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return e.runReport(cmd.Context(), o, args)
		}),
	}
	f := cmd.Flags()
	o.addFlags(cmd)
	f.StringArrayVar(&o.bootTime, "boot-time", nil, "when `[LABEL=]UNIX_SECONDS` the host booted, to put kernel times on the wall clock")
	f.StringArrayVar(&o.tz, "tz", nil, "the `[LABEL=]ZONE` (America/New_York, UTC, +05:30) of a host's local-time sources: dmesg -T, syslog, strace -t/-tt (default: what its bundle states, else UTC with a warning)")
	f.StringArrayVar(&o.date, "date", nil, "the `[LABEL=]YYYY-MM-DD` a host's strace -t/-tt traces start on (default: the day its other sources give)")
	return cmd
}

func (e *env) runReport(ctx context.Context, o reportOptions, args []string) error {
	format, err := render.ParseFormat(o.format)
	if err != nil {
		return usageError{err}
	}
	scale, err := o.scale()
	if err != nil {
		return err
	}
	co, err := o.compareOptions.correlate()
	if err != nil {
		return err
	}
	files, err := parseHostArgs(args, false)
	if err != nil {
		return err
	}
	var hosts []*correlate.HostInput
	byLabel := map[string]*correlate.HostInput{}
	for _, f := range files {
		if byLabel[f.label] == nil {
			byLabel[f.label] = &correlate.HostInput{Label: f.label, MaxLine: int(e.maxLine)}
			hosts = append(hosts, byLabel[f.label])
		}
	}
	anchors, err := parseBootTimes(o.bootTime, byLabel)
	if err != nil {
		return err
	}
	if err := parseZones(o.tz, byLabel); err != nil {
		return err
	}
	if err := parseDates(o.date, byLabel); err != nil {
		return err
	}
	if o.baseline != "" && byLabel[o.baseline] == nil {
		return usagef("--baseline %q is not one of the labels", o.baseline)
	}
	e.startRedaction(o.redact)
	if e.red != nil {
		// Hosts are renamed before anything is read, so every output
		// says host1, host2.
		for _, h := range hosts {
			ph := e.label(h.Label)
			if a, ok := anchors[h.Label]; ok {
				delete(anchors, h.Label)
				anchors[ph] = a
			}
			h.Label = ph
			h.Scrub = e.scrub()
		}
		e.redactOptions(&co)
		for _, f := range files {
			e.inputName(f.file, true)
		}
	}
	tracked := slices.Clone(o.markers)
	if co.Origin != "" {
		tracked = append(tracked, co.Origin)
	}
	if err := e.readReportArgs(ctx, files, byLabel, tracked, o); err != nil {
		return err
	}
	for _, h := range hosts {
		if a, ok := anchors[h.Label]; ok {
			h.Anchor = &a
		}
	}
	rep, err := correlate.BuildReport(hosts, correlate.ReportOptions{Compare: co, Hints: kernel.Hints})
	if err != nil {
		return err
	}
	e.redactComparison(rep.Compare, tracked)
	ro := render.ReportOptions{Options: e.renderOptions(o.output)}
	ro.PlotScale = scale
	if o.plot != "" && rep.Compare != nil {
		if err := e.writePlot(o.plot, rep.Compare, scale); err != nil {
			return err
		}
		ro.PlotLink = plotLink(o.output, o.plot)
	} else if o.plot != "" {
		fmt.Fprintln(e.stderr, "lagtrace: no plot written: fewer than two hosts list a directory")
	}
	return e.writeOutput(o.output, func(w io.Writer) error {
		return render.Report(w, rep, format, ro)
	})
}

// hostLabel names a host given as a bare FILE: by the file's base name.
func hostLabel(arg string) string {
	if arg == "-" {
		return "stdin"
	}
	return filepath.Base(arg)
}

// correlate turns the shared compare flags into options.
func (o compareOptions) correlate() (correlate.CompareOptions, error) {
	opts := correlate.CompareOptions{Baseline: o.baseline, Rows: o.rows, Markers: o.markers, Dir: o.dir}
	for _, v := range o.listing {
		lc, err := parseListing(v)
		if err != nil {
			return opts, err
		}
		opts.Listings = append(opts.Listings, lc)
	}
	switch o.time {
	case "return", "":
		opts.Time = correlate.ReturnTime
	case "entry":
		opts.Time = correlate.EntryTime
	default:
		return opts, usagef("--time %q: want return or entry", o.time)
	}
	if err := checkOrigin(o.origin); err != nil {
		return opts, usagef("--origin %q: %w", o.origin, err)
	}
	if name, ok := strings.CutPrefix(o.origin, "marker:"); ok {
		opts.Origin = name
	}
	if o.rows < 2 {
		return opts, usagef("--markers %d: want 2 or more", o.rows)
	}
	return opts, nil
}

// labelled splits a [LABEL=]VALUE flag and finds the hosts it is for: the
// one labelled, or every host.
func labelled(flag, v string, hosts map[string]*correlate.HostInput) (string, []*correlate.HostInput, error) {
	label, val, ok := strings.Cut(v, "=")
	if !ok {
		var all []*correlate.HostInput
		for _, h := range hosts {
			all = append(all, h)
		}
		return v, all, nil
	}
	h := hosts[label]
	if h == nil {
		return "", nil, usagef("%s %q: no host labelled %q", flag, v, label)
	}
	return val, []*correlate.HostInput{h}, nil
}

// parseZones sets the zone of the hosts' local-time sources: an IANA name
// or a fixed offset (+05:30, -0500, UTC).
func parseZones(vals []string, hosts map[string]*correlate.HostInput) error {
	for _, v := range vals {
		name, hs, err := labelled("--tz", v, hosts)
		if err != nil {
			return err
		}
		loc, err := loadZone(name)
		if err != nil {
			return usagef("--tz %q: %v", v, err)
		}
		for _, h := range hs {
			h.Zone, h.ZoneFrom = loc, "--tz"
		}
	}
	return nil
}

// loadZone reads a zone name: IANA (the binary embeds the database), or a
// fixed offset from UTC.
func loadZone(name string) (*time.Location, error) {
	for _, layout := range []string{"-07:00", "-0700", "-07"} {
		if t, err := time.Parse(layout, name); err == nil {
			_, off := t.Zone()
			return time.FixedZone("UTC"+name, off), nil
		}
	}
	if name == "" || name == "Local" {
		return nil, errors.New("want a zone name such as America/New_York, or an offset such as +05:30")
	}
	return time.LoadLocation(name)
}

// parseDates sets the day the hosts' -t/-tt traces start on.
func parseDates(vals []string, hosts map[string]*correlate.HostInput) error {
	for _, v := range vals {
		day, hs, err := labelled("--date", v, hosts)
		if err != nil {
			return err
		}
		d, err := time.Parse("2006-01-02", day)
		if err != nil {
			return usagef("--date %q: want [LABEL=]YYYY-MM-DD", v)
		}
		for _, h := range hs {
			h.Date = d
		}
	}
	return nil
}

// parseListing reads --listing [LABEL=]PID[:FD].
func parseListing(v string) (correlate.ListingChoice, error) {
	var lc correlate.ListingChoice
	rest := v
	if label, r, ok := strings.Cut(v, "="); ok {
		lc.Label, rest = label, r
	}
	pid, fd, hasFd := strings.Cut(rest, ":")
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return lc, usagef("--listing %q: want [LABEL=]PID[:FD]", v)
	}
	lc.PID = n
	if hasFd {
		f, err := strconv.Atoi(fd)
		if err != nil || f < 0 {
			return lc, usagef("--listing %q: want [LABEL=]PID[:FD]", v)
		}
		lc.Fd, lc.HasFd = f, true
	}
	return lc, nil
}

func parseBootTimes(vals []string, hosts map[string]*correlate.HostInput) (map[string]correlate.Anchor, error) {
	out := map[string]correlate.Anchor{}
	for _, v := range vals {
		label, num, ok := strings.Cut(v, "=")
		if !ok {
			num, label = v, ""
		}
		sec, err := strconv.ParseFloat(num, 64)
		if err != nil || sec <= 0 {
			return nil, usagef("--boot-time %q: want [LABEL=]UNIX_SECONDS", v)
		}
		a := correlate.Anchor{Offset: sec, Method: "--boot-time"}
		if label == "" {
			for l := range hosts {
				out[l] = a
			}
			continue
		}
		if hosts[label] == nil {
			return nil, usagef("--boot-time %q: no host labelled %q", v, label)
		}
		out[label] = a
	}
	return out, nil
}

var errUnknownKind = errors.New("not a strace capture, kernel log, /proc/PID/stack snapshot or crash transcript")

// readReportArgs reads the arguments into their hosts, hosts at once (up to
// GOMAXPROCS), each host's arguments one after another in argument order:
// a host's sources accumulate into one listing and one body of evidence,
// whose result depends on that order. What each argument says on stderr
// is buffered and written in argument order, so the output does not
// depend on which host finishes first. With one host (or one core) there
// is no pool, and the strace reader reads ahead on a spare core. With
// --redact the hosts are read one after another too: placeholders are
// numbered in the order their strings are met.
func (e *env) readReportArgs(ctx context.Context, files []hostArg, hosts map[string]*correlate.HostInput, tracked []string, o reportOptions) error {
	procs := runtime.GOMAXPROCS(0)
	var order []string // hosts in the order of their first argument
	byHost := map[string][]int{}
	for i, f := range files {
		if byHost[f.label] == nil {
			order = append(order, f.label)
		}
		byHost[f.label] = append(byHost[f.label], i)
	}
	workers := min(len(order), procs)
	if workers <= 1 || e.red != nil {
		for _, f := range files {
			if err := e.readReportArg(ctx, hosts[f.label], f.file, tracked, o, procs >= 2); err != nil {
				return err
			}
		}
		return nil
	}
	stderr := make([]bytes.Buffer, len(files))
	errs := make([]error, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(order) {
					return
				}
				for _, i := range byHost[order[k]] {
					ue := *e
					ue.stderr = &stderr[i]
					f := files[i]
					if errs[i] = ue.readReportArg(ctx, hosts[f.label], f.file, tracked, o, 2*workers <= procs); errs[i] != nil {
						break // as a sequential read stops at its first error
					}
				}
			}
		})
	}
	wg.Wait()
	for i := range files {
		e.stderr.Write(stderr[i].Bytes())
		if errs[i] != nil {
			return errs[i]
		}
	}
	return nil
}

// readReportArg reads every source behind one argument into its host.
func (e *env) readReportArg(ctx context.Context, h *correlate.HostInput, arg string, tracked []string, o reportOptions, ahead bool) error {
	srcs, done, err := e.expand(ctx, arg)
	if err != nil {
		return err
	}
	defer done()
	if len(srcs) > 0 {
		e.bundleZone(h, arg, srcs[0].zone)
	}
	for _, src := range srcs {
		f, err := e.openSource(ctx, src, detect.Unknown)
		if err != nil {
			return err
		}
		err = e.readReportFile(h, src, f, tracked, o, ahead)
		f.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// bundleZone makes the zone a sosreport states the host's, unless --tz
// gave one; it says so, and says which local-time sources were read
// before it, as UTC.
func (e *env) bundleZone(h *correlate.HostInput, arg string, z bundle.Zone) {
	if z.Loc == nil || h.ZoneFrom != "" {
		return
	}
	h.Zone, h.ZoneFrom = z.Loc, "stated by "+inner(arg, z.From)+" of "+arg
	fmt.Fprintf(e.stderr, "lagtrace: %s: local times of %s read in %s, as %s says\n", render.Terminal(arg), render.Terminal(h.Label), render.Terminal(z.Loc.String()), render.Terminal(z.From))
	if before := h.LocalSources(); len(before) > 0 {
		fmt.Fprintf(e.stderr, "lagtrace: %s: %s, read before it, took local time as UTC: give --tz %s, or the sosreport first\n", render.Terminal(h.Label), render.Terminal(strings.Join(before, ", ")), render.Terminal(z.Loc.String()))
	}
}

// readReportFile reads one source of a host according to its kind.
func (e *env) readReportFile(h *correlate.HostInput, src source, br *openedSource, tracked []string, o reportOptions, ahead bool) error {
	switch br.kind {
	case detect.Strace:
		pid := src.pid
		if pid == 0 {
			pid, _ = strace.PIDFromName(src.name)
		}
		var rd io.Reader = br
		if ahead {
			ra := readahead.New(br, readAheadSize, readAheadBuffers)
			defer ra.Close()
			rd = ra
		}
		sk, err := h.ReadStrace(rd, src.name, pid, correlate.ListingOptions{Markers: tracked, SampleSize: o.sample, Dir: o.dir})
		if err != nil {
			return err
		}
		return e.reportRead(src.name, sk, o.strict)
	case detect.Dmesg, detect.ProcStack, detect.Crash:
		return e.readKernelSource(src, br.kind, br, o.strict, h)
	}
	return fmt.Errorf("%s: %w", src.name, errUnknownKind)
}
