package render

import (
	"io"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// styles holds the lipgloss styles and the layout of one output. They are
// bound to a renderer made for that writer, never to lipgloss's global
// one, so tests and concurrent renders cannot disturb each other.
type styles struct {
	r                         *lipgloss.Renderer
	title, head, dim, bad, ok lipgloss.Style
	// width is where tables must end, prose the column it wraps at.
	width, prose int
	wide         bool
	short        *shortener
	scale        Scale
}

func newStyles(w io.Writer, o Options) *styles {
	r := lipgloss.NewRenderer(w)
	if o.Color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return &styles{
		r:     r,
		title: r.NewStyle().Bold(true),
		head:  r.NewStyle().Bold(true),
		dim:   r.NewStyle().Faint(true),
		bad:   r.NewStyle().Foreground(lipgloss.Color("196")).Bold(true),
		ok:    r.NewStyle().Foreground(lipgloss.Color("34")),
		width: o.width(),
		prose: o.proseWidth(),
		wide:  o.Wide,
		short: newShortener(mapStrings(o.Sources, Terminal)),
		scale: o.PlotScale,
	}
}

// paragraph renders a titled paragraph: the title in bold, two spaces,
// then text wrapped at the prose width. The text must already be
// sanitized.
func (s *styles) paragraph(title, text string) string {
	return s.hanging(s.title, title, 2, 0, text)
}

// tagged renders one line of a listing ("evidence ...", "note ...",
// "warning ...") led by a styled tag; when it wraps, the lines after the
// first are indented to where the text began, so the tag stands out. The
// text must already be sanitized.
func (s *styles) tagged(tag lipgloss.Style, name, text string) string {
	return s.hanging(tag, name, 1, cellWidth(name)+1, text)
}

// indented renders text wrapped at the prose width, every line indented
// by indent spaces.
func (s *styles) indented(indent int, text string) string {
	return s.hanging(s.r.NewStyle(), "", indent, indent, text)
}

// hanging writes the styled name, gap spaces, and text wrapped so that no
// line passes the prose width, the lines after the first indented by
// indent spaces (at most a third of the width).
func (s *styles) hanging(lead lipgloss.Style, name string, gap, indent int, text string) string {
	indent = min(indent, s.prose/3)
	lead0 := cellWidth(name) + gap
	lines := wrapText(text, s.prose-lead0, s.prose-indent)
	var b strings.Builder
	if name != "" {
		b.WriteString(lead.Render(name))
	}
	for i, l := range lines {
		switch {
		case l == "":
		case i == 0:
			b.WriteString(strings.Repeat(" ", gap) + l)
		default:
			b.WriteString(strings.Repeat(" ", indent) + l)
		}
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// styleLines styles each line of text on its own: lipgloss pads the lines
// of a block it renders to one width, which would end them in spaces.
func styleLines(st lipgloss.Style, text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = st.Render(l)
		}
	}
	return strings.Join(lines, "\n")
}

// cellWidth is how many terminal columns s takes (wide scripts take two
// a character; styling takes none). Printable ASCII, most cells, is one
// column a byte.
func cellWidth(s string) int {
	if isPlain(s) {
		return len(s)
	}
	return lipgloss.Width(s)
}

// wrapText breaks text at its spaces into lines at most first columns wide
// for the first, rest for the others. It never breaks inside a word, so
// "->iterate_shared" stays whole and no line starts with its ">"; a word
// wider than a line gets a line of its own. Runs of spaces inside a line
// are kept; spaces at a break are dropped.
func wrapText(text string, first, rest int) []string {
	var lines []string
	var cur strings.Builder
	curW, avail := 0, max(first, 1)
	for i, w := range strings.Split(text, " ") {
		ww := cellWidth(w)
		switch {
		case i == 0:
		case ww > 0 && curW+1+ww > avail && strings.TrimSpace(cur.String()) != "":
			lines = append(lines, strings.TrimRight(cur.String(), " "))
			cur.Reset()
			curW, avail = 0, max(rest, 1)
		default:
			cur.WriteByte(' ')
			curW++
		}
		cur.WriteString(w)
		curW += ww
	}
	return append(lines, strings.TrimRight(cur.String(), " "))
}

// table renders rows for a terminal. Cells must already be sanitized;
// right lists the columns aligned right (numbers). A table wider than
// the output is fitted to it, in this order, until it fits: source paths
// lose their common directory (keeping base names apart), columns that
// hold one value on every row become a note under the table, and the
// widest columns wrap their cells. With Wide, tables are shown whole.
func (s *styles) table(headers []string, rows [][]string, right ...int) string {
	t := newGrid(headers, rows, right)
	var notes []string
	if !s.wide && t.width() > s.width {
		notes = t.fit(s.width, s.short)
	}
	out := t.render(s)
	if len(notes) > 0 {
		out += "\n" + styleLines(s.dim, s.indented(1, strings.Join(notes, "; ")))
	}
	return out
}

// grid is a table being laid out.
type grid struct {
	headers []string
	rows    [][]string
	right   []bool
	widths  []int
}

func newGrid(headers []string, rows [][]string, right []int) *grid {
	g := &grid{headers: slices.Clone(headers), right: make([]bool, len(headers))}
	for _, c := range right {
		if c < len(g.right) {
			g.right[c] = true
		}
	}
	for _, r := range rows {
		row := make([]string, len(headers))
		copy(row, r)
		g.rows = append(g.rows, row)
	}
	g.widths = g.natural()
	return g
}

// natural is each column's width with every cell on one line.
func (g *grid) natural() []int {
	w := make([]int, len(g.headers))
	for c, h := range g.headers {
		w[c] = cellWidth(h)
		for _, r := range g.rows {
			w[c] = max(w[c], cellWidth(r[c]))
		}
	}
	return w
}

// Columns are one space from the left edge and two apart; trailing
// spaces are trimmed.
const colGap = 2

func (g *grid) width() int { return tableWidth(g.widths) }

func tableWidth(ws []int) int {
	if len(ws) == 0 {
		return 0
	}
	n := 1 + colGap*(len(ws)-1)
	for _, w := range ws {
		n += w
	}
	return n
}

// fit makes the grid at most width wide and returns the notes that say
// what it took out.
func (g *grid) fit(width int, short *shortener) []string {
	var notes []string
	if short != nil && g.shorten(short) {
		notes = append(notes, short.note())
		g.widths = g.natural()
	}
	if g.width() > width {
		if same := g.collapse(); same != "" {
			notes = append(notes, "on every row: "+same)
		}
		g.widths = g.natural()
	}
	if g.width() > width {
		g.shrink(width)
	}
	return notes
}

// shorten applies short to every cell and reports whether it changed one.
func (g *grid) shorten(short *shortener) bool {
	changed := false
	for _, r := range g.rows {
		for c, v := range r {
			if nv := short.apply(v); nv != v {
				r[c], changed = nv, true
			}
		}
	}
	return changed
}

// collapse removes the columns that hold the same value on every row
// (of two or more) and says what they held: "comm rsync, mode write".
// Empty columns go without a word.
func (g *grid) collapse() string {
	if len(g.rows) < 2 || len(g.headers) < 2 {
		return ""
	}
	var said []string
	keep := make([]bool, len(g.headers))
	kept := 0
	for c := range g.headers {
		v := g.rows[0][c]
		for _, r := range g.rows[1:] {
			if r[c] != v {
				keep[c] = true
				break
			}
		}
		if keep[c] {
			kept++
		} else if v != "" {
			said = append(said, g.headers[c]+" "+v)
		}
	}
	if kept == 0 || kept == len(g.headers) {
		return ""
	}
	g.headers = pick(g.headers, keep)
	g.right = pick(g.right, keep)
	for i, r := range g.rows {
		g.rows[i] = pick(r, keep)
	}
	return strings.Join(said, ", ")
}

func pick[T any](xs []T, keep []bool) []T {
	var out []T
	for i, x := range xs {
		if keep[i] {
			out = append(out, x)
		}
	}
	return out
}

// minWrap is the narrowest a column shrinks to when even its longest
// word does not leave room: its words are then broken.
const minWrap = 8

// shrink narrows the widest column, one column at a time, until the grid
// fits width: first each down to its longest word, then, when the words of
// all columns side by side are still too wide, the widest further, down to
// minWrap (or its header's longest word), breaking its longest words.
func (g *grid) shrink(width int) {
	words := make([]int, len(g.widths))
	least := make([]int, len(g.widths))
	heads := make([]int, len(g.widths))
	for c := range words {
		heads[c] = max(1, longestWord(g.headers[c]))
		least[c] = min(g.widths[c], max(minWrap, heads[c]))
		words[c] = heads[c]
		for _, r := range g.rows {
			words[c] = max(words[c], longestWord(r[c]))
		}
		words[c] = min(words[c], g.widths[c])
	}
	// Last, for many columns on a narrow terminal: down to the headers'
	// words.
	for _, floor := range [][]int{words, least, heads} {
		if g.narrow(width, floor) {
			return
		}
	}
}

// narrow takes a column from the widest at a time until the grid fits
// width, none below its floor, and reports whether it fits.
func (g *grid) narrow(width int, floor []int) bool {
	for tableWidth(g.widths) > width {
		widest := -1
		for c, w := range g.widths {
			if w > floor[c] && (widest < 0 || w > g.widths[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			return false
		}
		g.widths[widest]--
	}
	return true
}

func longestWord(s string) int {
	n := 0
	for _, w := range strings.Split(s, " ") {
		n = max(n, cellWidth(w))
	}
	return n
}

// render writes the header, a rule and the rows, every cell wrapped to
// its column.
func (g *grid) render(s *styles) string {
	var b strings.Builder
	g.writeRow(&b, g.headers, func(v string) string { return s.head.Render(v) })
	b.WriteString(s.dim.Render(strings.Repeat("─", g.width())) + "\n")
	for _, r := range g.rows {
		g.writeRow(&b, r, nil)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// writeRow writes one row, as many lines as its tallest cell, styling
// each piece of text with style (nil: plain) after it is measured.
func (g *grid) writeRow(b *strings.Builder, cells []string, style func(string) string) {
	parts := make([][]string, len(cells))
	height := 1
	for c, v := range cells {
		parts[c] = wrapCell(v, g.widths[c])
		height = max(height, len(parts[c]))
	}
	for k := range height {
		var line strings.Builder
		line.WriteByte(' ')
		for c := range cells {
			if c > 0 {
				line.WriteString(strings.Repeat(" ", colGap))
			}
			v := ""
			if k < len(parts[c]) {
				v = parts[c][k]
			}
			pad := strings.Repeat(" ", max(0, g.widths[c]-cellWidth(v)))
			if style != nil && v != "" {
				v = style(v)
			}
			if g.right[c] {
				line.WriteString(pad + v)
			} else {
				line.WriteString(v + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}

// wrapCell wraps a cell to width columns, breaking a word only when it is
// wider than the column itself.
func wrapCell(v string, width int) []string {
	if cellWidth(v) <= width {
		return []string{v}
	}
	var out []string
	for _, l := range wrapText(v, width, width) {
		for cellWidth(l) > width {
			head, tail := breakWord(l, width)
			out = append(out, head)
			l = tail
		}
		out = append(out, l)
	}
	return out
}

// breakWord cuts s after at most width columns, preferably just after a
// "/" in its second half, else after a "_", ".", ":" or "-" there, so that
// paths and function names break where they read well.
func breakWord(s string, width int) (head, tail string) {
	cut, w, slash, soft := 0, 0, 0, 0
	for i, r := range s {
		rw := cellWidth(string(r))
		if w+rw > width {
			break
		}
		w += rw
		cut = i + len(string(r))
		switch {
		case w <= width/2:
		case r == '/':
			slash = cut
		case strings.ContainsRune("_.:-", r):
			soft = cut
		}
	}
	if cut == 0 { // a character wider than the column
		_, size := firstRune(s)
		cut = size
	}
	if cut < len(s) {
		if slash > 0 {
			cut = slash
		} else if soft > 0 {
			cut = soft
		}
	}
	return s[:cut], s[cut:]
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// markdownTable writes a GFM table. Cells must already be escaped with
// MarkdownCell or MarkdownCode; right lists right-aligned columns.
func markdownTable(b *strings.Builder, headers []string, rows [][]string, right ...int) {
	isRight := make(map[int]bool, len(right))
	for _, c := range right {
		isRight[c] = true
	}
	b.WriteString("|")
	for _, h := range headers {
		b.WriteString(" " + h + " |")
	}
	b.WriteString("\n|")
	for i := range headers {
		if isRight[i] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, row := range rows {
		b.WriteString("|")
		for i := range headers {
			c := ""
			if i < len(row) {
				c = row[i]
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
}

func mapStrings(xs []string, f func(string) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// plotMarkdown is the image link to the plot, after a blank line.
func plotMarkdown(link string) string {
	return "\n![listing progress per host](" + markdownLink(link) + ")\n"
}

// section writes a Markdown heading and its body, or nothing when the
// body is empty: a ticket should not end in a heading with nothing under it.
func section(b *strings.Builder, heading, body string) {
	if strings.TrimSpace(body) == "" {
		return
	}
	b.WriteString(heading + "\n\n" + body)
}
