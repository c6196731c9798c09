package strace

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// entryText is what a test compares of a Dirent.
func entryText(d Dirent) string { return fmt.Sprintf("%q %d %q", d.Name, d.Ino, d.Type) }

// TestFastEntry checks that the fast path reads the ≥ 4.11 getdents64
// layout as the general parser does, and declines everything else.
func TestFastEntry(t *testing.T) {
	tests := []struct {
		name, in string
		fast     bool // the fast path takes it
	}{
		{"plain", `d_ino=1193, d_off=4362813447357181491, d_reclen=48, d_type=DT_REG, d_name="nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV"}, {`, true},
		{"dot", `d_ino=2, d_off=12, d_reclen=24, d_type=DT_DIR, d_name="."}]`, true},
		{"negative offset", `d_ino=2, d_off=-1, d_reclen=24, d_type=DT_DIR, d_name=".."}]`, true},
		{"empty name", `d_ino=2, d_off=1, d_reclen=24, d_type=DT_UNKNOWN, d_name=""}]`, true},
		{"escaped quote", `d_ino=2, d_off=1, d_reclen=24, d_type=DT_REG, d_name="a\"b"}]`, false},
		{"octal escape", `d_ino=2, d_off=1, d_reclen=24, d_type=DT_REG, d_name="caf\303\251"}]`, false},
		{"cut name", `d_ino=2, d_off=1, d_reclen=24, d_type=DT_REG, d_name="abc"...}]`, false},
		{"-X raw type", `d_ino=2, d_off=1, d_reclen=24, d_type=0x8, d_name="a"}]`, false},
		{"-X verbose type", `d_ino=2, d_off=1, d_reclen=24, d_type=0x8 /* DT_REG */, d_name="a"}]`, false},
		{"4.9 order", `d_ino=2, d_off=1, d_type=DT_REG, d_reclen=24, d_name="a"}}`, false},
		{"getdents order", `d_ino=2, d_off=1, d_reclen=24, d_name="a", d_type=DT_REG}]`, false},
		{"line cut in name", `d_ino=2, d_off=1, d_reclen=24, d_type=DT_REG, d_name="ab`, false},
		{"line cut after name", `d_ino=2, d_off=1, d_reclen=24, d_type=DT_REG, d_name="ab"`, false},
		{"no digits", `d_ino=, d_off=1, d_reclen=24, d_type=DT_REG, d_name="a"}]`, false},
		{"extra field", `d_ino=2, d_off=1, d_reclen=24, d_type=DT_REG, d_name="a", d_x=1}]`, false},
	}
	var r Reader
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fd, gd Dirent
			frest, fok := fastEntry([]byte(tt.in), &fd)
			if fok != tt.fast {
				t.Fatalf("fastEntry(%q) ok = %v; want %v", tt.in, fok, tt.fast)
			}
			if !fok {
				if string(frest) != tt.in {
					t.Errorf("fastEntry(%q) declined but consumed input: rest %q", tt.in, frest)
				}
				return
			}
			grest, gok := r.parseEntry([]byte(tt.in), &gd, false, true)
			if !gok {
				t.Fatalf("parseEntry(%q) failed where the fast path succeeded", tt.in)
			}
			if diff := cmp.Diff(entryText(gd), entryText(fd)); diff != "" {
				t.Errorf("fastEntry(%q) entry differs from the general parser (-general +fast):\n%s", tt.in, diff)
			}
			if string(grest) != string(frest) {
				t.Errorf("fastEntry(%q) rest = %q; general parser's = %q", tt.in, frest, grest)
			}
		})
	}
}

// FuzzFastEntry: wherever the fast path accepts an entry, the general
// parser reads the same entry and stops at the same place.
func FuzzFastEntry(f *testing.F) {
	f.Add([]byte(`d_ino=1193, d_off=4362813447357181491, d_reclen=48, d_type=DT_REG, d_name="nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV"}, {`))
	f.Add([]byte(`d_ino=2, d_off=-1, d_reclen=24, d_type=DT_DIR, d_name=".."}]`))
	f.Add([]byte(`d_ino=2, d_off=1, d_reclen=24, d_type=DT_REG, d_name="a\"b"}]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var fd, gd Dirent
		frest, fok := fastEntry(in, &fd)
		if !fok {
			if len(frest) != len(in) {
				t.Fatalf("declined but consumed input: rest %q of %q", frest, in)
			}
			return
		}
		var r Reader
		grest, gok := r.parseEntry(in, &gd, false, true)
		if !gok || entryText(gd) != entryText(fd) || len(grest) != len(frest) {
			t.Fatalf("fast %s (rest %d), general %s ok=%v (rest %d) for %q", entryText(fd), len(frest), entryText(gd), gok, len(grest), in)
		}
	})
}
