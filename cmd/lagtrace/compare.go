package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/internal/detect"
	"github.com/lagtrace/lagtrace/internal/readahead"
	"github.com/lagtrace/lagtrace/parse/strace"
	"github.com/lagtrace/lagtrace/render"
	"github.com/spf13/cobra"
)

type compareOptions struct {
	format    string
	output    string
	rows      int
	markers   []string
	origin    string
	time      string
	dir       string
	listing   []string
	baseline  string
	strict    bool
	sample    int
	redact    bool
	plot      string
	plotScale string
}

func (e *env) compareCommand() *cobra.Command {
	var o compareOptions
	cmd := &cobra.Command{
		Use:   "compare [flags] LABEL=FILE LABEL=FILE...",
		Short: "Compare hosts' directory-listing progress from their strace output",
		Long: `compare reads one strace capture per host (strace -ttt -f -v -s 40960 -o FILE
ls DIR), follows each host's getdents64 listing of the directory, and aligns
the hosts by file names both listed: for each marker name, when each host
listed it, and how many times slower the slow host was.

A bare FILE is labelled by its base name; - reads standard input. The host
that listed fastest is the baseline (the healthy one) unless --baseline says
otherwise, and the output says which. When a trace lists several
directories, the one with most entries is compared; --dir or --listing
chooses another.`,
		Example: `  lagtrace compare B=slow.strace E=healthy.strace --baseline E
  lagtrace compare --time entry --origin marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV B=B.strace E=E.strace
  lagtrace compare --format markdown -o ticket.md --plot progress.svg B=B.strace.gz E=E.strace.zst`,
		Args: cobra.MinimumNArgs(2),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return e.runCompare(cmd.Context(), o, args)
		}),
	}
	o.addFlags(cmd)
	return cmd
}

// addFlags defines the flags compare and report share.
func (o *compareOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	formatFlag(cmd, &o.format)
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output")
	f.IntVar(&o.rows, "markers", 10, "how many sampled markers to show, evenly spread")
	f.StringArrayVar(&o.markers, "marker", nil, "show this file `NAME` as a marker (repeatable); only these are shown")
	f.Var(&choice{p: &o.origin, typ: "first|marker:NAME", check: checkOrigin}, "origin",
		"zero of each host's clock: its first getdents64 (default), or when it listed the file NAME")
	cmd.RegisterFlagCompletionFunc("origin", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"first", "marker:"}, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	enumFlag(cmd, f, &o.time, "time", "", "return", timeValues, nil,
		"date each name by the return of the call that listed it, or by the call's printed entry stamp")
	f.StringVar(&o.dir, "dir", "", "directory to compare, as the trace wrote it, relative or absolute (default: the one with most entries)")
	f.StringArrayVar(&o.listing, "listing", nil, "compare the listing of this process (and descriptor): `[LABEL=]PID[:FD]` (repeatable; wins over --dir)")
	f.StringVar(&o.baseline, "baseline", "", "`LABEL` of the healthy host (default: the host that listed fastest)")
	cmd.RegisterFlagCompletionFunc("baseline", completeLabels)
	f.BoolVar(&o.strict, "strict", false, "fail when any line cannot be parsed")
	f.IntVar(&o.sample, "sample", correlate.DefaultSampleSize, "how many names each host keeps as candidate markers (memory bound)")
	f.BoolVar(&o.redact, "redact", false, "replace host labels, file names, paths, marker and command names with placeholders and drop argv, environment and read/write buffers, to share the output")
	plotFlags(cmd, &o.plot, &o.plotScale)
}

// plotFlags defines --plot and --plot-scale.
func plotFlags(cmd *cobra.Command, plot, scale *string) {
	cmd.Flags().StringVar(plot, "plot", "", "also write an SVG image of each host's listing progress to `FILE.svg`")
	enumFlag(cmd, cmd.Flags(), scale, "plot-scale", "", "", scaleValues, []string{"auto"},
		"time axis of the plot (default: log when a host is over 10x slower than the baseline)")
}

// checkPlot refuses a plot file name that does not say SVG: an image
// viewer would take a .png holding SVG for a broken PNG.
func checkPlot(name string) error {
	if name != "" && !strings.EqualFold(filepath.Ext(name), ".svg") {
		return usagef("--plot %q: the plot is an SVG image; name it FILE.svg", name)
	}
	return nil
}

func checkOrigin(v string) error {
	if name, ok := strings.CutPrefix(v, "marker:"); v == "" || v == "first" || ok && name != "" {
		return nil
	}
	return fmt.Errorf("want first or marker:NAME")
}

