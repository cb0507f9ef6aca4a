package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
)

// Issue 13 point 9: at 800×500 units (200 % on a 1600×1000 screen) the
// full composer — claim row, mode row, reach warning, the line naming
// the reader, three lines of text, the buttons, the info line — took 327
// of the case pane's 440 units and left the thread 113. Compact it keeps
// every part in fewer rows.

// drawn reports whether o is drawn under root: shown, and in every
// container and widget on the way shown.
func drawn(root, o fyne.CanvasObject) bool {
	if !root.Visible() {
		return false
	}
	if root == o {
		return true
	}
	var kids []fyne.CanvasObject
	switch x := root.(type) {
	case *fyne.Container:
		kids = x.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(x).Objects()
	}
	for _, k := range kids {
		if drawn(k, o) {
			return true
		}
	}
	return false
}

// onScreen fails the test unless o is drawn inside the window, with a size.
func onScreen(t *testing.T, w fyne.Window, name string, o fyne.CanvasObject) {
	t.Helper()
	if !drawn(w.Canvas().Content(), o) {
		t.Errorf("%s is not shown", name)
		return
	}
	p, s, cs := fyne.CurrentApp().Driver().AbsolutePositionForObject(o), o.Size(), w.Canvas().Size()
	if s.Width < 1 || s.Height < 1 || p.X < 0 || p.Y < 0 || p.X+s.Width > cs.Width+0.5 || p.Y+s.Height > cs.Height+0.5 {
		t.Errorf("%s is at %v, %v: not inside the %v window", name, p, s, cs)
	}
}

func richText(r *widget.RichText) string {
	var b strings.Builder
	for _, s := range r.Segments {
		b.WriteString(s.Textual())
	}
	return b.String()
}

// At 800×500 the composer takes about 40 % of the case pane (327 of 440
// units before, 74 %) and the thread gets 240 units or more (113 before),
// in English and German, every control of it on the screen; at 1400×860
// the composer has its full rows.
func TestCompactComposerLeavesTheThreadRoom(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	for _, lang := range []string{"en", "de"} {
		c, w := openAt(t, lang, fyne.NewSize(800, 500), false)
		c.Locked(func() {
			savePNG(t, w, "compact_composer_"+lang)
			a, d := c.Actions(), c.Detail()
			comp := a.comp
			if !a.Compact() {
				t.Fatalf("%s: the composer is not compact at 800×500", lang)
			}
			pane := a.Size().Height + d.Size().Height
			t.Logf("%s 800×500: composer %.0f of the case pane's %.0f units (%.0f %%), thread %.0f", lang, a.Size().Height, pane, 100*a.Size().Height/pane, d.ThreadHeight())
			if a.Size().Height > 0.42*pane {
				t.Errorf("%s: the composer takes %.0f of the case pane's %.0f units; want about 40 %% at most", lang, a.Size().Height, pane)
			}
			if h := d.ThreadHeight(); h < 240 {
				t.Errorf("%s: the thread has %.0f units; want 240 or more", lang, h)
			}
			// The line naming the reader has the room its lines take.
			if got, want := comp.whoRich.Size().Height, comp.whoRich.MinSize().Height; got < want-0.5 {
				t.Errorf("%s: the reader's line has %.0f of the %.0f units its lines take", lang, got, want)
			}
			// Whose the case is: in full where the row has room, else
			// shorter (nothing for a case nobody has, "with anna" for
			// a colleague's), never cut short.
			owner := func(short string) {
				switch root := w.Canvas().Content(); {
				case drawn(root, a.owner) == drawn(root, a.ownerShort):
					t.Errorf("%s: owner shown %v, its short form %v", lang, drawn(root, a.owner), drawn(root, a.ownerShort))
				case drawn(root, a.owner) && a.owner.MinSize().Width > a.owner.Size().Width+0.5:
					t.Errorf("%s: %q cut short", lang, a.owner.Text)
				case drawn(root, a.ownerShort) && a.ownerShort.Text != short:
					t.Errorf("%s: the owner's short form says %q; want %q", lang, a.ownerShort.Text, short)
				}
			}
			owner("")
			a.assignee = "anna"
			a.showOwner()
			w.Resize(fyne.NewSize(801, 500)) // a layout pass
			w.Resize(fyne.NewSize(800, 500))
			owner(T("with {{.Who}}", "Who", "anna"))
			a.assignee = ""
			a.showOwner()
			for name, o := range map[string]fyne.CanvasObject{
				"the claim button": a.claim, "the status picker": a.status, "the modes": comp.modes,
				"the line naming the reader": comp.whoRich, "the text box": comp.entry, "the count": comp.counter,
				"the ⋮ menu": comp.more, "the send button": comp.send,
			} {
				onScreen(t, w, lang+": "+name, o)
			}
		})
	}
	// Offline, the banner leaves the case pane about 580 units: the
	// composer stays full.
	c, _ := openAt(t, "en", fyne.NewSize(1400, 860), true)
	c.Locked(func() {
		if c.Actions().Compact() {
			t.Error("the composer is compact at 1400×860 under the offline banner")
		}
	})
	c, w := openAt(t, "en", fyne.NewSize(1400, 860), false)
	c.Locked(func() {
		a := c.Actions()
		if a.Compact() {
			t.Fatal("the composer is compact at 1400×860")
		}
		for name, o := range map[string]fyne.CanvasObject{
			"the canned answers": a.comp.canned, "the public / private switch": a.comp.privacy,
			"the reach warning": a.comp.reach, "the line naming the reader": a.comp.who,
		} {
			onScreen(t, w, "1400×860: "+name, o)
		}
		if drawn(w.Canvas().Content(), a.comp.more) {
			t.Error("1400×860: the compact ⋮ menu is shown")
		}
		if got := a.SendButton().Text; got != "Send publicly to @mbrenner_travels" {
			t.Errorf("1400×860: the send button says %q", got)
		}
	})
}

