package render

import (
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/muesli/termenv"
)

// styles holds the lipgloss styles of one output. They are bound to a
// renderer made for that writer, never to lipgloss's global one, so tests
// and concurrent renders cannot disturb each other.
type styles struct {
	r                         *lipgloss.Renderer
	title, head, dim, bad, ok lipgloss.Style
	cell                      lipgloss.Style
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
		head:  r.NewStyle().Bold(true).Padding(0, 1),
		cell:  r.NewStyle().Padding(0, 1),
		dim:   r.NewStyle().Faint(true),
		bad:   r.NewStyle().Foreground(lipgloss.Color("196")).Bold(true),
		ok:    r.NewStyle().Foreground(lipgloss.Color("34")),
	}
}

// textWidth is where paragraphs wrap in the text format: tables can be
// wider, but prose read in a terminal should not run off its edge.
const textWidth = 100

// paragraph renders a titled paragraph wrapped at textWidth. The text must
// already be sanitized.
func (s *styles) paragraph(title, text string) string {
	return s.r.NewStyle().Width(textWidth).Render(s.title.Render(title) + "  " + text)
}

// table renders rows for a terminal. Cells must already be sanitized;
// right lists the columns aligned right (numbers).
func (s *styles) table(headers []string, rows [][]string, right ...int) string {
	isRight := make(map[int]bool, len(right))
	for _, c := range right {
		isRight[c] = true
	}
	t := table.New().
		Border(lipgloss.NormalBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderColumn(false).
		BorderStyle(s.dim).
		Headers(headers...).
		Rows(rows...).
		StyleFunc(func(row, col int) lipgloss.Style {
			st := s.cell
			if row == table.HeaderRow {
				st = s.head
			}
			if isRight[col] {
				st = st.Align(lipgloss.Right)
			}
			return st
		})
	return t.Render()
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
