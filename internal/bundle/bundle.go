package bundle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lagtrace/lagtrace/internal/input"
)

// Kind says what a Source holds, when the bundle's layout tells.
type Kind int

// The kinds of Source.
const (
	// Unknown is a file the user named directly: its format is for the
	// caller to recognise.
	Unknown Kind = iota
	// Strace is the trace of one process written by strace -ff.
	Strace
	// KernelLog is a kernel log: dmesg output, syslog or the journal.
	KernelLog
	// Stack is a /proc/PID/stack snapshot.
	Stack
)

func (k Kind) String() string {
	switch k {
	case Strace:
		return "strace"
	case KernelLog:
		return "kernel log"
	case Stack:
		return "stack"
	}
	return "unknown"
}

// Form says what an argument turned out to be.
type Form int

// The forms of argument Expand recognises.
const (
	File Form = iota
	Stdin
	TraceDir // strace -ff output: a directory or an -o prefix
	SosDir
	SosTarball
)

func (f Form) String() string {
	switch f {
	case Stdin:
		return "standard input"
	case TraceDir:
		return "strace -ff output"
	case SosDir:
		return "sosreport directory"
	case SosTarball:
		return "sosreport tarball"
	}
	return "file"
}

// Source is one readable input found behind a command-line argument.
type Source struct {
	// Name is what to call it in messages: "B.strace",
	// "sos.tar.xz:var/log/messages", "out/trace.1234".
	Name string
	// PID comes from an -ff file name (prefix.PID) or a proc/PID/stack
	// path, else 0.
	PID  int
	Kind Kind
	// Open returns the decompressed stream. The Source of standard input
	// can be opened only once.
	Open func() (io.ReadCloser, error)
	// Size is the number of bytes Open yields if known (for progress),
	// else -1; it is -1 for compressed files.
	Size int64
	// Stream is set for an input that is not a regular file: standard
	// input, a pipe or FIFO (a shell's <(...)), a character device. It is
	// read once, as it comes, and it may never end.
	Stream bool
}

// Skip is a file that was found but not read, and why.
type Skip struct {
	Name   string
	Reason string
	// More counts the files left out for the same reason after this one
	// that are not named: a sosreport holds thousands of files lagtrace
	// does not read, and they are summarised.
	More int
}

// skipList collects Skips, naming only the first few of each reason.
type skipList struct {
	list []Skip
	last map[string]int // index of the last named Skip of a reason
	n    map[string]int
}

// listed is how many files of one reason are named: few of the thousands
// a sosreport holds that are not logs, more of the rest.
func listed(reason string) int {
	if reason == reasonUnknown {
		return 3
	}
	return 10
}

func (l *skipList) add(name, reason string) {
	if l.last == nil {
		l.last, l.n = map[string]int{}, map[string]int{}
	}
	l.n[reason]++
	if l.n[reason] > listed(reason) {
		l.list[l.last[reason]].More++
		return
	}
	l.last[reason] = len(l.list)
	l.list = append(l.list, Skip{Name: name, Reason: reason})
}

// DefaultMaxExtract is how many bytes Expand copies out of one archive
// unless Options say otherwise: far more than the logs of a sosreport
// (sos keeps 25 MiB of each log and 100 MiB of journal by default), far
// less than a 47 MB tarball of 10 GB of newlines would write.
const DefaultMaxExtract = 1 << 30

// Options bound what Expand does.
type Options struct {
	// MaxExtract is the most bytes copied out of one archive to the
	// temporary directory; 0 means DefaultMaxExtract. Past it Expand
	// fails with an error wrapping ErrTooBig.
	MaxExtract int64
}

func (o Options) maxExtract() int64 {
	if o.MaxExtract <= 0 {
		return DefaultMaxExtract
	}
	return o.MaxExtract
}

// Bundle is what one argument expanded to.
type Bundle struct {
	Arg     string
	Form    Form
	Sources []Source // in reading order
	Skipped []Skip
	// Zone is the host's time zone, when a sosreport states it.
	Zone Zone
	tmp  string // extraction directory of a tarball, removed by Close
	// onClose run at Close: closing a stream no one opened, unregistering
	// what an interrupt would do.
	onClose []func()
}

// Close removes any files Expand extracted. It is safe to call more than
// once, and on a nil Bundle.
func (b *Bundle) Close() error {
	if b == nil {
		return nil
	}
	for _, f := range b.onClose {
		f()
	}
	b.onClose = nil
	if b.tmp == "" {
		return nil
	}
	err := os.RemoveAll(b.tmp)
	b.tmp = ""
	return err
}

