//go:build ignore

// Gen derives the seed-marker pair B.strace and E.strace from two real
// strace 6.1 captures (template/B.strace.gz, template/E.strace.gz: healthy
// "strace -ttt -f -v -s 40960 -o X ls DIR" on two 5000-file directories of
// different names), so that lagtrace compare can be checked against the
// table of the seed incident (incident-nfs-readdir-hung.md, section
// "strace跟踪系统调用分析").
//
//	cd testdata/strace/seed && go run gen.go
//
// What is derived, and how:
//   - getdents64 calls 1 to 7 of each template each carry one of the seed's
//     seven filenames: the entry whose name sorts closest to the marker is
//     renamed (same length, so d_reclen and the return value hold), in the
//     getdents64 result and in ls's output alike;
//   - every stamp is rewritten: call k (1-7) starts exactly at the seed's
//     stamp for marker k on that host; the template's time between a line
//     and the next is kept, except the time inside getdents64 calls, which
//     is stretched so that the calls between two markers fill the seed's
//     interval (before the first and after the last marker, the nearest
//     interval's stretch applies);
//   - B stops after call 8, as host B's strace was stopped with ^C: its
//     last two lines are the SIGINT and "killed by SIGINT" lines of the
//     real capture ../main/B-ctrlc.strace, with B's pid and the same delay.
//
// Every other byte is the template's. The two directories share no name,
// so the seven markers, "." and ".." are the only names common to B and E.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/lagtrace/lagtrace/internal/input"
	"github.com/lagtrace/lagtrace/internal/lines"
)

// The seed's markers and stamps, in microseconds since the epoch.
var (
	markers = []string{
		"nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV",
		"Y348qeD3dxaeJOsyiTNON3qCtEE8yn",
		"xxwdIL00iCzXviXcoCaNCvrvIyAkeP",
		"L8mSFdfuAtzgWAp646sVy73uTMgbaH",
		"9wHPHGNObYKMRERIhHuRaKiZW9Jer4",
		"Z9Jj6YvkzMCt0lymymEtZhmIAFEDMH",
		"VLww0v31UJplVOvh1bYlQ2Wwz4OfiI",
	}
	stampsB = []int64{
		1712802314374988, 1712802401142976, 1712802509642010, 1712802607192381,
		1712802707587591, 1712802803228566, 1712802824954462,
	}
	stampsE = []int64{
		1712802323791969, 1712802325169445, 1712802326528755, 1712802328083538,
		1712802329226065, 1712802330254807, 1712802330369828,
	}
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	tail, err := readLines("../main/B-ctrlc.strace")
	if err != nil {
		return err
	}
	if len(tail) < 2 {
		return fmt.Errorf("../main/B-ctrlc.strace: too short")
	}
	tail = tail[len(tail)-2:]
	if err := derive("template/B.strace.gz", "B.strace", stampsB, tail); err != nil {
		return err
	}
	return derive("template/E.strace.gz", "E.strace", stampsE, nil)
}

// line is one "PID  STAMP rest" line split around its stamp.
type line struct {
	pid, sep, rest string // sep is the blank run after the pid
	t              int64  // microseconds
}

func readLines(name string) ([]line, error) {
	f, err := input.Open(name, nil)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []line
	lr := lines.NewReader(f)
	for {
		b, ok := lr.Next()
		if !ok {
			break
		}
		l, err := split(b)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lr.Number(), err)
		}
		out = append(out, l)
	}
	if err := lr.Err(); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func split(b []byte) (line, error) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return line{}, fmt.Errorf("no pid column")
	}
	j := i
	for j < len(b) && b[j] == ' ' {
		j++
	}
	k := bytes.IndexByte(b[j:], ' ')
	if k < 0 {
		return line{}, fmt.Errorf("no stamp column")
	}
	stamp := string(b[j : j+k])
	dot := len(stamp) - 7
	if dot < 1 || stamp[dot] != '.' {
		return line{}, fmt.Errorf("stamp %q is not -ttt", stamp)
	}
	sec, err1 := strconv.ParseInt(stamp[:dot], 10, 64)
	usec, err2 := strconv.ParseInt(stamp[dot+1:], 10, 64)
	if err1 != nil || err2 != nil {
		return line{}, fmt.Errorf("stamp %q is not -ttt", stamp)
	}
	return line{pid: string(b[:i]), sep: string(b[i:j]), rest: string(b[j+k:]), t: sec*1e6 + usec}, nil
}

func isGetdents(l line) bool { return len(l.rest) > 12 && l.rest[:12] == " getdents64(" }

