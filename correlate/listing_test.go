package correlate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// randomNames are like the seed's: 30 characters of [A-Za-z0-9].
func randomNames(n int, seed uint64) []string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]string, n)
	b := make([]byte, 30)
	for i := range out {
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		out[i] = string(b)
	}
	return out
}

// TestHashNameHalves: the sample relies on each halving of the threshold
// keeping half the names, for random names and for names that differ only
// in a few trailing digits.
func TestHashNameHalves(t *testing.T) {
	const n = 1 << 17
	seq := make([]string, n)
	short := make([]string, n)
	for i := range seq {
		seq[i] = fmt.Sprintf("file-%07d.txt", i)
		short[i] = fmt.Sprintf("%x", i)
	}
	for name, names := range map[string][]string{"random": randomNames(n, 1), "sequential": seq, "short": short} {
		for k := 1; k <= 8; k++ {
			threshold := uint64(math.MaxUint64) >> k
			kept := 0
			for _, s := range names {
				if hashName([]byte(s)) <= threshold {
					kept++
				}
			}
			// A fair coin per name: kept is binomial; 5 standard
			// deviations is a failure no seed should see by chance.
			want := float64(n) / float64(uint64(1)<<k)
			if d := math.Abs(float64(kept) - want); d > 5*math.Sqrt(want) {
				t.Errorf("%s names: %d of %d below threshold >> %d; want %.0f ± %.0f", name, kept, n, k, want, 5*math.Sqrt(want))
			}
		}
	}
}

// TestHashNameStable pins the hash: the markers every output shows are the
// names it samples, so a change here changes every golden.
func TestHashNameStable(t *testing.T) {
	got := map[string]uint64{}
	for _, s := range []string{"", "a", "abcd", "abcdefg", "abcdefgh", "nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV"} {
		got[s] = hashName([]byte(s))
	}
	want := map[string]uint64{
		"":                               16294208416658607535,
		"a":                              51845804069660791,
		"abcd":                           15507301577671826195,
		"abcdefg":                        6263076750112478852,
		"abcdefgh":                       13388121152529947810,
		"nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV": 10279996653759170931,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hashName (-want +got):\n%s", diff)
	}
}

// getdents is one complete getdents64 result of names for pid on fd 3.
func getdents(pid int, line int, t int64, names []string) *strace.Event {
	ev := &strace.Event{Kind: strace.Call, Name: []byte("getdents64"), Line: line, PID: pid, Fd: 3,
		Path: []byte("/d"), Time: t, HasTime: true, Return: t + 1000, HasReturn: true, RetOK: true, RetVal: int64(40 * len(names))}
	for _, n := range names {
		ev.Dirents = append(ev.Dirents, strace.Dirent{Name: []byte(n)})
	}
	ev.DirentCount = len(names)
	return ev
}

// TestListingAddAllocatesNothing: once the sample is full, a getdents
// call's names are hashed and dropped or kept without allocating.
func TestListingAddAllocatesNothing(t *testing.T) {
	l := NewListing(ListingOptions{SampleSize: 256, Markers: []string{"not-there"}})
	l.SetTimeKind(strace.Epoch)
	names := randomNames(500, 2)
	line := 0
	for range 100 {
		line++
		l.Add(getdents(1, line, int64(line)*1e6, names))
	}
	ev := getdents(1, line+1, int64(line+1)*1e6, randomNames(500, 3))
	if n := testing.AllocsPerRun(50, func() { l.Add(ev) }); n != 0 {
		t.Errorf("Listing.Add of 500 names allocates %v times; want 0", n)
	}
}

