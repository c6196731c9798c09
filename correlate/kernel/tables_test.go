package kernel

import "testing"

func TestFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"iterate_dir+0x86/0x2a0":                       "iterate_dir",
		"[<0>] iterate_dir+0x86/0x2a0":                 "iterate_dir",
		"__mutex_lock.constprop.0+0x4d0/0xab8":         "__mutex_lock",
		"rpc_wait_bit_killable+0x24/0x40 [sunrpc]":     "rpc_wait_bit_killable",
		"? down_write+0x13/0x30":                       "down_write",
		"jbd2_log_wait_commit.cold":                    "jbd2_log_wait_commit",
		"[<ffffffffa04f69b4>] rpc_wait_bit_killable+0": "rpc_wait_bit_killable",
		"": "",
	} {
		if got := FuncName(in); got != want {
			t.Errorf("FuncName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each function is described once: a second entry would silently win.
func TestTablesHaveNoDuplicates(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range waitPoints {
		if seen[w.Fn] {
			t.Errorf("wait point %s listed twice", w.Fn)
		}
		seen[w.Fn] = true
	}
	sites := map[string]bool{}
	for _, s := range lockSites {
		if sites[s.Fn] {
			t.Errorf("lock site %s listed twice", s.Fn)
		}
		sites[s.Fn] = true
		if s.Kernels == "" {
			t.Errorf("lock site %s says no kernel versions", s.Fn)
		}
	}
	for _, w := range waitPoints {
		if w.Kernels == "" {
			t.Errorf("wait point %s says no kernel versions", w.Fn)
		}
	}
	named := map[string]bool{}
	for _, n := range namedLocks {
		if named[n.Fn] {
			t.Errorf("named lock %s listed twice", n.Fn)
		}
		named[n.Fn] = true
	}
}

func TestSiteHolds(t *testing.T) {
	tests := []struct {
		site, callee string
		holds, rel   bool
	}{
		{"iterate_dir", "nfs_readdir", true, false},
		{"iterate_dir", "fuse_readdir", true, false},
		{"iterate_dir", "security_file_permission", false, true},
		{"lookup_slow", "__lookup_slow", true, false},
		{"do_unlinkat", "vfs_unlink", true, false},
		{"do_unlinkat", "iput", false, true},
		{"do_unlinkat", "destroy_inode", false, true},
		{"do_last", "lookup_open", true, false},
		{"do_last", "finish_open", false, true},
		{"do_last", "vfs_open", false, true},
		{"open_last_lookups", "fuse_atomic_open", true, false},
		{"path_openat", "do_open", false, true},
	}
	for _, tt := range tests {
		s, ok := Site(tt.site)
		if !ok {
			t.Fatalf("no site %s", tt.site)
		}
		if got := s.Holds(tt.callee); got != tt.holds {
			t.Errorf("%s.Holds(%s) = %v, want %v", tt.site, tt.callee, got, tt.holds)
		}
		if got := s.Releases(tt.callee); got != tt.rel {
			t.Errorf("%s.Releases(%s) = %v, want %v", tt.site, tt.callee, got, tt.rel)
		}
	}
}
