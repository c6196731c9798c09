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