// completeLabels offers the labels of the LABEL=FILE arguments typed so far.
func completeLabels(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	var labels []string
	for _, a := range args {
		if l, _, ok := strings.Cut(a, "="); ok && l != "" && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	return labels, cobra.ShellCompDirectiveNoFileComp
}

// hostArg is one LABEL=FILE argument.
type hostArg struct{ label, file string }

// parseHostArgs reads LABEL=FILE arguments (a bare FILE is labelled by its
// base name). compare wants one file per host (unique); report takes
// several files per label. Standard input can be read only once.
func parseHostArgs(args []string, unique bool) ([]hostArg, error) {
	var hs []hostArg
	seen := map[string]bool{}
	stdin := 0
	for _, a := range args {
		label, file, ok := strings.Cut(a, "=")
		if !ok || label == "" {
			label, file = hostLabel(a), a
		}
		if file == "" {
			return nil, usagef("%q: missing file after %s=", a, label)
		}
		if unique && seen[label] {
			return nil, usagef("label %q is given twice; name hosts LABEL=FILE", label)
		}
		if file == "-" {
			stdin++
		}
		seen[label] = true
		hs = append(hs, hostArg{label, file})
	}
	if stdin > 1 {
		return nil, usagef("standard input (-) can be read only once")
	}
	return hs, nil
}

func (e *env) runCompare(ctx context.Context, o compareOptions, args []string) error {
	format, err := render.ParseFormat(o.format)
	if err != nil {
		return usageError{err}
	}
	scale, err := o.scale()
	if err != nil {
		return err
	}
	opts, err := o.correlate()
	if err != nil {
		return err
	}
	hostArgs, err := parseHostArgs(args, true)
	if err != nil {
		return err
	}
	if o.baseline != "" && !slices.ContainsFunc(hostArgs, func(h hostArg) bool { return h.label == o.baseline }) {
		return usagef("--baseline %q is not one of the labels", o.baseline)
	}
	e.startRedaction(o.redact)
	for _, h := range hostArgs {
		e.label(h.label) // numbered in argument order
	}
	e.redactOptions(&opts)
	tracked := slices.Clone(o.markers)
	if opts.Origin != "" {
		tracked = append(tracked, opts.Origin)
	}
	var hosts []correlate.Host
	// Hosts are independent until Compare: read them at once, one core
	// each, and report in argument order. With cores to spare, each host
	// also reads ahead in a goroutine of its own. Redaction numbers its
	// placeholders in the order it meets the strings, so with --redact the
	// hosts are read one after another, for the same output every run.
	ahead := 2*len(hostArgs) <= runtime.GOMAXPROCS(0)
	skips := make([]strace.Skips, len(hostArgs))
	drops := make([]strace.Dropped, len(hostArgs))
	errs := make([]error, len(hostArgs))
	notes := make([][]string, len(hostArgs))
	var wg sync.WaitGroup
	for i, h := range hostArgs {
		l := correlate.NewListing(correlate.ListingOptions{Markers: tracked, SampleSize: o.sample, Dir: o.dir})
		hosts = append(hosts, correlate.Host{Label: e.label(h.label), File: e.inputName(h.file, true), Listing: l})
		read := func() { skips[i], drops[i], errs[i] = e.readStraceArg(ctx, h.file, l, ahead, &notes[i]) }
		if e.red != nil {
			read()
			continue
		}
		wg.Go(read)
	}
	wg.Wait()
	for i, h := range hostArgs {
		if errs[i] != nil {
			return errs[i]
		}
		for _, n := range notes[i] {
			fmt.Fprintln(e.stderr, "lagtrace: "+render.Terminal(n))
		}
		if err := e.reportSkips(h.file, skips[i].Count, skips[i].FirstLine, skips[i].FirstText, o.strict); err != nil {
			return err
		}
		if d := drops[i]; d.Unjoined > 0 {
			fmt.Fprintf(e.stderr, "lagtrace: %s: %d unfinished calls were reported before their resumed line came, %d being held already (to bound memory)\n", render.Terminal(e.inputName(h.file, false)), d.Unjoined, strace.DefaultMaxPending)
		}
	}
	c, err := correlate.Compare(hosts, opts)
	if err != nil {
		return err
	}
	e.redactComparison(c, tracked)
	ro := e.renderOptions(o.output)
	ro.PlotScale = scale
	if o.plot != "" {
		if err := e.writePlot(o.plot, c, scale); err != nil {
			return err
		}
		ro.PlotLink = plotLink(o.output, o.plot)
	}
	return e.writeOutput(o.output, func(w io.Writer) error {
		return render.Compare(w, c, format, ro)
	})
}

// scale checks --plot and reads --plot-scale.
func (o compareOptions) scale() (render.Scale, error) {
	if err := checkPlot(o.plot); err != nil {
		return "", err
	}
	s, err := render.ParseScale(o.plotScale)
	if err != nil {
		return "", usageError{err}
	}
	return s, nil
}

// writePlot writes the SVG of c's progress curves to name.
func (e *env) writePlot(name string, c *correlate.Comparison, scale render.Scale) error {
	return e.writeOutput(name, func(w io.Writer) error {
		return render.ProgressSVG(w, render.PlotOf(c, scale))
	})
}

// plotLink is the plot's path as the Markdown output links it: relative
// to the directory the output is written to (the working directory for
// standard output), so the link works beside the report and names no
// directory of the machine it was made on.
func plotLink(output, plot string) string {
	dir := "."
	if toFile(output) {
		dir = filepath.Dir(output)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return filepath.ToSlash(plot)
	}
	absPlot, err := filepath.Abs(plot)
	if err != nil {
		return filepath.ToSlash(plot)
	}
	rel, err := filepath.Rel(absDir, absPlot)
	if err != nil {
		return filepath.ToSlash(plot)
	}
	return filepath.ToSlash(rel)
}

// readStraceArg streams the strace behind one argument into l (every file
// of an -ff directory, as one trace) and says which lines it skipped. It
// writes to stderr only what expand reports, so hosts read concurrently.
func (e *env) readStraceArg(ctx context.Context, arg string, l *correlate.Listing, ahead bool, notes *[]string) (strace.Skips, strace.Dropped, error) {
	var all strace.Skips
	var dropped strace.Dropped
	srcs, done, err := e.expand(ctx, arg)
	if err != nil {
		return all, dropped, err
	}
	defer done()
	for _, src := range srcs {
		sk, d, err := e.readStrace(ctx, src, l, ahead, notes)
		dropped.Unjoined += d.Unjoined
		dropped.FdTables += d.FdTables
		if err != nil {
			return all, dropped, err
		}
		if all.Count == 0 {
			all.FirstLine, all.FirstText = sk.FirstLine, sk.FirstText
		}
		all.Count += sk.Count
	}
	return all, dropped, nil
}

// readStrace streams one strace file into l; with ahead, a goroutine reads
// and decompresses while this one parses.
func (e *env) readStrace(ctx context.Context, src source, l *correlate.Listing, ahead bool, notes *[]string) (strace.Skips, strace.Dropped, error) {
	in, err := e.openSource(ctx, src, detect.Strace)
	if err != nil {
		return strace.Skips{}, strace.Dropped{}, err
	}
	defer in.close()
	pid := src.pid
	if pid == 0 {
		pid, _ = strace.PIDFromName(src.name)
	}
	var rd io.Reader = in
	if ahead {
		ra := readahead.New(in, readAheadSize, readAheadBuffers)
		defer ra.Close()
		rd = ra
	}
	r := strace.NewReader(rd, strace.Options{Name: src.name, PID: pid, MaxLine: int(e.maxLine)})
	l.SetFile(src.name)
	for r.Next() {
		ev := r.Event()
		if e.red != nil {
			e.red.Event(ev)
		}
		l.Add(ev)
	}
	l.SetTimeKind(r.TimeKind())
	// What a pasted trace had removed is said as report and locks say
	// it, once the hosts are read (they are read at once).
	if msg := r.Paste().Summary(src.name); msg != "" && r.Err() == nil {
		*notes = append(*notes, msg)
	}
	return r.Skipped(), r.Dropped(), r.Err()
}

// The read-ahead goroutine's buffers: a few reads in flight keep the
// parser fed. Small ones: a page fault costs 16-29 us on these VMs, and
// 4 x 1 MiB of buffers cost more in faults than the overlap saved (report
// on one 145 MB trace: 126-134 ms a run against 122-127 without; with
// 4 x 128 KiB, 109-112 against 124-130).
const (
	readAheadSize    = 128 << 10
	readAheadBuffers = 4
)

// reportSkips tells the user about lines a parser could not read.
func (e *env) reportSkips(name string, count, line int, text string, strict bool) error {
	if count == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s: skipped %d lines; first at %s:%d: %s", name, count, name, line, text)
	if strict {
		return fmt.Errorf("%s (--strict)", msg)
	}
	fmt.Fprintln(e.stderr, "lagtrace: "+render.Terminal(msg))
	return nil
}