// TestExitsCostTheirOwnListings is issue 13's quadratic case: 100k
// processes each leave a listing open and exit. Every exit must forget its
// own listing (nothing stays open), and the listings kept stay bounded.
func TestExitsCostTheirOwnListings(t *testing.T) {
	const pids = 100_000
	l := NewListing(ListingOptions{})
	l.SetTimeKind(strace.Epoch)
	big := randomNames(1000, 4)
	l.Add(getdents(1, 1, 1e9, big)) // pid 1 lists the big directory and stays
	for i := range pids {
		pid := 1000 + i
		ts := int64(2e9) + int64(i)*1e3
		l.Add(getdents(pid, 2*i+2, ts, []string{"x", "y"}))
		l.Add(&strace.Event{Kind: strace.Exit, PID: pid, Line: 2*i + 3, Time: ts + 500, HasTime: true})
	}
	if len(l.open) != 1 || len(l.pids) != 1 || len(l.pending) != 0 {
		t.Errorf("after the exits: %d open listings, %d processes, %d pending; want 1, 1, 0", len(l.open), len(l.pids), len(l.pending))
	}
	ds := l.Listings()
	if len(ds) > 2*MaxListings {
		t.Errorf("%d listings kept; want at most %d", len(ds), 2*MaxListings)
	}
	if ds[0].PID != 1 || ds[0].Entries != 1000 {
		t.Errorf("first listing kept = pid %d with %d entries; want pid 1's 1000", ds[0].PID, ds[0].Entries)
	}
	d := l.Dropped()
	if d.Listings+len(ds) != pids+1 || d.Entries != 2*d.Listings || d.Calls != d.Listings {
		t.Errorf("dropped %+v with %d kept; want the %d listings accounted for, 2 entries and 1 call each", d, len(ds), pids+1)
	}
}

// TestDirListingIsNeverDropped: the first listing of the directory asked
// for survives the bound, however small.
func TestDirListingIsNeverDropped(t *testing.T) {
	l := NewListing(ListingOptions{Dir: "/small/"})
	l.SetTimeKind(strace.Epoch)
	ev := getdents(1, 1, 1e9, []string{"a"})
	ev.Path = []byte("/small")
	l.Add(ev)
	for i := range 4 * MaxListings {
		l.Add(getdents(10+i, i+2, 2e9, []string{"b", "c", "d"}))
	}
	d, _, err := choose(Host{Label: "H", Listing: l}, l.Listings(), CompareOptions{Dir: "/small"})
	if err != nil || d.PID != 1 {
		t.Errorf("choose(--dir /small) = %+v, %v; want pid 1's listing", d, err)
	}
}

func BenchmarkHashName(b *testing.B) {
	names := randomNames(4096, 5)
	bs := make([][]byte, len(names))
	for i, n := range names {
		bs[i] = []byte(n)
	}
	b.SetBytes(30)
	var h uint64
	for i := range b.N {
		h ^= hashName(bs[i%len(bs)])
	}
	if h == 42 {
		b.Log(h)
	}
}

// BenchmarkListingAdd is one getdents64 result of 580 names (what ls reads
// per call of a 1M-file directory) into a full sample.
func BenchmarkListingAdd(b *testing.B) {
	l := NewListing(ListingOptions{})
	l.SetTimeKind(strace.Epoch)
	batches := make([]*strace.Event, 64)
	for i := range batches {
		batches[i] = getdents(1, i+1, int64(i)*1e6, randomNames(580, uint64(i)))
	}
	for _, ev := range batches {
		l.Add(ev)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		l.Add(batches[i%len(batches)])
	}
}

// BenchmarkExits is N processes that each leave a listing open and exit:
// ns/op is per process, and stays flat as N grows (it was linear in N).
func BenchmarkExits(b *testing.B) {
	for _, n := range []int{10_000, 40_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			evs := make([]*strace.Event, 0, 2*n)
			for i := range n {
				evs = append(evs, getdents(10+i, 2*i+1, int64(i)*1e3, []string{"x"}),
					&strace.Event{Kind: strace.Exit, PID: 10 + i, Line: 2*i + 2, Time: int64(i)*1e3 + 500, HasTime: true})
			}
			b.ResetTimer()
			for range b.N / n {
				l := NewListing(ListingOptions{})
				for _, ev := range evs {
					l.Add(ev)
				}
			}
		})
	}
}
