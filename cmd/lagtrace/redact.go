package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/redact"
	"github.com/lagtrace/lagtrace/render"
)

// With --redact, what identifies the customer is replaced in the data as
// it is read (package redact), never in the output: host labels and the
// names of input files here, the records of every source through
// HostInput.Scrub, strace events as compare reads them, and the marker
// names of a comparison. The output is then written as it is.

// startRedaction makes the redactor of one run when the user asked.
func (e *env) startRedaction(on bool) {
	if on {
		e.red = redact.New()
	}
}

// scrub is what a HostInput calls on each record, or nil.
func (e *env) scrub() func(any) {
	if e.red == nil {
		return nil
	}
	return e.red.Scrub
}

// label returns a host's label as output shows it.
func (e *env) label(l string) string {
	if e.red == nil {
		return l
	}
	return e.red.String(redact.Host, l)
}

// inputName returns the name of an input file as output shows it. With
// say, it tells the user (on stderr, their own terminal) which file a new
// placeholder stands for; the members of a bundle are not listed one by
// one.
func (e *env) inputName(name string, say bool) string {
	if e.red == nil {
		return name
	}
	isNew := !e.red.Has(name)
	p := e.red.String(redact.Input, name)
	if isNew && say {
		fmt.Fprintf(e.stderr, "lagtrace: --redact: %s is %s\n", p, render.Terminal(name))
	}
	return p
}

// redactOptions maps the names the user gave on the command line the way
// the data will spell them: the directory to compare (the events' paths
// are placeholders). Marker names stay: the listings keep real names, and
// the comparison is redacted after.
func (e *env) redactOptions(co *correlate.CompareOptions) {
	if e.red == nil {
		return
	}
	co.Baseline = e.label(co.Baseline)
	for i := range co.Listings {
		if co.Listings[i].Label != "" {
			co.Listings[i].Label = e.label(co.Listings[i].Label)
		}
	}
	if co.Dir != "" {
		dir := co.Dir
		if len(dir) > 1 {
			dir = strings.TrimRight(dir, "/")
		}
		co.Dir = e.red.String(redact.Path, dir)
	}
}

// redactComparison replaces the marker names a comparison shows.
func (e *env) redactComparison(c *correlate.Comparison, tracked []string) {
	if e.red != nil {
		e.red.Comparison(c, tracked)
	}
}

// writeOutput runs write on standard output or on a file it creates.
func (e *env) writeOutput(path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(e.stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
