package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lagtrace/lagtrace/internal/bundle"
	"github.com/lagtrace/lagtrace/internal/detect"
	"github.com/lagtrace/lagtrace/internal/input"
	"github.com/lagtrace/lagtrace/internal/progress"
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
	// stream says the source is not a regular file: read once, and
	// perhaps endless.
	stream bool
}

// errEmpty is wrapped when an input holds nothing to read.
var errEmpty = errors.New("empty: nothing to read")

// expand finds the sources behind arg and tells the user what a directory
// or sosreport was read as. The caller runs done when finished with them.
func (e *env) expand(arg string) (srcs []source, done func(), err error) {
	if e.files != nil {
		open := func() (io.ReadCloser, error) { return input.OpenFS(e.files, arg) }
		return []source{{name: arg, kind: detect.Unknown, open: open, size: -1}}, func() {}, nil
	}
	b, err := bundle.Expand(arg, e.stdin)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range b.Sources {
		srcs = append(srcs, source{name: s.Name, pid: s.PID, kind: bundleKind(s.Kind), open: s.Open, size: s.Size, stream: s.Stream})
	}
	if b.Form != bundle.File && b.Form != bundle.Stdin {
		var names []string
		for _, s := range b.Sources {
			names = append(names, s.Name)
		}
		fmt.Fprintf(e.stderr, "lagtrace: %s (%s): reading %s\n", render.Terminal(arg), b.Form, render.Terminal(strings.Join(names, ", ")))
		for _, s := range b.Skipped {
			fmt.Fprintf(e.stderr, "lagtrace: %s: left out %s: %s\n", render.Terminal(arg), render.Terminal(s.Name), render.Terminal(s.Reason))
		}
	}
	return srcs, func() { b.Close() }, nil
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
func (e *env) openSource(src source, forced detect.Kind) (*openedSource, error) {
	rc, err := src.open()
	if err != nil {
		return nil, err
	}
	var r io.Reader = rc
	if src.stream {
		r = input.StopEndless(rc, int64(e.maxLine))
	}
	pr := progress.Wrap(r, src.name, src.size, e.stderr)
	o := &openedSource{
		Reader: bufio.NewReaderSize(pr, detect.HeadSize),
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
