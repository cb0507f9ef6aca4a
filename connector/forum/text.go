package forum

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// plainText renders an HTML fragment (a post's content) as the text a
// reader sees: tags dropped, entities decoded, white space collapsed as a
// browser would, block elements on lines of their own, paragraphs apart,
// list items as "- ", quoted posts prefixed "> ", preformatted text kept
// as is. Scripts and styles vanish. A plain-text input comes back with
// its white space collapsed.
func plainText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var w textWriter
	w.atLineStart = true
	hidden := 0 // depth inside script, style and the like
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String() // io.EOF, or the rest is unreadable
		case html.TextToken:
			if hidden == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if hiddenTag(a) {
				if tt == html.StartTagToken {
					hidden++
				}
				continue
			}
			if hidden > 0 {
				continue
			}
			switch {
			case a == atom.Br:
				w.lineBreak()
			case a == atom.Img:
				if alt := attr(z, hasAttr, "alt"); alt != "" {
					w.text(alt) // smilies and emoji carry their meaning in alt
				}
			case a == atom.Li:
				w.block(1)
				w.text("- ")
			case a == atom.Blockquote:
				w.block(2)
				w.quote++
			case a == atom.Pre:
				w.block(2)
				w.pre++
			case a == atom.Td || a == atom.Th:
				w.text(" ")
			case a == atom.Hr:
				w.block(2)
			case paragraph(a):
				w.block(2)
			case blockTag(a):
				w.block(1)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hiddenTag(a) {
				if hidden > 0 {
					hidden--
				}
				continue
			}
			if hidden > 0 {
				continue
			}
			switch {
			case a == atom.Blockquote:
				if w.quote > 0 {
					w.quote--
				}
				w.block(2)
			case a == atom.Pre:
				if w.pre > 0 {
					w.pre--
				}
				w.block(2)
			case a == atom.Td || a == atom.Th:
				w.text(" ")
			case paragraph(a):
				w.block(2)
			case blockTag(a) || a == atom.Li:
				w.block(1)
			}
		}
	}
}

func attr(z *html.Tokenizer, more bool, name string) string {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == name {
			return string(v)
		}
	}
	return ""
}

func hiddenTag(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template:
		return true
	}
	return false
}

// paragraph tags stand apart by a blank line.
func paragraph(a atom.Atom) bool {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.Figure:
		return true
	}
	return false
}

// blockTag tags start a line of their own.
func blockTag(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Aside,
		atom.Nav, atom.Main, atom.Address, atom.Details, atom.Summary, atom.Figcaption,
		atom.Tr, atom.Dt, atom.Dd, atom.Caption, atom.Fieldset, atom.Legend, atom.Body, atom.Html:
		return true
	}
	return false
}

// textWriter collects rendered text. Line breaks are kept pending until
// the next visible character, so trailing breaks and empty blocks leave
// nothing behind.
type textWriter struct {
	b           strings.Builder
	quote       int  // blockquote depth: lines start with "> " per level
	pre         int  // inside <pre>: white space kept
	atLineStart bool // nothing written on the current line yet
	space       bool // a collapsed space is pending
	newlines    int  // line breaks pending, at most 2
}

// block ends the current line (n=1) or paragraph (n=2).
func (w *textWriter) block(n int) {
	if n > w.newlines {
		w.newlines = n
	}
	w.space = false
}

// lineBreak is a <br>: one more line break, at most a blank line.
func (w *textWriter) lineBreak() {
	w.newlines = min(w.newlines+1, 2)
	w.space = false
}

func (w *textWriter) text(s string) {
	for _, r := range s {
		switch {
		case w.pre > 0 && r == '\n':
			w.flush()
			w.b.WriteByte('\n')
			w.atLineStart = true
		case w.pre > 0 && (r == ' ' || r == '\t'):
			w.put(r)
		case unicode.IsSpace(r): // includes U+00A0, &nbsp;
			if !w.atLineStart && w.newlines == 0 {
				w.space = true
			}
		case unicode.IsControl(r) || r == '\u200b' || r == '\ufeff':
			// invisible: control characters, zero-width space, BOM
		default:
			w.put(r)
		}
	}
}

// flush writes the pending line breaks.
func (w *textWriter) flush() {
	if w.newlines > 0 {
		if w.b.Len() > 0 {
			for range w.newlines {
				w.b.WriteByte('\n')
			}
			w.atLineStart = true
		}
		w.newlines = 0
		w.space = false
	}
}

func (w *textWriter) put(r rune) {
	w.flush()
	if w.atLineStart {
		for range w.quote {
			w.b.WriteString("> ")
		}
		w.atLineStart = false
		w.space = false
	}
	if w.space {
		w.b.WriteByte(' ')
		w.space = false
	}
	w.b.WriteRune(r)
}

func (w *textWriter) String() string {
	return strings.TrimSpace(w.b.String())
}
