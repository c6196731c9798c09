package correlate

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/parse/strace"
)

func TestFormatTimes(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	tests := []struct {
		clock Clock
		t     float64
		zone  *time.Location
		want  string
	}{
		{Wall, 1796181715.758028, nil, "2026-12-02T03:21:55.758028Z"},
		{Wall, 1796181715.758028, ny, "2026-12-01T22:21:55.758028-05:00"},
		{Wall, 1796181715.758028, time.FixedZone("UTC+05:30", 5*3600+1800), "2026-12-02T08:51:55.758028+05:30"},
		{Day, 80515.758028, nil, "22:21:55.758028"},
		{Day, 86400 + 3.5, nil, "00:00:03.500000+1d"},
		{Boot, 8785.837705, nil, "boot+8785.837705s"},
		{TraceClock, 12.5, nil, "+12.500000s"},
	}
	for _, tt := range tests {
		if got := FormatTimeIn(tt.clock, tt.t, tt.zone); got != tt.want {
			t.Errorf("FormatTimeIn(%s, %v, %v) = %q; want %q", tt.clock, tt.t, tt.zone, got, tt.want)
		}
	}
}

// clockWall reads a time of day in its zone on its date: across a DST
// change, 03:30 on 2026-03-08 in New York is EDT, not midnight + 3.5 h.
func TestClockWall(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	day := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	got := clockWall(int64(3*time.Hour+30*time.Minute), day, ny)
	want := float64(time.Date(2026, 3, 8, 3, 30, 0, 0, ny).Unix())
	if got != want {
		t.Errorf("03:30 on 2026-03-08 in New York = %v; want %v (EDT)", got, want)
	}
	// Past midnight: the next day.
	got = clockWall(int64(25*time.Hour), day, time.UTC)
	if want := float64(time.Date(2026, 3, 9, 1, 0, 0, 0, time.UTC).Unix()); got != want {
		t.Errorf("25:00 = %v; want %v", got, want)
	}
}

