//go:build ignore

// Gen writes the plot tests' inputs: for each pair of real strace captures
// under testdata/strace, the comparison lagtrace compare makes of them, as
// its JSON document with progress curves (render.NewCompareDoc(c, true)).
//
//	cd render/testdata/plot && go run gen.go
//
// The JSON is what the plot code reads in tests, so the tests need no strace
// parser and a change to the parser shows up as a diff here, not as a
// silently different picture.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/internal/input"
	"github.com/lagtrace/lagtrace/parse/strace"
	"github.com/lagtrace/lagtrace/render"
)

type pair struct {
	out      string
	baseline string
	hosts    [][2]string // label, file under testdata/strace
	opts     correlate.CompareOptions
}

var pairs = []pair{
	// The seed incident's seven markers on 5000-file templates: B ^C'd.
	{"seed.json", "E", [][2]string{{"B", "seed/B.strace"}, {"E", "seed/E.strace"}}, correlate.CompareOptions{Time: correlate.EntryTime, Rows: 7}},
	// 20000 files, healthy E against B with 0.1 s added to every getdents64.
	{"main.json", "E", [][2]string{{"B", "main/B.strace.gz"}, {"E", "main/E.strace.gz"}}, correlate.CompareOptions{}},
	// The same slowed listing interrupted with ^C part-way.
	{"ctrlc.json", "E", [][2]string{{"E", "main/E.strace.gz"}, {"B-ctrlc", "main/B-ctrlc.strace"}}, correlate.CompareOptions{}},
	// Kernel 6.18: B's ls stalls behind a FUSE create holding the
	// directory lock (the fuse demo incident).
	{"stall.json", "E", [][2]string{{"B", "../bundle/B/ls.strace.gz"}, {"E", "../bundle/E/ls.strace.gz"}}, correlate.CompareOptions{}},
}

func main() {
	for _, p := range pairs {
		if err := gen(p); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

func gen(p pair) error {
	var hosts []correlate.Host
	for _, h := range p.hosts {
		name := filepath.Join("..", "..", "..", "testdata", "strace", h[1])
		l := correlate.NewListing(correlate.ListingOptions{})
		f, err := input.Open(name, os.Stdin)
		if err != nil {
			return err
		}
		r := strace.NewReader(f, strace.Options{Name: name})
		for r.Next() {
			l.Add(r.Event())
		}
		l.SetTimeKind(r.TimeKind())
		f.Close()
		if err := r.Err(); err != nil {
			return err
		}
		hosts = append(hosts, correlate.Host{Label: h[0], File: filepath.ToSlash(filepath.Join("testdata", "strace", h[1])), Listing: l})
	}
	p.opts.Baseline = p.baseline
	c, err := correlate.Compare(hosts, p.opts)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(render.NewCompareDoc(c, true), "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(p.out, append(b, '\n'), 0o644)
}
