package correlate

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The selections agree with sorting, on random data with many ties.
func TestMediansAgreeWithSorting(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		n := 1 + r.IntN(3000)
		vals := make([]float64, n)
		ws := make([]weighted, n)
		equal := trial%3 == 0
		for i := range vals {
			vals[i] = float64(r.IntN(50)) / 4 // ties
			w := 1.0
			if !equal {
				w = float64(1 + r.IntN(5))
			}
			ws[i] = weighted{vals[i], w}
		}
		want, _ := sortedMedian(slices.Clone(vals))
		got, _ := median(slices.Clone(vals))
		if got != want {
			t.Fatalf("trial %d: median = %v; sorting says %v", trial, got, want)
		}
		wantW := sortedWeightedMedian(slices.Clone(ws))
		gotW, _ := weightedMedian(slices.Clone(ws))
		if math.Abs(gotW-wantW) > 1e-12 {
			t.Fatalf("trial %d: weightedMedian = %v; sorting says %v", trial, gotW, wantW)
		}
		if equal && math.Abs(gotW-want) > 1e-4 {
			t.Fatalf("trial %d: equal weights give %v; the median is %v", trial, gotW, want)
		}
	}
}

func sortedMedian(v []float64) (float64, bool) {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2], true
	}
	return round4((v[n/2-1] + v[n/2]) / 2), true
}

func sortedWeightedMedian(vs []weighted) float64 {
	slices.SortFunc(vs, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
	var total float64
	for _, x := range vs {
		total += x.w
	}
	return weightedWalk(vs, total/2, 1e-12*total)
}
