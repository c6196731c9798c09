package render

import (
	"cmp"
	"slices"
	"strings"
)

// shortener shows input names in narrow tables: the directory all of them
// share is dropped, then each keeps the fewest trailing path elements that
// still tell it from the others, so
//
//	testdata/locks-6.18/dmesg.txt        -> dmesg.txt
//	testdata/locks-6.18/stacks-tail.txt  -> stacks-tail.txt
//	sos/proc/101/stack, sos/proc/202/stack -> 101/stack, 202/stack
//
// It replaces the names wherever a cell quotes them ("dmesg.txt:67 (+20)").
type shortener struct {
	common string // the shared directory, with its final slash
	r      *strings.Replacer
}

// newShortener returns nil when no name would get shorter.
func newShortener(names []string) *shortener {
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if len(names) == 0 {
		return nil
	}
	parts := make([][]string, len(names))
	for i, n := range names {
		parts[i] = strings.Split(n, "/")
	}
	common := commonDirs(parts)
	keep := uniqueSuffixes(parts, common)
	type pair struct{ long, short string }
	var pairs []pair
	for i, p := range parts {
		if short := strings.Join(p[len(p)-keep[i]:], "/"); short != names[i] {
			pairs = append(pairs, pair{names[i], short})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	// strings.Replacer tries its patterns in order at each place: longest
	// first, so "out.1234" is not taken for "out.123".
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Compare(len(b.long), len(a.long)) })
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.long, p.short)
	}
	s := &shortener{r: strings.NewReplacer(args...)}
	if common > 0 {
		s.common = strings.Join(parts[0][:common], "/") + "/"
	}
	return s
}

// commonDirs counts the leading directories every name shares.
func commonDirs(parts [][]string) int {
	n := len(parts[0]) - 1
	for _, p := range parts[1:] {
		n = min(n, len(p)-1)
		for j := range n {
			if p[j] != parts[0][j] {
				n = j
				break
			}
		}
	}
	return n
}

// uniqueSuffixes gives each name the fewest trailing elements (below the
// common directories) that no other name ends in. Names are distinct, so
// this ends once each has grown to its whole length at most.
func uniqueSuffixes(parts [][]string, common int) []int {
	keep := make([]int, len(parts))
	for i := range keep {
		keep[i] = 1
	}
	for {
		groups := map[string][]int{}
		for i, p := range parts {
			k := strings.Join(p[len(p)-keep[i]:], "/")
			groups[k] = append(groups[k], i)
		}
		grew := false
		for _, g := range groups {
			if len(g) < 2 {
				continue
			}
			for _, i := range g {
				if keep[i] < len(parts[i])-common {
					keep[i]++
					grew = true
				}
			}
		}
		if !grew {
			return keep
		}
	}
}

func (s *shortener) apply(v string) string { return s.r.Replace(v) }

// note says what was dropped, for the line under the table.
func (s *shortener) note() string {
	if s.common == "" {
		return "files shown by their shortest distinct names"
	}
	return "files in " + s.common
}