// dmesg -T beside dmesg (the captured bundle): recognised record by record
// whichever comes first, not counted twice, and the pairs of stamps put
// the boot clock on the wall clock to within half a second.
func TestDmesgBesideDmesgT(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	raw, withT := filepath.Join("..", "testdata", "report", "B", "dmesg.txt"), filepath.Join("..", "testdata", "report", "B", "dmesg-T.txt")
	var offsets []float64
	for _, order := range [][]string{{raw, withT}, {withT, raw}} {
		h := &HostInput{Label: "B", Zone: ny, ZoneFrom: "--tz"}
		for _, name := range order {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.ReadDmesg(f, name); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		if f := h.Files[1]; f.SameAs != order[0] || f.Shared != 12 || f.Records != 12 {
			t.Errorf("%v: second file %+v; want all 12 records the first's", order, f)
		}
		if s := h.Seen[11340][KindDmesg]; s == nil || s.Reports != 2 {
			t.Errorf("%v: stat 11340 sighted %+v; want 2 hung-task reports, not 4", order, s)
		}
		a := h.Anchor
		if a == nil || a.Uncertainty > 0.5 || !strings.Contains(a.Method, "the same 12 records in "+raw+" (seconds since boot) and "+withT+" (ctime wall clock, read in America/New_York)") {
			t.Fatalf("%v: anchor %+v", order, a)
		}
		offsets = append(offsets, a.Offset)
	}
	// [ 8785.837705] is [Tue Dec  1 22:22:13 2026] in New York.
	wall := float64(time.Date(2026, 12, 1, 22, 22, 13, 0, ny).Unix())
	for _, off := range offsets {
		if at := 8785.837705 + off; at < wall || at >= wall+1 {
			t.Errorf("offset %f puts the first report at %f; want within [%v, %v)", off, at, wall, wall+1)
		}
	}
	if math.Abs(offsets[0]-offsets[1]) > 1e-9 {
		t.Errorf("the order of the files changes the anchor: %v", offsets)
	}
}

// Syscall statistics: exact quantiles for a few calls, a histogram within
// 2.2% for many; untimed calls are counted, not timed.
func TestSyscallStats(t *testing.T) {
	a := NewActivity(0)
	a.StartFile("t")
	line := 0
	call := func(name string, d int64) {
		line++
		a.Add(&strace.Event{Kind: strace.Call, Line: line, PID: 1, Name: []byte(name), RetOK: true, Time: int64(line) * 1e9, HasTime: true, Duration: d, HasDuration: d >= 0})
	}
	for _, d := range []int64{5000, 1000, 3000, 2000, 4000} {
		call("lstat", d)
	}
	for i := range 10000 {
		call("read", int64(1000+i*100)) // 1 µs to 1 ms, uniform
	}
	line++
	a.Add(&strace.Event{Kind: strace.Call, Line: line, PID: 2, Name: []byte("lstat"), Return: 1, HasReturn: true}) // resumed alone
	got := map[string]SyscallStat{}
	for _, s := range a.Syscalls() {
		got[s.Name] = s
	}
	if diff := cmp.Diff(SyscallStat{Name: "lstat", Count: 6, Timed: 5, Total: 15000, Max: 5000, P50: 3000, P99: 5000}, got["lstat"]); diff != "" {
		t.Errorf("lstat (-want +got):\n%s", diff)
	}
	r := got["read"]
	for _, q := range []struct {
		got  int64
		want float64
	}{{r.P50, 1000 + 4999*100}, {r.P99, 1000 + 9899*100}} {
		if math.Abs(float64(q.got)-q.want)/q.want > 0.022 {
			t.Errorf("read quantile %d; want %.0f within 2.2%%", q.got, q.want)
		}
	}
}

// A resumed line alone has no entry time: without -T it is counted and
// never timed, dated, or made "1700000000 s" slow.
func TestResumedAloneIsNotDated(t *testing.T) {
	a := NewActivity(5)
	a.StartFile("t")
	a.Add(&strace.Event{Kind: strace.Call, Line: 1, PID: 1, Name: []byte("nanosleep"), Return: 1700000000e9, HasReturn: true, RetOK: true})
	a.Add(&strace.Event{Kind: strace.Call, Line: 2, PID: 1, Name: []byte("read"), Return: 1700000003e9, HasReturn: true, Duration: 2e9, HasDuration: true, RetOK: true})
	a.EndFile(strace.Epoch)
	slow := a.Slow()
	if len(slow) != 1 || slow[0].Name != "read" || !slow[0].HasEntry || slow[0].Entry != 1700000001e9 {
		t.Errorf("slow calls = %+v; want only read, entered at its return minus -T", slow)
	}
}

// strace -f shows the threads a process makes; a thread's calls are its
// own, under its TID, and its process is known.
func TestThreadsFromClone(t *testing.T) {
	a := NewActivity(5)
	a.StartFile("py.strace")
	a.Add(&strace.Event{Kind: strace.Call, Line: 1, PID: 100, Name: []byte("clone3"), Args: []byte("{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, ...}, 88"), RetOK: true, RetVal: 101, Time: 1, HasTime: true})
	a.Add(&strace.Event{Kind: strace.Call, Line: 2, PID: 101, Name: []byte("clone"), Args: []byte("child_stack=NULL, flags=CLONE_VM|CLONE_THREAD"), RetOK: true, RetVal: 102, Time: 2, HasTime: true})
	a.Add(&strace.Event{Kind: strace.Call, Line: 3, PID: 100, Name: []byte("clone"), Args: []byte("child_stack=NULL, flags=SIGCHLD"), RetOK: true, RetVal: 200, Time: 3, HasTime: true})
	tgid := map[int]int{}
	for _, p := range a.Procs() {
		tgid[p.PID] = p.TGID
	}
	if diff := cmp.Diff(map[int]int{100: 0, 101: 100, 102: 100}, tgid); diff != "" {
		t.Errorf("TGIDs (-want +got):\n%s", diff)
	}
}

func TestSameDir(t *testing.T) {
	for _, tt := range []struct {
		traced, named string
		want          bool
	}{
		{"/tmp/d", "/tmp/d/", true},
		{"dir5k", "/home/u/dir5k", true},
		{"/home/u/dir5k", "dir5k", true},
		{"./dir5k", "dir5k", true},
		{"u/dir5k", "dir5k", true},
		{"/a/dir5k", "/b/dir5k", false},
		{"adir5k", "/home/dir5k", false},
	} {
		if got := sameDir(tt.traced, tt.named); got != tt.want {
			t.Errorf("sameDir(%q, %q) = %v; want %v", tt.traced, tt.named, got, tt.want)
		}
	}
}

func TestRatioWords(t *testing.T) {
	for v, want := range map[float64]string{12.54: "12.54x slower than", 1: "as fast as", 0.5: "2.00x faster than", 0.005798: "172.47x faster than"} {
		if got := RatioWords(v); got != want {
			t.Errorf("RatioWords(%v) = %q; want %q", v, got, want)
		}
	}
}

func TestWeightedMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []weighted
		want float64
	}{
		{[]weighted{{1, 1}, {3, 1}, {2, 1}}, 2},
		{[]weighted{{1, 1}, {2, 1}, {3, 1}, {4, 1}}, 2.5}, // the plain median
		{[]weighted{{1, 0.001}, {100, 5}, {2, 0.001}}, 100},
	} {
		if got, _ := weightedMedian(tt.in); got != tt.want {
			t.Errorf("weightedMedian(%v) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// A trace of made-up call names keeps a bounded table.
func TestSyscallNamesBounded(t *testing.T) {
	a := NewActivity(0)
	a.StartFile("t")
	for i := range maxSyscallNames + 1000 {
		a.Add(&strace.Event{Kind: strace.Call, Line: i + 1, PID: 1, Name: []byte("x" + strconv.Itoa(i)), RetOK: true})
	}
	ss := a.Syscalls()
	total := 0
	for _, s := range ss {
		total += s.Count
	}
	if len(ss) != maxSyscallNames+1 || total != maxSyscallNames+1000 {
		t.Errorf("%d names, %d calls; want %d names (one of them %q) and every call counted", len(ss), total, maxSyscallNames+1, otherNames)
	}
}

func TestUTCOffsetWords(t *testing.T) {
	tests := []struct {
		sec          int
		zone, amount string
	}{
		{-5 * 3600, "UTC-05:00", "5 h"},
		{19800, "UTC+05:30", "5 h 30 min"},
		{45900, "UTC+12:45", "12 h 45 min"},
	}
	for _, tt := range tests {
		if got := utcOffset(tt.sec); got != tt.zone {
			t.Errorf("utcOffset(%d) = %q, want %q", tt.sec, got, tt.zone)
		}
		if got := hoursWord(tt.sec); got != tt.amount {
			t.Errorf("hoursWord(%d) = %q, want %q", tt.sec, got, tt.amount)
		}
	}
}
