package detect

import (
	"bytes"
	"os"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		file string
		want Kind
	}{
		{"../../testdata/dmesg/seed-4.19.txt", Dmesg},
		{"../../testdata/locks-6.18/dmesg.txt", Dmesg},
		{"../../testdata/locks-6.18/dmesg-T.txt", Dmesg},
		{"../../testdata/locks-6.18/stacks-tail.txt", ProcStack},
		{"../../testdata/locks-6.18/stacks-ps.txt", ProcStack},
		{"../../testdata/procstack/ustclug-nfs4-close-2.6.32.stack", ProcStack},
		{"../../testdata/crash/seed-4.19.txt", Crash},
		{"../../testdata/crash/seed-qemu-4.19.txt", Crash},
		{"../../testdata/locks-6.18/ls.strace", Strace},
		{"../../testdata/strace/styles/T.strace", Strace},
		{"../../testdata/locks-6.18/holder-status.txt", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > HeadSize {
				b = b[:HeadSize]
			}
			if got := Detect(b); got != tt.want {
				t.Errorf("Detect = %s, want %s", got, tt.want)
			}
			// The same capture saved with bare "\r" line ends (an old Mac
			// editor, a serial console) is the same kind.
			cr := bytes.ReplaceAll(b, []byte("\n"), []byte("\r"))
			if got := Detect(cr); got != tt.want {
				t.Errorf("Detect with \\r line ends = %s, want %s", got, tt.want)
			}
		})
	}
	if got := Detect(nil); got != Unknown {
		t.Errorf("Detect(nil) = %s", got)
	}
}

func FuzzDetect(f *testing.F) {
	for _, p := range []string{"../../testdata/dmesg/seed-4.19.txt", "../../testdata/crash/seed-4.19.txt",
		"../../testdata/locks-6.18/stacks-tail.txt", "../../testdata/locks-6.18/ls.strace"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		switch Detect(b) {
		case Unknown, Strace, Dmesg, ProcStack, Crash:
		default:
			t.Fatal("unknown kind")
		}
	})
}
