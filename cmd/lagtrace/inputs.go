package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/internal/bundle"
	"github.com/lagtrace/lagtrace/internal/detect"
	"github.com/lagtrace/lagtrace/internal/input"
	"github.com/lagtrace/lagtrace/render"
)

// source is one readable input behind a command-line argument: the file
// itself, one file of an strace -ff directory, or a log inside a sosreport.
type source struct {
	name string
	// pid is the process of an -ff file (out.1234), else 0.
	pid int
	// kind is what the bundle's layout says the file is; Unknown means
	// the content decides.
	kind detect.Kind
	open func() (io.ReadCloser, error)
	size int64
	// disk is the size of the file on disk, or -1: a compressed file's
	// progress counts its compressed bytes against it.
	disk int64
	// stream says the source is not a regular file: read once, and
	// perhaps endless.
	stream bool
	// zone is the host's time zone, when the sosreport it is from says.
	zone bundle.Zone
}

// errEmpty is wrapped when an input holds nothing to read.
var errEmpty = errors.New("empty: nothing to read")

// expand finds the sources behind arg and tells the user what a directory
// or sosreport was read as. The caller runs done when finished with them.
func (e *env) expand(ctx context.Context, arg string) (srcs []source, done func(), err error) {
	if e.files != nil {
		open := func() (io.ReadCloser, error) { return input.OpenFS(e.files, arg) }
		e.sources.add(arg)
		disk := int64(-1)
		if st, err := fs.Stat(e.files, arg); err == nil {
			disk = st.Size()
		}
		return []source{{name: arg, kind: detect.Unknown, open: open, size: -1, disk: disk}}, func() {}, nil
	}
	b, err := bundle.Expand(ctx, arg, e.stdin, bundle.Options{MaxExtract: int64(e.maxExtract)})
	if err != nil {
		return nil, nil, err
	}
	for _, s := range b.Sources {
		name := e.inputName(s.Name, s.Name == arg)
		e.sources.add(name)
		srcs = append(srcs, source{name: name, pid: s.PID, kind: bundleKind(s.Kind), open: s.Open, size: s.Size, disk: diskSize(s), stream: s.Stream, zone: b.Zone})
	}
	if b.Form != bundle.File && b.Form != bundle.Stdin {
		e.sayBundle(arg, b)
	}
	return srcs, func() { b.Close() }, nil
}

// diskSize is the size of a source that is a regular file on disk, else -1
// (a stream, a member of a tarball).
func diskSize(s bundle.Source) int64 {
	if s.Stream {
		return -1
	}
	st, err := os.Stat(s.Name)
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	return st.Size()
}

// namedSources is how many of a bundle's sources are named on stderr: a
// sosreport may hold 100k proc/PID/stack files.
const namedSources = 10

// sayBundle tells the user which files of a bundle are read and which are
// left out, and why.
func (e *env) sayBundle(arg string, b *bundle.Bundle) {
	var names []string
	for _, s := range b.Sources[:min(len(b.Sources), namedSources)] {
		names = append(names, inner(arg, s.Name))
	}
	more := ""
	if n := len(b.Sources) - namedSources; n > 0 {
		more = fmt.Sprintf(" and %s more", count(n))
	}
	fmt.Fprintf(e.stderr, "lagtrace: %s (%s): reading %s%s\n", render.Terminal(arg), b.Form, render.Terminal(strings.Join(names, ", ")), more)
	for _, s := range b.Skipped {
		more := ""
		if s.More > 0 {
			more = fmt.Sprintf(" (and %s more files for the same reason)", count(s.More))
		}
		fmt.Fprintf(e.stderr, "lagtrace: %s: left out %s: %s%s\n", render.Terminal(arg), render.Terminal(inner(arg, s.Name)), render.Terminal(s.Reason), more)
	}
}

// inner is the name of a file of bundle arg relative to it: the member of
// a tarball, the path inside a directory.
func inner(arg, name string) string {
	for _, p := range []string{arg + ":", "stdin:"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest
		}
	}
	if rel, err := filepath.Rel(arg, name); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return name
}

// count writes n with thousands separators: "3,999,000".
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func bundleKind(k bundle.Kind) detect.Kind {
	switch k {
	case bundle.Strace:
		return detect.Strace
	case bundle.KernelLog:
		return detect.Dmesg
	case bundle.Stack:
		return detect.ProcStack
	}
	return detect.Unknown
}

// openedSource is a source being read, its kind known.
type openedSource struct {
	*bufio.Reader
	kind  detect.Kind
	close func()
}

// openSource opens src, shows progress on a terminal for long reads, and
// detects its kind from its first bytes unless the layout or forced said.
func (e *env) openSource(ctx context.Context, src source, forced detect.Kind) (*openedSource, error) {
	rc, err := src.open()
	if err != nil {
		return nil, err
	}
	r := input.WithContext(ctx, rc)
	if src.stream {
		r = input.StopEndless(r, int64(e.maxLine))
	}
	size := src.size
	var count func() int64
	if f, ok := rc.(*input.File); ok && f.Compression != input.None && src.disk > 0 {
		size, count = src.disk, f.InputBytes
	}
	shown := src.name
	if shown == "-" {
		shown = "standard input"
	}
	pr := e.meter.Track(r, shown, size, count)
	// Enough to look at the head of the file: a small file of a bundle
	// gets a small buffer.
	peek := detect.HeadSize
	if src.size >= 0 && src.size < int64(peek) {
		peek = max(16, int(src.size)+1)
	}
	o := &openedSource{
		Reader: bufio.NewReaderSize(pr, peek),
		kind:   forced,
		close:  func() { pr.Done(); rc.Close() },
	}
	if o.kind == detect.Unknown && src.kind != "" {
		o.kind = src.kind
	}
	head, err := o.Peek(detect.HeadSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		o.close()
		return nil, fmt.Errorf("%s: %w", src.name, err)
	}
	if len(head) == 0 {
		o.close()
		return nil, fmt.Errorf("%s: %w", src.name, errEmpty)
	}
	if o.kind == detect.Unknown {
		o.kind = detect.Detect(head)
	}
	return o, nil
}