// Compact, the modes cannot be confused: the mode is picked beside claim
// and status, the frame takes its colour, the line names who reads it
// (the high-reach warning on it), the send button names the mode, and
// each mode keeps its own text; r and n switch.
func TestCompactComposerKeepsTheModesApart(t *testing.T) {
	c, w := openAt(t, "en", fyne.NewSize(800, 500), false)
	c.Locked(func() { c.InstallKeys(w) })
	comp := c.Actions().comp
	rune_ := func(r rune) { w.Canvas().OnTypedRune()(r) }
	th, variant := fyne.CurrentApp().Settings().Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	c.Locked(func() {
		if got := comp.modes.Selected; got != "Reply" {
			t.Errorf("mode picked %q; want Reply", got)
		}
		if got := richText(comp.whoRich); got != "Public reply to @mbrenner_travels on X: everyone can see this · 148,300 followers" {
			t.Errorf("reply: the reader's line says %q", got)
		}
		if got := comp.send.Text; got != "Send publicly" {
			t.Errorf("reply: the send button says %q", got)
		}
		if comp.bg.StrokeColor != th.Color(theme.ColorNamePrimary, variant) {
			t.Error("reply: the frame is not in the reply's colour")
		}
	})
	rune_('n')
	c.Locked(func() {
		if comp.Mode() != ModeNote || comp.modes.Selected != "Note" {
			t.Fatalf("n: mode %v, picked %q", comp.Mode(), comp.modes.Selected)
		}
		if got := richText(comp.whoRich); got != "Internal note: only agents see this" {
			t.Errorf("note: the reader's line says %q", got)
		}
		if got := comp.send.Text; got != "Add internal note" {
			t.Errorf("note: the send button says %q", got)
		}
		if comp.bg.StrokeColor != th.Color(theme.ColorNameWarning, variant) {
			t.Error("note: the frame is not in the note's colour")
		}
		test.Type(comp.entry, "VIP: do not promise a refund")
		if got := comp.Counter(); got != "28" {
			t.Errorf("note: the count says %q", got)
		}
		w.Canvas().Unfocus()
	})
	rune_('r')
	c.Locked(func() {
		if got := comp.entry.Text; got != "" {
			t.Errorf("the reply box holds %q after n, typing, r", got)
		}
		test.Type(comp.entry, "Sorry")
		if got := comp.Counter(); got != "5 / 280" {
			t.Errorf("reply: the count says %q", got)
		}
		// The radio group picks the mode by mouse.
		comp.modes.SetSelected("Note")
		if comp.Mode() != ModeNote || comp.entry.Text != "VIP: do not promise a refund" {
			t.Errorf("the Note radio: mode %v, text %q", comp.Mode(), comp.entry.Text)
		}
	})
	// Back at full size the modes have their full names, the texts stay.
	c.Locked(func() { w.Resize(fyne.NewSize(1400, 860)) })
	eventually(t, c, "the full composer", func() bool { return !c.Actions().Compact() })
	c.Locked(func() {
		if got := comp.modes.Options; got[0] != "Reply to customer" || got[1] != "Internal note" || comp.modes.Selected != "Internal note" {
			t.Errorf("full: modes %q, picked %q", got, comp.modes.Selected)
		}
		if comp.entry.Text != "VIP: do not promise a refund" || comp.texts[ModeReply] != "Sorry" {
			t.Errorf("full: texts %q / %q", comp.entry.Text, comp.texts[ModeReply])
		}
	})
}

