package app

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/model"
)

// snippetCase is a case whose first message is long, with its booking
// reference at the end, and whose later messages are written in capitals
// and with letters outside ASCII.
func snippetCase() (*model.Case, []string) {
	first := "Can you confirm a late checkout at the Lisbon hotel for my family of four? " +
		"We land at 14:10 and the kids will need a nap first. Booking reference HX-90211"
	now := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	c := &model.Case{ID: "c-fb", Channel: model.ChannelFacebook, Subject: first,
		Author:     model.Identity{Platform: model.ChannelFacebook, Handle: "@Tom_Whitfield19", DisplayName: "Tom Whitfield"},
		CustomerID: "K-4711", Tags: []string{"Late-Checkout"}, Status: model.StatusNew, Created: now, LastMessageAt: now, Version: 1}
	return c, []string{first,
		"Technician: OFFLINE-R3-EDITED James will call you back.",
		"Ich wohne in der Müller-Straße 4, nicht in İstanbul.\nDanke!"}
}

// snippetTables files the case as live events do and as the background
// build does.
func snippetTables(t *testing.T) map[string]*table {
	t.Helper()
	out := map[string]*table{}
	for _, how := range []string{"events", "build"} {
		c, msgs := snippetCase()
		tb := newTable("me", nil)
		tb.put(c.Summary())
		id := tb.byID[c.ID]
		if how == "events" {
			tb.search.setCase(id, c)
			for _, m := range msgs {
				tb.search.addMessage(id, m)
			}
		} else {
			var text []byte
			var w capsWriter
			for _, m := range msgs {
				text = appendFieldCaps(text, &w, 0, fieldMessage, m)
			}
			head, hcaps := caseHead(c)
			tb.search.install(id, head, hcaps, text, w.b)
			// A later change of the case keeps the messages' caps.
			c.Tags = append(c.Tags, "VIP")
			tb.search.setCase(id, c)
		}
		out[how] = tb
	}
	return out
}

func snippetOf(tb *table, typed string) Snippet {
	return tb.search.snippet(tb.byID["c-fb"], searchText(typed))
}

// A match at the end of a long first message is the row's line: the
// match as written, near its start (the row shows ~35 characters), with
// "…" where the message was cut; before, the row showed the message's
// start and the snippet was lower-cased.
func TestSnippetOfAMatchAtTheEndOfALongFirstMessage(t *testing.T) {
	for how, tb := range snippetTables(t) {
		sn := snippetOf(tb, "hx-90211")
		if sn.Field != "message" || sn.Text[sn.Start:sn.End] != "HX-90211" {
			t.Fatalf("%s: snippet %+v, want the match HX-90211 as written", how, sn)
		}
		line := sn.Line()
		if !strings.HasPrefix(line, "… ") || !strings.HasSuffix(line, "Booking reference HX-90211") {
			t.Errorf("%s: line %q, want '… ' then the context and the match at the message's end", how, line)
		}
		if at := utf8.RuneCountInString(line[:strings.Index(line, "HX-90211")]); at > 30 {
			t.Errorf("%s: the match begins at character %d of %q, out of a row's sight", how, at, line)
		}
	}
}

// A match in a later message shows that message as written, whatever the
// case typed; a letter whose lower case is shorter (İ) keeps the offsets.
func TestSnippetOfALaterMessageKeepsItsCase(t *testing.T) {
	for how, tb := range snippetTables(t) {
		sn := snippetOf(tb, "offline-r3-edited james")
		if sn.Text[sn.Start:sn.End] != "OFFLINE-R3-EDITED James" {
			t.Errorf("%s: match %q in %+v, want OFFLINE-R3-EDITED James", how, sn.Text[sn.Start:sn.End], sn)
		}
		if got := sn.Line(); got != "Technician: OFFLINE-R3-EDITED James will call you back." {
			t.Errorf("%s: line %q", how, got)
		}
		sn = snippetOf(tb, "MÜLLER-STRASSE")
		if sn.Text != "" {
			t.Errorf("%s: ß is not ss: %+v", how, sn)
		}
		sn = snippetOf(tb, "müller-straße")
		if sn.Text[sn.Start:sn.End] != "Müller-Straße" {
			t.Errorf("%s: match %q in %q", how, sn.Text[sn.Start:sn.End], sn.Text)
		}
		sn = snippetOf(tb, "istanbul")
		if sn.Text[sn.Start:sn.End] != "İstanbul" || !strings.Contains(sn.Line(), "nicht in İstanbul. Danke!") {
			t.Errorf("%s: match %q in %q (line %q)", how, sn.Text[sn.Start:sn.End], sn.Text, sn.Line())
		}
	}
}

// A match in the author's handle, name, customer number or a tag keeps
// the row's first line (its name line shows the handle): Line is empty;
// before, the row showed "… @tom_whitfield19" instead of its text.
func TestSnippetOfACaseFieldKeepsTheFirstLine(t *testing.T) {
	for how, tb := range snippetTables(t) {
		for typed, want := range map[string]string{
			"tom_whitfield": "handle", "tom whit": "author", "k-4711": "customer", "late-checkout": "tag",
		} {
			sn := snippetOf(tb, typed)
			if sn.Field != want || sn.Line() != "" {
				t.Errorf("%s: %q: field %q, line %q; want field %s and no line", how, typed, sn.Field, sn.Line(), want)
			}
		}
		if sn := snippetOf(tb, "tom_whitfield"); sn.Text != "@Tom_Whitfield19" {
			t.Errorf("%s: handle as written: %q", how, sn.Text)
		}
		if sn := snippetOf(tb, "vip"); how == "build" && sn.Text != "VIP" {
			t.Errorf("%s: a tag filed after the build: %q", how, sn.Text)
		}
	}
}

// BenchmarkSnippet is a row's snippet of a match in a later message of a
// case filed by events (the console asks one per row shown).
func BenchmarkSnippet(b *testing.B) {
	c, msgs := snippetCase()
	tb := newTable("me", nil)
	tb.put(c.Summary())
	id := tb.byID[c.ID]
	tb.search.setCase(id, c)
	for _, m := range msgs {
		tb.search.addMessage(id, m)
	}
	q := searchText("OFFLINE-R3-EDITED James")
	b.ReportAllocs()
	for b.Loop() {
		if tb.search.snippet(id, q).Text == "" {
			b.Fatal("no snippet")
		}
	}
}