func derive(from, to string, stamps []int64, tail []line) error {
	ls, err := readLines(from)
	if err != nil {
		return err
	}
	var calls []int // line indexes of getdents64 calls
	for i, l := range ls {
		if isGetdents(l) {
			calls = append(calls, i)
		}
	}
	if len(calls) < len(markers)+2 {
		return fmt.Errorf("%s: %d getdents64 calls, want at least %d", from, len(calls), len(markers)+2)
	}
	for k, m := range markers {
		if err := plant(ls, calls[k+1], m); err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
	}
	if tail != nil {
		// Stop after call 8 with the interrupted capture's last lines; the
		// signal comes when call 8 returns.
		end := calls[len(markers)+1] + 1
		returned := ls[end].t
		delay := tail[1].t - tail[0].t
		ls = append(ls[:end:end], tail...)
		for i := end; i < len(ls); i++ {
			ls[i].pid = ls[0].pid
			ls[i].sep = ls[0].sep
		}
		ls[end].t = returned
		ls[end+1].t = returned + delay
	}
	if err := restamp(ls, calls[1:len(markers)+1], stamps); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}

	var out bytes.Buffer
	for _, l := range ls {
		fmt.Fprintf(&out, "%s%s%d.%06d%s\n", l.pid, l.sep, l.t/1e6, l.t%1e6, l.rest)
	}
	return os.WriteFile(to, out.Bytes(), 0o644)
}

// plant renames the entry of the getdents64 line ls[i] whose name sorts
// closest to marker, everywhere in the trace, so that ls's sorted output
// stays as sorted as it can.
func plant(ls []line, i int, marker string) error {
	names := direntNames(ls[i].rest)
	var best string
	for _, n := range names {
		if len(n) != len(marker) || n == "." || n == ".." {
			continue
		}
		if best == "" || dist(n, marker) < dist(best, marker) {
			best = n
		}
	}
	if best == "" {
		return fmt.Errorf("line %d: no entry of length %d to rename", i+1, len(marker))
	}
	for j := range ls {
		ls[j].rest = replaceAll(ls[j].rest, best, marker)
	}
	return nil
}

func direntNames(s string) []string {
	var names []string
	const key = `d_name="`
	for {
		i := indexString(s, key)
		if i < 0 {
			return names
		}
		s = s[i+len(key):]
		j := indexString(s, `"`)
		if j < 0 {
			return names
		}
		names = append(names, s[:j])
		s = s[j:]
	}
}

// dist orders names by how far apart they sort: the index of the first
// differing byte (later is closer), then the gap at that byte.
func dist(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) || i == len(b) {
		return 0
	}
	gap := int(a[i]) - int(b[i])
	if gap < 0 {
		gap = -gap
	}
	return (len(a)-i)*256 + gap
}

func indexString(s, sub string) int { return bytes.Index([]byte(s), []byte(sub)) }

func replaceAll(s, old, new string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(old), []byte(new)))
}

// restamp rewrites every stamp so that line anchors[k] starts at stamps[k],
// keeping the template's gaps after lines that are not getdents64 calls
// and stretching the gaps after getdents64 lines (the time spent in them).
func restamp(ls []line, anchors []int, stamps []int64) error {
	gap := make([]int64, len(ls)) // gap[i]: from line i to line i+1
	for i := 0; i+1 < len(ls); i++ {
		gap[i] = ls[i+1].t - ls[i].t
	}
	scales := make([]float64, len(anchors)-1)
	for k := range scales {
		var kept, stretched int64
		for i := anchors[k]; i < anchors[k+1]; i++ {
			if isGetdents(ls[i]) {
				stretched += gap[i]
			} else {
				kept += gap[i]
			}
		}
		scales[k] = float64(stamps[k+1]-stamps[k]-kept) / float64(stretched)
	}
	newGap := func(i int, scale float64) int64 {
		if isGetdents(ls[i]) {
			return int64(scale*float64(gap[i]) + 0.5)
		}
		return gap[i]
	}
	t := make([]int64, len(ls))
	for k, a := range anchors {
		t[a] = stamps[k]
	}
	for k := 0; k+1 < len(anchors); k++ {
		for i := anchors[k] + 1; i < anchors[k+1]; i++ {
			t[i] = t[i-1] + newGap(i-1, scales[k])
		}
		// Rounding may leave the last gap a microsecond off; the anchor wins.
	}
	for i := anchors[0] - 1; i >= 0; i-- {
		t[i] = t[i+1] - newGap(i, scales[0])
	}
	last := anchors[len(anchors)-1]
	for i := last + 1; i < len(ls); i++ {
		t[i] = t[i-1] + newGap(i-1, scales[len(scales)-1])
	}
	for i := range ls {
		ls[i].t = t[i]
	}
	if !slices.IsSortedFunc(ls, func(a, b line) int { return int(a.t - b.t) }) {
		return fmt.Errorf("restamped lines out of order")
	}
	return nil
}