// Compact, the canned answers and the public / private choice are in the
// ⋮ menu (:: and the offer to make it private as before), the box grows
// with its text to four lines, Ctrl+Enter sends, and Undo takes the ⋮
// button's place while it lasts; the info line and a warning with its
// button are on the screen.
func TestCompactComposerMenuGrowthAndUndo(t *testing.T) {
	c, w := openAt(t, "en", fyne.NewSize(800, 500), false)
	c.be.(*app.Core).SetUndoWindow(time.Minute)
	a := c.Actions()
	comp := a.comp
	// The test canvas lays out again on a resize only (the window's
	// driver does on every frame that changed a minimum size).
	var before float32
	relayout := func() { w.Resize(fyne.NewSize(801, 500)); w.Resize(fyne.NewSize(800, 500)) }
	item := func(m *fyne.Menu, label string) *fyne.MenuItem {
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
		return nil
	}
	c.Locked(func() {
		m := comp.moreMenu()
		canned := item(m, "Canned answer…")
		if canned == nil || canned.ChildMenu == nil || len(canned.ChildMenu.Items) != 3 {
			t.Fatalf("the ⋮ menu has no three canned answers: %+v", m.Items)
		}
		for _, it := range canned.ChildMenu.Items {
			if strings.HasPrefix(it.Label, "::thanks") {
				it.Action()
			}
		}
		if got := comp.entry.Text; !strings.Contains(got, "thank you for getting in touch") {
			t.Errorf("the menu's ::thanks put %q in the box", got)
		}
		comp.entry.SetText("")
		test.Type(comp.entry, "Hi ::sorry")
		if got := comp.entry.Text; !strings.Contains(got, "we are sorry about this") {
			t.Errorf("::sorry typed put %q in the box", got)
		}
		private := item(m, "Private message")
		if private == nil || private.Checked {
			t.Fatalf("the ⋮ menu offers no public reply's private message: %+v", private)
		}
		private.Action()
		if got := comp.send.Text; got != "Send privately" || !strings.HasPrefix(richText(comp.whoRich), "Private message to @mbrenner_travels") {
			t.Errorf("private: send %q, line %q", got, richText(comp.whoRich))
		}
		if it := item(comp.moreMenu(), "Private message"); it == nil || !it.Checked {
			t.Error("the ⋮ menu does not tick the private message")
		}
		item(comp.moreMenu(), "Private message").Action() // public again
		// Personal data in a public reply: the offer to make it private.
		comp.entry.SetText("Mail us at m.brenner@example.com")
		if !comp.PrivateOffered() {
			t.Error("no offer to make a reply with an e-mail address private")
		}
		relayout()
		onScreen(t, w, "the offer to make it private", comp.pii)
		// A warning with its button (someone typing, a colleague's case).
		a.ask("anna is typing in this case right now. Send yours anyway?", "Send anyway", func() {})
		relayout()
		onScreen(t, w, "the warning", a.warn)
		onScreen(t, w, "its button", a.confirm)
		a.hideAsk()

		// The box grows with its text, four lines at most.
		comp.entry.SetText("")
		one := comp.entry.MinSize().Height
		comp.entry.SetText("one\ntwo\nthree")
		if comp.rows != 3 || comp.entry.MinSize().Height <= one {
			t.Errorf("three lines: the box has %d rows, %.0f units high (%.0f with none)", comp.rows, comp.entry.MinSize().Height, one)
		}
		comp.entry.SetText(strings.Repeat("a line\n", 10))
		if comp.rows != compactRows {
			t.Errorf("ten lines: the box has %d rows; want %d", comp.rows, compactRows)
		}
		comp.entry.SetText(strings.Repeat("word ", 40)) // one long line that wraps
		if comp.rows < 2 {
			t.Errorf("a wrapping line: the box has %d rows", comp.rows)
		}
		comp.entry.SetText("")
		if comp.rows != 1 {
			t.Errorf("empty: the box has %d rows", comp.rows)
		}
		test.Type(comp.entry, "Sorry, wrong case")
		buttons := a.body.Objects[len(a.body.Objects)-1]
		before = buttons.MinSize().Width
		comp.entry.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierControl})
	})
	eventually(t, c, "undo offered", func() bool { return comp.undo.Visible() && a.Info() == "Reply queued" })
	c.Locked(func() {
		relayout()
		// Undo and "Reply queued" showing widened the bar (and the
		// window) by a digit and a word.
		if got := a.body.Objects[len(a.body.Objects)-1].MinSize().Width; got > before {
			t.Errorf("the buttons row wants %.0f units with Undo showing, %.0f before", got, before)
		}
		onScreen(t, w, "Undo", comp.undo)
		onScreen(t, w, "the info line", a.info)
		if comp.more.Visible() {
			t.Error("the ⋮ button shows under Undo")
		}
		test.Tap(comp.undo)
	})
	eventually(t, c, "the reply taken back", func() bool { return a.Info() == "Taken back: not sent" })
	c.Locked(func() {
		if got := comp.entry.Text; got != "Sorry, wrong case" {
			t.Errorf("undo put back %q", got)
		}
		relayout()
		onScreen(t, w, "the ⋮ menu after Undo", comp.more)
	})
}