// Expand finds the inputs behind arg ("-" is stdin, read at most once).
// The caller must Close the Bundle once done with its Sources: a tarball's
// chosen members live in a temporary directory until then, which is also
// removed as soon as ctx is done (an interrupt). Cancelling ctx stops the
// reading of an archive. Errors name arg.
func Expand(ctx context.Context, arg string, stdin io.Reader, o Options) (*Bundle, error) {
	if arg == "-" {
		return expandStream(ctx, arg, stdin, nil, Stdin, true, o)
	}
	st, err := os.Stat(arg)
	if errors.Is(err, os.ErrNotExist) {
		// "out/trace" is the -o prefix of "strace -ff -o out/trace".
		if b, ok, perr := expandPrefix(arg); ok || perr != nil {
			return b, perr
		}
	}
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return expandDir(arg)
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, err
	}
	// A FIFO, <(...) or a device cannot be opened twice to the same
	// content: what was read to look inside is handed on, never reread.
	regular := st.Mode().IsRegular()
	stop := func() bool { return false }
	if !regular {
		// A read blocked on a FIFO with no writer returns on interrupt.
		stop = context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
	}
	b, err := expandStream(ctx, arg, f, f, File, !regular, o)
	if err != nil {
		stop()
		return nil, err
	}
	b.onClose = append(b.onClose, func() { stop() })
	if b.Form == File && regular {
		b.Sources[0].Size = sizeIfPlain(arg, st.Size())
	}
	return b, nil
}

// expandStream looks inside r for a tar archive. If there is none, the
// result is one Source: for a regular file it reopens the path; for a
// stream (once) it hands out the stream already begun, which can be opened
// only once. closer, if not nil, is the file under r.
func expandStream(ctx context.Context, arg string, r io.Reader, closer io.Closer, form Form, once bool, o Options) (*Bundle, error) {
	in, err := input.Wrap(arg, r)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, err
	}
	br := bufio.NewReaderSize(in, 64<<10)
	head, err := br.Peek(tarBlock)
	if err != nil && err != io.EOF { // shorter input is simply not a tar
		in.Close()
		if closer != nil {
			closer.Close()
		}
		return nil, fmt.Errorf("%s: %w", arg, truncated(err))
	}
	if isTar(head) {
		name := arg
		if form == Stdin {
			name = "stdin"
		}
		b, err := readTar(ctx, arg, name, br, o)
		in.Close()
		if closer != nil {
			closer.Close()
		}
		return b, err
	}
	b := &Bundle{Arg: arg, Form: form}
	if once {
		used := false
		closeAll := func() error {
			err := in.Close()
			if closer != nil {
				if cerr := closer.Close(); err == nil {
					err = cerr
				}
			}
			return err
		}
		b.onClose = append(b.onClose, func() {
			if !used {
				used = true
				closeAll()
			}
		})
		b.Sources = []Source{{Name: arg, Size: -1, Stream: true, Open: func() (io.ReadCloser, error) {
			if used {
				return nil, fmt.Errorf("%s: a stream (not a regular file) can be read only once", arg)
			}
			used = true
			return readCloser{br, closeAll}, nil
		}}}
		return b, nil
	}
	in.Close()
	closer.Close()
	b.Sources = []Source{{Name: arg, Size: -1, Open: openPath(arg)}}
	return b, nil
}

// readCloser pairs a reader with the function releasing what is under it.
type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// openPath opens a file on disk, decompressing it; errors name the path.
func openPath(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return input.Open(path, nil) }
}

// openAs opens the file at path but names it name in errors: an extracted
// member is better known by its place in the archive than by a temp path.
func openAs(path, name string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		in, err := input.Wrap(name, f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return readCloser{in, func() error {
			err := in.Close()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return err
		}}, nil
	}
}

// openData opens a member kept in memory, decompressing it; name labels
// errors.
func openData(data []byte, name string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return input.Wrap(name, bytes.NewReader(data)) }
}

// sizeIfPlain is size for an uncompressed file, else -1: progress counts
// decompressed bytes, which the size on disk does not bound.
func sizeIfPlain(path string, size int64) int64 {
	f, err := input.Open(path, nil)
	if err != nil {
		return -1
	}
	defer f.Close()
	if f.Compression != input.None {
		return -1
	}
	return size
}

// expandDir recognises a sosreport or strace -ff output.
func expandDir(dir string) (*Bundle, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if isSosDir(ents) {
		return expandSosDir(dir)
	}
	var names []string
	var subdirs []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.IsDir() {
			subdirs = append(subdirs, e.Name())
			continue
		}
		names = append(names, e.Name())
	}
	if len(names) == 0 && len(subdirs) == 0 {
		return nil, fmt.Errorf("%s: empty directory", dir)
	}
	// An unpacked tarball: the sosreport is the one directory inside.
	if len(names) == 0 && len(subdirs) == 1 {
		sub := filepath.Join(dir, subdirs[0])
		if ents, err := os.ReadDir(sub); err == nil && isSosDir(ents) {
			return expandSosDir(sub)
		}
	}
	b, err := expandTraceFiles(dir, names, "")
	if err != nil {
		return nil, fmt.Errorf("%s: neither a sosreport (no sos_commands/ or sos_reports/) nor strace -ff output: %w", dir, err)
	}
	b.Arg = dir
	return b, nil
}

// expandPrefix expands "dir/prefix" to dir/prefix.PID files, if any.
func expandPrefix(arg string) (*Bundle, bool, error) {
	dir, prefix := filepath.Split(arg)
	if prefix == "" {
		return nil, false, nil
	}
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, nil
	}
	var names []string
	for _, e := range ents {
		if p, _, ok := splitPID(e.Name()); ok && p == prefix && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, false, nil
	}
	b, err := expandTraceFiles(dir, names, prefix)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", arg, err)
	}
	b.Arg = arg
	return b, true, nil
}
