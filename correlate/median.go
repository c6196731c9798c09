package correlate

import (
	"cmp"
	"math"
	"slices"
)

// The summaries of a comparison take medians over every common marker (up
// to DefaultSampleSize of them per host): by selection, in linear time,
// rather than by sorting, which would cost the compare step a third of its
// time. Both reorder their input.

// selectLimit bounds the partition rounds before a selection sorts what is
// left: a run of bad pivots cannot make it quadratic.
const selectLimit = 64

// smallSelect is the size below which a selection just sorts.
const smallSelect = 32

// median returns the median of v (the mean of the two middle values for
// an even count), reordering v.
func median(v []float64) (float64, bool) {
	n := len(v)
	if n == 0 {
		return 0, false
	}
	k := n / 2
	x := nth(v, k)
	if n%2 == 1 {
		return x, true
	}
	// The (k-1)th is the largest of the k values nth left below v[k].
	lower := v[0]
	for _, y := range v[1:k] {
		lower = max(lower, y)
	}
	return round4((lower + x) / 2), true
}

// nth returns the k-th smallest value of v (0-based), leaving the k smaller
// ones before index k.
func nth(v []float64, k int) float64 {
	lo, hi := 0, len(v) // the k-th is in v[lo:hi]
	for round := 0; ; round++ {
		w := v[lo:hi]
		if len(w) <= smallSelect || round == selectLimit {
			slices.Sort(w)
			return v[k]
		}
		lt, gt := partition3(w, pivot3(w[0], w[len(w)/2], w[len(w)-1]), func(x float64) float64 { return x }, nil)
		switch {
		case k < lo+lt:
			hi = lo + lt
		case k < lo+gt:
			return v[k]
		default:
			lo += gt
		}
	}
}

type weighted struct{ v, w float64 }

// weightedMedian returns the value at half the total weight of vs (the
// mean of the two values there when the half falls exactly between them),
// reordering vs. With equal weights it is the plain median.
func weightedMedian(vs []weighted) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	var total float64
	for _, x := range vs {
		total += x.w
	}
	eps := 1e-12 * total
	target := total / 2 // the weight still to the left of the answer
	w := vs
	for round := 0; ; round++ {
		if len(w) <= smallSelect || round == selectLimit {
			return weightedWalk(w, target, eps), true
		}
		p := pivot3(w[0].v, w[len(w)/2].v, w[len(w)-1].v)
		var wL, wE float64
		lt, gt := partition3(w, p, func(x weighted) float64 { return x.v }, func(x weighted, side int) {
			switch side {
			case -1:
				wL += x.w
			case 0:
				wE += x.w
			}
		})
		switch {
		case wL > target+eps:
			w = w[:lt]
		case math.Abs(wL-target) <= eps && lt > 0:
			// Half falls between the values below p and p.
			below := w[0].v
			for _, x := range w[1:lt] {
				below = max(below, x.v)
			}
			return (below + p) / 2, true
		case wL+wE > target+eps:
			return p, true
		case math.Abs(wL+wE-target) <= eps && gt < len(w):
			above := w[gt].v
			for _, x := range w[gt+1:] {
				above = min(above, x.v)
			}
			return (p + above) / 2, true
		default:
			target -= wL + wE
			w = w[gt:]
		}
	}
}

// weightedWalk sorts a few weighted values and walks them to target.
func weightedWalk(w []weighted, target, eps float64) float64 {
	slices.SortFunc(w, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
	acc := 0.0
	for i, x := range w {
		acc += x.w
		if math.Abs(acc-target) <= eps && i+1 < len(w) {
			return (x.v + w[i+1].v) / 2
		}
		if acc > target {
			return x.v
		}
	}
	return w[len(w)-1].v
}

func pivot3(a, b, c float64) float64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}

// partition3 reorders w into the values below p, equal to p and above p
// (by key), returns where the equal ones start and end, and tells see
// each element's side (-1, 0, 1) when see is not nil.
func partition3[T any](w []T, p float64, key func(T) float64, see func(T, int)) (lt, gt int) {
	i, lt, gt := 0, 0, len(w)
	for i < gt {
		switch k := key(w[i]); {
		case k < p:
			if see != nil {
				see(w[i], -1)
			}
			w[lt], w[i] = w[i], w[lt]
			lt++
			i++
		case k > p:
			if see != nil {
				see(w[i], 1)
			}
			gt--
			w[gt], w[i] = w[i], w[gt]
		default:
			if see != nil {
				see(w[i], 0)
			}
			i++
		}
	}
	return lt, gt
}