// Compact, the case view's header (with the assistant) scrolls away with
// the thread: the ⋮ menu asks for a reply draft too, the draft fills the
// reply box (never sends) and the header with the other drafts is
// scrolled to.
func TestCompactComposerAsksForADraft(t *testing.T) {
	c, _ := openAt(t, "en", fyne.NewSize(800, 500), false)
	comp := c.Actions().comp
	var draft *fyne.MenuItem
	c.Locked(func() {
		comp.SetMode(ModeNote)
		for _, it := range comp.moreMenu().Items {
			if it.Label == "Draft reply" {
				draft = it
			}
		}
		if draft == nil || draft.Disabled {
			t.Fatalf("the ⋮ menu offers no reply draft: %+v", draft)
		}
		draft.Action()
		if !c.Detail().DraftButton().Disabled() {
			t.Error("the menu's Draft reply did not ask the assistant")
		}
		if off := c.Detail().scroll.Offset.Y; off != 0 {
			t.Errorf("the thread is at %.0f: the assistant's header is not shown", off)
		}
	})
	eventually(t, c, "the draft in the box", func() bool {
		return comp.Mode() == ModeReply && comp.entry.Text != "" && c.Actions().Info() == "Draft inserted: edit it, then send"
	})
	if n := c.be.(*app.Core).Pending(); n != 0 {
		t.Errorf("%d ops queued by a draft", n)
	}
}

// The info line sits beside the buttons where it fits on one line there,
// else under them: in the real window at 200 % (760×440 units) "Entwurf
// eingefügt: bearbeiten, dann senden" between the count and the send
// button had about 20 units and broke after every letter, the composer
// 600 units high.
func TestCompactInfoLineNeverBreaksAfterEveryLetter(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	for _, lang := range []string{"en", "de"} {
		for _, sz := range []fyne.Size{fyne.NewSize(760, 440), fyne.NewSize(800, 500)} {
			c, w := openAt(t, lang, sz, false)
			c.Locked(func() {
				a := c.Actions()
				a.comp.FillDraft("Hi, we are on it.")
				w.Resize(sz.AddWidthHeight(1, 0)) // a layout pass
				w.Resize(sz)
				line := widget.NewLabel("Ag").MinSize().Height
				if h := a.info.Size().Height; h > line+0.5 {
					t.Errorf("%s %v: the info line %q is %.0f units high, %.0f wide: more than one line", lang, sz, a.info.Text, h, a.info.Size().Width)
				}
				onScreen(t, w, lang+": the info line", a.info)
				pane := a.Size().Height + c.Detail().Size().Height
				if a.Size().Height > 0.6*pane { // 182 + one line of 380 at 760×440
					t.Errorf("%s %v: with the info line the composer takes %.0f of %.0f units", lang, sz, a.Size().Height, pane)
				}
			})
		}
	}
}
