package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Names from the customer's machine (file names, command names) reach
// every sink: no escape sequence may reach a terminal, no Markdown table
// may break, JSON must stay valid UTF-8.
func TestHostileNames(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "st|ack`\x1b[2J<i>.txt")
	stacks := "12345 D    ev\x1b[31mil|`*x\n[<0>] iterate_dir+0x86/0x2a0\n[<0>] __x64_sys_getdents64+0x76/0x110\n" +
		"12346 S    to\xffuch<b>\u009b\n[<0>] request_wait_answer+0x112/0x210\n[<0>] __fuse_simple_request+0x120/0x330\n" +
		"[<0>] fuse_lookup+0x75/0x1b0\n[<0>] fuse_atomic_open+0x124/0x190\n[<0>] path_openat+0xba6/0x12d0\n"
	if err := os.WriteFile(name, []byte(stacks), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"locks", name},
		{"report", "h\x1b]0;x\a|st=" + name},
	} {
		for _, f := range []string{"text", "markdown", "json"} {
			t.Run(args[0]+"/"+f, func(t *testing.T) {
				out, stderr, code := runCLI(t, "", append([]string{args[0], "-f", f}, args[1:]...)...)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if !strings.Contains(out, "12346") {
					t.Fatalf("output lacks the holder:\n%s", out)
				}
				for _, s := range []string{out, stderr} {
					if i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 }); i >= 0 {
						t.Errorf("control character %q reaches the output at %d", s[i], i)
					}
				}
				switch f {
				case "markdown":
					checkTables(t, out)
				case "json":
					if !utf8.ValidString(out) || !json.Valid([]byte(out)) {
						t.Errorf("JSON output is not valid UTF-8 JSON")
					}
				}
			})
		}
	}
}

// unescapedPipe finds cell separators: pipes not escaped with a backslash.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

// checkTables requires every row of every GFM table to have as many cells
// as its header.
func checkTables(t *testing.T, md string) {
	t.Helper()
	want := -1
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		// Count separators on a copy where "\|" cannot pair up wrongly.
		n := len(unescapedPipe.FindAllStringIndex(strings.ReplaceAll(line, "||", "| |"), -1))
		if want < 0 {
			want = n
			continue
		}
		if n != want {
			t.Errorf("Markdown line %d has %d cell separators, its table %d: %q", i+1, n, want, line)
		}
	}
}
