package main

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/render"
)

// redactor replaces what identifies a customer (host labels, file and
// directory paths) with stable placeholders, so a report can leave the
// customer: the same path is "dir1" everywhere in one output.
type redactor struct {
	seen  map[string]string
	count map[string]int
	order []string
}

// minRedacted is the shortest string replaced: output is rewritten by
// substring, and a file named "B" must not turn every B into "input1".
const minRedacted = 4

func newRedactor() *redactor {
	return &redactor{seen: map[string]string{}, count: map[string]int{}}
}

// add registers s under a placeholder of the given kind ("host", "dir",
// "input") and returns the placeholder.
func (r *redactor) add(kind, s string) string {
	if r == nil || len(s) < minRedacted {
		return s
	}
	if p, ok := r.seen[s]; ok {
		return p
	}
	r.count[kind]++
	p := kind + strconv.Itoa(r.count[kind])
	r.seen[s] = p
	r.order = append(r.order, s)
	return p
}

// replacer rewrites every sink's spelling of every registered string:
// raw, as the terminal and Markdown sanitizers print it, and JSON-escaped.
func (r *redactor) replacer() *strings.Replacer {
	type pair struct{ from, to string }
	var pairs []pair
	for _, s := range r.order {
		p := r.seen[s]
		for _, v := range []string{s, render.Terminal(s), render.MarkdownCell(s), jsonEscaped(s)} {
			pairs = append(pairs, pair{v, p})
		}
	}
	// Longest first, so "/mnt/dir/sub" is not half-replaced as "/mnt/dir".
	slices.SortStableFunc(pairs, func(a, b pair) int { return len(b.from) - len(a.from) })
	var args []string
	for _, p := range pairs {
		args = append(args, p.from, p.to)
	}
	return strings.NewReplacer(args...)
}

func jsonEscaped(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	out := strings.TrimSpace(b.String())
	return strings.TrimSuffix(strings.TrimPrefix(out, `"`), `"`)
}

// write renders through the redactor: output is built in memory (it is a
// report, not a trace) and rewritten before it reaches w.
func (r *redactor) write(w io.Writer, render func(io.Writer) error) error {
	if r == nil {
		return render(w)
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	_, err := io.WriteString(w, r.replacer().Replace(buf.String()))
	return err
}
