package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain name", "plain name"},
		{"héllo", "héllo"},
		{"\x1b[31mred", "^[[31mred"},
		{"a\nb\tc", "a^Jb^Ic"},
		{"del\x7f", "del^?"},
		{"c1\u009b2J", `c1\u009b2J`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"nul\x00", "nul^@"},
		// Spoofing characters are shown, not obeyed.
		{"evil\u202etxt.exe", "evil<U+202E>txt.exe"},
		{"a\u2066b\u2069c\u200fd\u061ce", "a<U+2066>b<U+2069>c<U+200F>d<U+061C>e"},
		{"zero\u200bwidth\u200d\ufeff", "zero<U+200B>width<U+200D><U+FEFF>"},
		{"line\u2028para\u2029", "line<U+2028>para<U+2029>"},
		{"soft\u00adhyphen", "soft<U+00AD>hyphen"},
		{"filler\u3164x", "filler<U+3164>x"},
		{"tag\U000e0041", "tag<U+E0041>"},
		{"emoji 😀 and CJK 以下", "emoji 😀 and CJK 以下"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Terminal(tt.in)); diff != "" {
			t.Errorf("Terminal(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestMarkdownCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"file1", "file1"},
		{"a|b", `a\|b`},
		{"`rm -rf`", "\\`rm -rf\\`"},
		{"<script>", "&lt;script&gt;"},
		{"*bold* _it_", `\*bold\* \_it\_`},
		{"two\nlines", "two^Jlines"},
		{"rtl\u202e|x", `rtl&lt;U+202E&gt;\|x`},
	}
	for _, tt := range tests {
		got := MarkdownCell(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("MarkdownCell(%q) (-want +got):\n%s", tt.in, diff)
		}
		if strings.ContainsAny(strings.ReplaceAll(got, `\|`, ""), "|\n\r") {
			t.Errorf("MarkdownCell(%q) = %q can break a table row", tt.in, got)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"iterate_dir", "`iterate_dir`"},
		{"a`b", "``a`b``"},
		{"`x", "`` `x ``"},
		{"a|b", "`a\\|b`"},
		{"f\u202eo", "`f<U+202E>o`"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, MarkdownCode(tt.in)); diff != "" {
			t.Errorf("MarkdownCode(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestEscapeJSONControls(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"plain"}`, `{"a":"plain"}`},
		{"{\"a\":\"x\u009b2Jy\"}", `{"a":"x\u009b2Jy"}`},
		{"{\"a\":\"del\x7f é\"}", `{"a":"del\u007f é"}`},
		{"{\"a\":\"rtl\u202ex\U000e0041\"}", `{"a":"rtl\u202ex\udb40\udc41"}`},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, string(escapeJSONControls([]byte(tt.in)))); diff != "" {
			t.Errorf("escapeJSONControls(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
