package main

import (
	"context"
	"fmt"
	"io"
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
	"github.com/spf13/pflag"
)

type compareOptions struct {
	format   string
	output   string
	rows     int
	markers  []string
	origin   string
	time     string
	dir      string
	baseline string
	strict   bool
	sample   int
	redact   bool
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

A bare FILE is labelled by its base name; - reads standard input. The first
host is the baseline (the healthy one) unless --baseline says otherwise.`,
		Example: `  lagtrace compare B=slow.strace E=healthy.strace --baseline E
  lagtrace compare --time entry --origin marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV B=B.strace E=E.strace
  lagtrace compare --format markdown -o ticket.md B=B.strace.gz E=E.strace.zst`,
		Args: cobra.MinimumNArgs(2),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return e.runCompare(cmd.Context(), o, args)
		}),
	}
	o.addFlags(cmd.Flags())
	return cmd
}

// addFlags defines the flags compare and report share.
func (o *compareOptions) addFlags(f *pflag.FlagSet) {
	f.StringVarP(&o.format, "format", "f", "text", "output format: text, markdown or json")
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output")
	f.IntVar(&o.rows, "markers", 10, "how many sampled markers to show, evenly spread")
	f.StringArrayVar(&o.markers, "marker", nil, "show this file `NAME` as a marker (repeatable); only these are shown")
	f.StringVar(&o.origin, "origin", "", "zero of each host's clock: first getdents (default) or marker:`NAME`")
	f.StringVar(&o.time, "time", "return", "date names by the call's return time, or by its printed entry stamp (entry)")
	f.StringVar(&o.dir, "dir", "", "directory to compare (default: the one with most entries)")
	f.StringVar(&o.baseline, "baseline", "", "`LABEL` of the healthy host (default: the first with a listing)")
	f.BoolVar(&o.strict, "strict", false, "fail when any line cannot be parsed")
	f.IntVar(&o.sample, "sample", correlate.DefaultSampleSize, "how many names each host keeps as candidate markers (memory bound)")
	f.BoolVar(&o.redact, "redact", false, "replace host labels, file names, paths, marker and command names with placeholders and drop argv, environment and read/write buffers, to share the output")
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
	var wg sync.WaitGroup
	for i, h := range hostArgs {
		l := correlate.NewListing(correlate.ListingOptions{Markers: tracked, SampleSize: o.sample, Dir: o.dir})
		hosts = append(hosts, correlate.Host{Label: e.label(h.label), File: e.inputName(h.file, true), Listing: l})
		read := func() { skips[i], drops[i], errs[i] = e.readStraceArg(ctx, h.file, l, ahead) }
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
	return e.writeOutput(o.output, func(w io.Writer) error {
		return render.Compare(w, c, format, e.renderOptions(o.output))
	})
}

// readStraceArg streams the strace behind one argument into l (every file
// of an -ff directory, as one trace) and says which lines it skipped. It
// writes to stderr only what expand reports, so hosts read concurrently.
func (e *env) readStraceArg(ctx context.Context, arg string, l *correlate.Listing, ahead bool) (strace.Skips, strace.Dropped, error) {
	var all strace.Skips
	var dropped strace.Dropped
	srcs, done, err := e.expand(ctx, arg)
	if err != nil {
		return all, dropped, err
	}
	defer done()
	for _, src := range srcs {
		sk, d, err := e.readStrace(ctx, src, l, ahead)
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
func (e *env) readStrace(ctx context.Context, src source, l *correlate.Listing, ahead bool) (strace.Skips, strace.Dropped, error) {
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
	for r.Next() {
		ev := r.Event()
		if e.red != nil {
			e.red.Event(ev)
		}
		l.Add(ev)
	}
	l.SetTimeKind(r.TimeKind())
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

// renderOptions decides colour: only on a terminal, never with NO_COLOR,
// never into a file.
func (e *env) renderOptions(output string) render.Options {
	return render.Options{Color: output == "" && e.isTTY() && e.getenv("NO_COLOR") == ""}
}
