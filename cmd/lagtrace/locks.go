package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/correlate/locks"
	"github.com/lagtrace/lagtrace/internal/detect"
	"github.com/lagtrace/lagtrace/parse/procstack"
	"github.com/lagtrace/lagtrace/render"
	"github.com/spf13/cobra"
)

type locksOptions struct {
	incident string
	format   string
	output   string
	kind     string
	strict   bool
	redact   bool
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
			return e.runLocks(cmd.Context(), o, args)
		}),
	}
	f := cmd.Flags()
	formatFlag(cmd, &o.format)
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output")
	enumFlag(cmd, f, &o.kind, "kind", "", "", kindValues, nil, "read every file as this kind (default: detect each file's)")
	f.BoolVar(&o.strict, "strict", false, "fail when any line cannot be parsed")
	f.BoolVar(&o.redact, "redact", false, "replace file names, command names and paths with placeholders, to share the output")
	o.incident = "all"
	f.Var(&choice{p: &o.incident, typ: "all|N", check: checkIncident}, "incident", "show incident N (1 is the latest) or all of them")
	complete(cmd, "incident", "all", "1")
	return cmd
}

func checkIncident(v string) error {
	if n, err := strconv.Atoi(v); v == "all" || v == "" || err == nil && n >= 1 {
		return nil
	}
	return errors.New("want a number from 1 (the latest) or all")
}

// selectIncident keeps only the incident the user chose.
func selectIncident(a *locks.Analysis, choice string) error {
	if choice == "" || choice == "all" {
		return nil
	}
	n, err := strconv.Atoi(choice)
	if err != nil || n < 1 {
		return usagef("--incident %q: want a number from 1 (the latest) or all", choice)
	}
	if n > len(a.Incidents) {
		return usagef("--incident %d: the sources hold %d incidents", n, len(a.Incidents))
	}
	a.Incidents = a.Incidents[n-1 : n]
	return nil
}

func (e *env) runLocks(ctx context.Context, o locksOptions, args []string) error {
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
	e.startRedaction(o.redact)
	h := correlate.HostInput{MaxLine: int(e.maxLine), Scrub: e.scrub()}
	for _, name := range args {
		if err := e.readLockFile(ctx, name, forced, o.strict, &h); err != nil {
			return err
		}
	}
	a := h.InferLocks()
	if err := selectIncident(a, o.incident); err != nil {
		return err
	}
	return e.writeOutput(o.output, func(w io.Writer) error {
		return render.Locks(w, a, format, e.renderOptions(o.output))
	})
}

// errNoStacks is wrapped when a file holds no kernel stack lagtrace reads.
var errNoStacks = errors.New("not a kernel log, /proc/PID/stack snapshot or crash transcript")

// readLockFile reads every source behind one argument.
func (e *env) readLockFile(ctx context.Context, arg string, forced detect.Kind, strict bool, h *correlate.HostInput) error {
	srcs, done, err := e.expand(ctx, arg)
	if err != nil {
		return err
	}
	defer done()
	for _, src := range srcs {
		f, err := e.openSource(ctx, src, forced)
		if err != nil {
			return err
		}
		err = e.readKernelSource(src, f.kind, f, strict, h)
		f.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readKernelSource reads one file of a known kind into h.
func (e *env) readKernelSource(src source, kind detect.Kind, r io.Reader, strict bool, h *correlate.HostInput) error {
	var sk correlate.Skips
	var err error
	switch kind {
	case detect.ProcStack:
		pid := src.pid
		if pid == 0 {
			pid, _ = procstack.PIDFromName(src.name)
		}
		sk, err = h.ReadProcStack(r, src.name, pid)
	case detect.Dmesg:
		sk, err = h.ReadDmesg(r, src.name)
	case detect.Crash:
		sk, err = h.ReadCrash(r, src.name)
	case detect.Strace:
		return fmt.Errorf("%s: strace output shows no kernel stacks; give it to lagtrace compare", src.name)
	default:
		return fmt.Errorf("%s: %w (use --kind to force one)", src.name, errNoStacks)
	}
	if err != nil {
		return err
	}
	return e.reportRead(src.name, sk, strict)
}

// reportRead tells the user, on stderr, what a reader removed of a pasted
// text and what it could not parse.
func (e *env) reportRead(name string, sk correlate.Skips, strict bool) error {
	if msg := sk.Paste.Summary(name); msg != "" {
		fmt.Fprintln(e.stderr, "lagtrace: "+render.Terminal(msg))
	}
	for _, n := range sk.Notes {
		fmt.Fprintln(e.stderr, "lagtrace: "+render.Terminal(n))
	}
	return e.reportSkips(name, sk.Count, sk.FirstLine, sk.FirstText, strict)
}
