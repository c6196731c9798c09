package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lagtrace/lagtrace/internal/bundle"
	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/progress"
	"github.com/lagtrace/lagtrace/redact"
	"github.com/lagtrace/lagtrace/render"
	"github.com/spf13/cobra"
)

// Exit codes: scripts tell bad input from a mistyped command line.
const (
	exitOK    = 0
	exitInput = 1
	exitUsage = 2
)

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// inputError marks errors met while doing the work (unreadable or malformed
// input). Errors cobra raises itself (unknown commands, bad arguments) carry
// neither mark and count as usage errors.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// runE adapts a command body so that its errors count as input errors
// unless it marked them as usage errors itself.
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := f(cmd, args)
		var ue usageError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return inputError{err}
	}
}

// env is what a command may touch; tests substitute every field.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// isTTY reports whether stdout is a terminal, deciding colour and
	// width.
	isTTY func() bool
	// termWidth is the width of the terminal on stdout, or 0.
	termWidth func() int
	// getenv reads the environment (NO_COLOR, COLUMNS, ...).
	getenv func(string) string
	// out holds --color, --width and --wide.
	out outputFlags
	// sources are the input names read, as the output spells them.
	sources *sourceNames
	// meter draws the progress line of the run's inputs on stderr.
	meter *progress.Meter
	// files, when set, is where input names are opened instead of the
	// operating system: the demo reads its embedded incident through it.
	files fs.FS
	// maxLine is the longest input line kept (--max-line).
	maxLine size
	// maxExtract is the most bytes copied out of one archive (--max-extract).
	maxExtract size
	// red, set by a command run with --redact, replaces what identifies
	// the customer as the inputs are read (redact.go).
	red *redact.Redactor
}

// run runs lagtrace as main does. SIGINT and SIGTERM cancel the
// command's context: reads stop, a sosreport's temporary directory is
// removed, and lagtrace exits 130 or 143 as a shell expects. A second
// signal kills at once.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := newEnv(stdin, stdout, stderr)
	intr, stopIntr := signal.NotifyContext(context.Background(), os.Interrupt)
	term, stopTerm := signal.NotifyContext(intr, syscall.SIGTERM)
	defer stopTerm()
	defer stopIntr()
	go func() {
		<-term.Done()
		stopTerm()
		stopIntr()
	}()
	if f, ok := stdin.(*os.File); ok {
		// Wakes a read blocked on a pipe, where the file allows it.
		defer context.AfterFunc(term, func() { f.SetReadDeadline(time.Now()) })()
	}
	code := e.execute(term, args)
	switch {
	case code == exitOK:
	case intr.Err() != nil && context.Cause(intr) != context.Canceled:
		return exitInterrupted + int(syscall.SIGINT)
	case term.Err() != nil && context.Cause(term) != context.Canceled:
		return exitInterrupted + int(syscall.SIGTERM)
	}
	return code
}

// exitInterrupted plus the signal number is the status after a signal.
const exitInterrupted = 128

func (e *env) execute(ctx context.Context, args []string) int {
	defer e.meter.Close()
	root := e.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil {
		// The error is the interrupt's doing (a cancelled read, a read
		// woken by its deadline): say what happened instead.
		fmt.Fprintf(e.stderr, "lagtrace: interrupted: %s\n", render.Terminal(context.Cause(ctx).Error()))
		return exitInput
	}
	var ie inputError
	if errors.As(err, &ie) {
		// Errors quote file names and input lines: sanitize like any
		// output.
		fmt.Fprintf(e.stderr, "lagtrace: %s\n", render.Terminal(err.Error()))
		return exitInput
	}
	// A usage error is cobra's or lagtrace's own text, laid out with
	// newlines and tabs ("Did you mean this?\n\tcompare"); only what the
	// user typed in it is made safe.
	fmt.Fprintf(e.stderr, "lagtrace: %s\n", keepLayout(strings.TrimRight(err.Error(), "\n")))
	fmt.Fprintf(e.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return exitUsage
}

// keepLayout sanitizes s for a terminal but for its newlines and tabs.
func keepLayout(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = render.Terminal(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "lagtrace",
		Short: "Explain why a Linux host is slow or hung, from captured text",
		Long: `lagtrace reads what support engineers capture on customer hosts (strace
output, kernel logs, /proc/PID/stack snapshots, crash transcripts) and
explains why one host is slow or hung: how much slower its directory
listings progress than a healthy host's, and which task holds the lock the
others wait for.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("lagtrace {{.Version}}\n")
	pf := root.PersistentFlags()
	enumFlag(root, pf, &e.out.color, "color", "", "auto", colorValues, nil,
		"style the text output: auto styles a terminal unless NO_COLOR is set or TERM=dumb (CLICOLOR_FORCE styles any output)")
	pf.IntVar(&e.out.width, "width", 0, "text width in `COLUMNS` (default: the terminal's, prose at most 120; 100 when not a terminal)")
	pf.BoolVar(&e.out.wide, "wide", false, "show tables whole, as wide as their cells, with full paths and every column")
	e.maxLine = lines.DefaultMax
	pf.Var(&e.maxLine, "max-line", "longest input `SIZE` of line read (K, M, G: powers of 1024); longer lines are skipped and counted")
	e.maxExtract = bundle.DefaultMaxExtract
	pf.Var(&e.maxExtract, "max-extract", "most `SIZE` of logs and stacks copied out of one sosreport tarball to the temporary directory")
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.AddCommand(e.versionCommand())
	for _, add := range e.subcommands() {
		root.AddCommand(add())
	}
	return root
}

func (e *env) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(e.stdout, "lagtrace %s\n", version())
			return err
		}),
	}
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" {
		return "(devel)"
	}
	return bi.Main.Version
}

// size is a byte count given as a flag: "64MiB", "64M", "1g", "1500".
type size int64

func (s *size) String() string { return lines.Size(int64(*s)) }

func (s *size) Type() string { return "SIZE" }

func (s *size) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = size(n)
	return nil
}

// parseSize reads a positive byte count with an optional K, M, G or T
// (powers of 1024, optionally followed by "iB" or "B").
func parseSize(v string) (int64, error) {
	num := strings.TrimRight(v, "bBiI")
	shift := 0
	if num != "" {
		switch num[len(num)-1] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		case 't', 'T':
			shift = 40
		}
		if shift > 0 {
			num = num[:len(num)-1]
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q: want a size such as 64MiB, 512K or 1000000", v)
	}
	return n << shift, nil
}
