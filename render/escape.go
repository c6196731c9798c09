// Package render writes lagtrace's results for people and programs: a
// terminal view (lipgloss, colour only on a terminal), GitHub-flavoured
// Markdown for tickets, and versioned JSON for jq.
package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal makes an input-derived string safe to print: C0 and C1 control
// characters and DEL are shown in caret or \x notation, invalid UTF-8 bytes
// as \xNN, so no escape sequence from a trace reaches the terminal. Unicode
// characters that change how text around them looks without showing
// themselves are shown by code point: bidi controls ("\u202e" is
// "<U+202E>"), zero-width and other format characters, the line and
// paragraph separators U+2028 and U+2029, and Hangul fillers; so a name
// cannot reorder or hide the text it sits in.
func Terminal(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigit(s[i] >> 4))
			b.WriteByte(hexDigit(s[i] & 0xf))
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + '@')
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r < 0xa0:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigit(byte(r) >> 4))
			b.WriteByte(hexDigit(byte(r) & 0xf))
		case invisible(r):
			h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
			b.WriteString("<U+" + strings.Repeat("0", max(0, 4-len(h))) + h + ">")
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// invisible reports the characters Terminal shows by code point: format
// characters (bidi embeddings, overrides and isolates, zero-width space and
// joiners, the byte order mark, soft hyphen, tags), the line and paragraph
// separators, and the default-ignorable fillers that render as nothing.
func invisible(r rune) bool {
	return r >= 0xa0 && unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point)
}

func hexDigit(b byte) byte { return "0123456789abcdef"[b] }

// MarkdownCell makes a string safe inside a GFM table cell or running text:
// it first applies Terminal, then escapes what Markdown would interpret
// (pipes, backticks, emphasis, HTML) and turns line breaks into <br>.
func MarkdownCell(s string) string {
	s = Terminal(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '|', '`', '*', '_', '[', ']', '\\', '#', '~':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// MarkdownCode wraps s in a code span that no backtick inside s can close,
// for function names and file:line references that read best verbatim.
// A pipe inside a code span still splits a GFM table cell, so it is escaped.
func MarkdownCode(s string) string {
	s = strings.ReplaceAll(Terminal(s), "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
