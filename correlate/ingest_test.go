package correlate

import (
	"strings"
	"testing"

	"github.com/lagtrace/lagtrace/parse/dmesg"
)

// The width of a stack's pointers is told by their printed digits, not
// their value: s390x kernel text lies below 4 GiB but prints 16 digits.
func TestAddrBits(t *testing.T) {
	tests := []struct {
		name, stack string
		want        int
	}{
		{"x86-64", " [<ffffffff8135067c>] __mutex_lock_common.isra.5+0xff/0x164\n", 64},
		{"s390x", " [<00000000001d6b2a>] __schedule+0x2ba/0x7a8\n", 64},
		{"arm32", "[<8022bb78>] (write_cache_pages) from [<7f4ba618>] (fuse_writepages+0x80/0xe4 [fuse])\n", 32},
		{"symbolized", " __schedule+0x1755/0x4f50 kernel/sched/core.c:6763\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "INFO: task ls:7 blocked for more than 120 seconds.\nCall Trace:\n" + tt.stack
			r := dmesg.NewReader(strings.NewReader(in), dmesg.Options{})
			if !r.Next() || r.Record().Task == nil {
				t.Fatalf("no task: %v", r.Err())
			}
			if got := addrBits(r.Record().Task.Frames); got != tt.want {
				t.Errorf("addrBits = %d, want %d (frames %+v)", got, tt.want, r.Record().Task.Frames)
			}
		})
	}
}
