package ui

import (
	"image/color"
	"regexp"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/google/uuid"

	"switchboard/app"
	"switchboard/model"
)

// The composer writes either a reply to the customer or an internal note,
// never both from one box: the mode is picked first, colours the box,
// names who will see the text, and names itself on the send button.

// Mode is what the composer writes.
type Mode int

const (
	ModeReply Mode = iota
	ModeNote
)

// ComposerHooks connect the composer to the core; the console sets them.
// Each runs off the UI goroutine where it touches the disk, and calls back
// on the UI goroutine.
type ComposerHooks struct {
	// SaveDraft keeps the draft of a case (empty text: none).
	SaveDraft func(d app.Draft)
	// LoadDraft reads a case's draft and hands it to done.
	LoadDraft func(caseID string, done func(app.Draft, bool))
	// Cancel takes a queued op back (undo-send) and hands the outcome to done.
	Cancel func(opID string, done func(error))
	// UndoWindow is how long a sent reply can be taken back.
	UndoWindow func() time.Duration
	// Typing lists the other agents typing in a case now.
	Typing func(caseID string) []string
	// Canned lists the canned answers.
	Canned func() []app.Canned
	// After runs f on the UI goroutine after d (undo countdowns, debounce).
	After func(d time.Duration, f func()) (stop func())
}

// composerEntry is the text box: Ctrl+Enter sends, Escape leaves it (or
// runs onEsc: the outbox panel takes the keys back).
type composerEntry struct {
	widget.Entry
	onSend func()
	onEsc  func()
	// onKey sees a key first (the canned answers' hint takes Up, Down,
	// Enter and Escape while it shows); true: it took the key.
	onKey func(k *fyne.KeyEvent) bool
}

func newComposerEntry() *composerEntry {
	e := &composerEntry{}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut sends on Ctrl+Enter (or Cmd+Enter).
func (e *composerEntry) TypedShortcut(s fyne.Shortcut) {
	if cs, ok := s.(*desktop.CustomShortcut); ok && (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) &&
		(cs.Modifier == fyne.KeyModifierControl || cs.Modifier == fyne.KeyModifierSuper) {
		if e.onSend != nil {
			e.onSend()
		}
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey leaves the box on Escape, so the queue's keys work again.
func (e *composerEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k) {
		return
	}
	if k.Name == fyne.KeyEscape {
		if e.onEsc != nil {
			e.onEsc()
			return
		}
		if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
			c.Unfocus()
		}
		return
	}
	e.Entry.TypedKey(k)
}

// Composer is the reply / note editor of the action bar.
type Composer struct {
	bar   *ActionBar
	hooks ComposerHooks

	mode    Mode
	private bool
	caseID  string
	author  model.Identity
	public  bool
	loading bool // a draft is being put into the box: no save for it
	// texts holds each mode's draft of the case: the box shows the one of
	// the mode, so switching never carries a note into a reply (r after
	// n once made the note's text a public reply).
	texts [2]string
	// kept is the draft of each case left, both modes, for the session:
	// coming back reads it, not the cache, whose write may still be on
	// its way. The cache holds the same (both modes, the mode shown, the
	// reply's privacy) for after a restart or a crash.
	kept map[string]keptDraft

	modes     *widget.RadioGroup
	privacy   *widget.Check
	who       *widget.Label
	bg        *canvas.Rectangle
	entry     *composerEntry
	counter   *widget.Label
	canned    *widget.Select
	send      *widget.Button
	reach     *widget.Label
	pii       *fyne.Container
	piiLabel  *widget.Label
	undo      *widget.Button
	undoStop  func()
	saveStop  func()
	lastSent  model.Op
	confirmed string // the warning the agent confirmed for this send
	// more is the compact composer's menu: the canned answers, the
	// public / private choice and the assistant's draft (SetCompact).
	more *widget.Button
	// draft asks the assistant for a reply draft, as the case view's
	// Draft reply button does; draftOK says whether it can now (nil: no
	// assistant). Set by the console (assist.go).
	draft   func()
	draftOK func() bool
	// rows is the box's height in lines while compact (1 to compactRows).
	rows int
	// whoRich is the compact line naming the reader, the high-reach
	// warning on it in the warning colour (the full rows have each on
	// its own line).
	whoRich *widget.RichText
	// statusHolder is the status picker's own placeholder, which sets
	// its width in the full rows (fitStatus).
	statusHolder string
	// hint lists the canned answers under the box while the text ends in
	// "::" or "::name" (the names starting with what is typed); the keys
	// stay in the box (a pop-up menu took them, and the name typed after
	// "::" went into the menu). hintNames are the names listed, hintSel
	// the one Enter puts in; hintOff is the text the agent closed the
	// hint on with Esc (it stays closed while the text is that).
	hint      *widget.RichText
	hintNames []string
	hintSel   int
	hintOff   string
}

// keptDraft is a case's draft as the agent left it: each mode's text,
// the mode shown and the reply's public / private choice.
type keptDraft struct {
	texts   [2]string
	mode    Mode
	private bool
}

func (k keptDraft) draft(caseID string) app.Draft {
	return app.Draft{CaseID: caseID, Reply: k.texts[ModeReply], Note: k.texts[ModeNote], NoteShown: k.mode == ModeNote, Private: k.private}
}

func keptOf(d app.Draft) keptDraft {
	k := keptDraft{texts: [2]string{d.Reply, d.Note}, private: d.Private}
	if d.NoteShown {
		k.mode = ModeNote
	}
	return k
}

var (
	emailRe   = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+`)
	phoneRe   = regexp.MustCompile(`\+?\d[\d /-]{6,}\d`)
	bookingRe = regexp.MustCompile(`\b[A-Z0-9]{6}\b`)
	cannedRe  = regexp.MustCompile(`::([\p{L}\p{N}_-]+)$`)
	// cannedTypingRe is "::" and the part of a name typed so far.
	cannedTypingRe = regexp.MustCompile(`::([\p{L}\p{N}_-]*)$`)
)

// PersonalData says what personal data text holds: "e-mail address",
// "phone number", "booking reference", or "".
func PersonalData(text string) string {
	switch {
	case emailRe.MatchString(text):
		return T("an e-mail address")
	case phoneRe.MatchString(text):
		return T("a phone number")
	}
	for _, m := range bookingRe.FindAllString(text, -1) {
		if strings.ContainsAny(m, "0123456789") && strings.ContainsAny(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			return T("a booking reference")
		}
	}
	return ""
}

func newComposer(b *ActionBar) *Composer {
	c := &Composer{bar: b}
	c.modes = widget.NewRadioGroup([]string{T("Reply to customer"), T("Internal note")}, func(s string) {
		if s == "" { // a radio group can be unselected: keep a mode
			c.modes.SetSelected(c.modes.Options[c.mode])
			return
		}
		c.setMode(Mode(slices.Index(c.modes.Options, s)))
	})
	c.modes.Horizontal = true
	c.modes.Required = true
	c.privacy = widget.NewCheck(T("Private message"), func(on bool) { c.private = on; c.update() })
	c.who = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	// Wrapped: "Öffentliche Antwort an … auf Facebook: alle können das
	// sehen" on one line widened the window past the screen.
	c.who.Wrapping = fyne.TextWrapWord
	c.bg = canvas.NewRectangle(color.Transparent)
	c.bg.CornerRadius = 6
	c.bg.StrokeWidth = 2
	c.entry = newComposerEntry()
	c.entry.SetMinRowsVisible(3)
	c.entry.onSend = func() { c.Send() }
	c.entry.onKey = c.hintKey
	c.hint = widget.NewRichText()
	c.hint.Hide()
	c.entry.OnChanged = c.changed
	c.counter = widget.NewLabel("")
	c.counter.Importance = widget.LowImportance
	c.canned = widget.NewSelect(nil, func(name string) {
		if name == "" {
			return
		}
		c.insertCanned(name)
		c.canned.ClearSelected()
	})
	c.canned.PlaceHolder = T("Canned answer…")
	c.send = widget.NewButtonWithIcon("", theme.MailSendIcon(), func() { c.Send() })
	c.reach = widget.NewLabel("")
	c.reach.Importance = widget.WarningImportance
	c.reach.Wrapping = fyne.TextWrapWord
	c.reach.Hide()
	c.piiLabel = widget.NewLabel("")
	c.piiLabel.Wrapping = fyne.TextWrapWord
	c.piiLabel.Importance = widget.WarningImportance
	c.pii = container.NewBorder(nil, nil, nil, widget.NewButton(T("Make it private"), func() { c.privacy.SetChecked(true) }), c.piiLabel)
	c.pii.Hide()
	c.undo = widget.NewButtonWithIcon(T("Undo"), theme.ContentUndoIcon(), c.undoSend)
	c.undo.Hide()
	c.modes.SetSelected(c.modes.Options[0])

	c.whoRich = widget.NewRichText()
	c.whoRich.Wrapping = fyne.TextWrapWord
	c.more = widget.NewButtonWithIcon("", theme.MoreVerticalIcon(), c.showMore)
	c.more.Importance = widget.LowImportance
	return c
}

// setMode switches between reply and note.
func (c *Composer) setMode(m Mode) {
	if m < ModeReply || m > ModeNote {
		m = ModeReply
	}
	if m != c.mode {
		// Each mode has its own draft: the note's text stays with the
		// note, the reply's with the reply.
		c.texts[c.mode] = c.entry.Text
		c.mode = m
		c.loading = true
		c.entry.SetText(c.texts[m])
		c.cursorToEnd()
		c.loading = false
	}
	if sel := c.modes.Options[m]; c.modes.Selected != sel {
		c.modes.SetSelected(sel)
	}
	c.confirmed = ""
	c.update()
	c.scheduleSave()
}

// SetMode picks reply or note (keys r and n).
func (c *Composer) SetMode(m Mode) { c.setMode(m) }

// Mode is the composer's mode.
func (c *Composer) Mode() Mode { return c.mode }

// setCase points the composer at a case; another case saves the draft of
// the one left and loads its own.
func (c *Composer) setCase(cs model.Case) {
	same := cs.ID == c.caseID
	c.author, c.public = cs.Author, cs.Public
	if !same {
		c.flushDraft()
		if c.caseID != "" {
			if c.kept == nil {
				c.kept = map[string]keptDraft{}
			}
			c.kept[c.caseID] = c.current()
		}
		c.caseID = cs.ID
		k, known := c.kept[cs.ID]
		c.show(k)
		c.hideUndo()
		c.confirmed = ""
		if h := c.hooks.LoadDraft; h != nil && !known {
			id := cs.ID
			h(id, func(d app.Draft, ok bool) {
				if !ok || id != c.caseID || d.Empty() {
					return
				}
				k := keptOf(d)
				if cur := c.current(); cur.texts != [2]string{} {
					// The agent typed before the cache answered: a mode
					// left empty takes its draft, the rest stays.
					for m, t := range k.texts {
						if cur.texts[m] == "" {
							cur.texts[m] = t
						}
					}
					k = cur
				}
				c.show(k)
				c.bar.info.SetText(T("Draft restored"))
			})
		}
	}
	c.refreshCanned()
	c.update()
}

// current is the case's draft as the composer holds it now.
func (c *Composer) current() keptDraft {
	k := keptDraft{texts: c.texts, mode: c.mode, private: c.private}
	k.texts[c.mode] = c.entry.Text
	return k
}

// show puts a case's draft into the composer: both modes' texts, the mode
// shown, the reply's privacy. Nothing is saved for it.
func (c *Composer) show(k keptDraft) {
	c.loading = true
	defer func() { c.loading = false }()
	c.texts = k.texts
	c.mode = k.mode
	if sel := c.modes.Options[k.mode]; c.modes.Selected != sel {
		c.modes.SetSelected(sel)
	}
	c.entry.SetText(c.texts[k.mode])
	c.cursorToEnd()
	c.private = k.private
	c.privacy.SetChecked(k.private)
	c.confirmed = ""
	c.update()
}

func (c *Composer) refreshCanned() {
	var names []string
	if c.hooks.Canned != nil {
		for _, a := range c.hooks.Canned() {
			names = append(names, a.Name)
		}
	}
	c.canned.SetOptions(names)
	if len(names) == 0 {
		c.canned.Disable()
	} else {
		c.canned.Enable()
	}
}

// changed runs as the agent types.
func (c *Composer) changed(s string) {
	if m := cannedRe.FindStringSubmatch(s); m != nil && c.cannedNamed(m[1]) != nil && !c.cannedPrefix(m[1]) {
		c.insertCanned(m[1])
		return
	}
	c.showHint(s)
	c.confirmed = ""
	c.update()
	if c.loading {
		return
	}
	if s != "" && c.bar.onTyping != nil {
		c.bar.onTyping()
	}
	// An error about the text goes once the text changes.
	if c.bar.errShown {
		c.bar.info.SetText("")
		c.bar.errShown = false
	}
	c.scheduleSave()
}

func (c *Composer) cannedNamed(name string) *app.Canned {
	if c.hooks.Canned == nil {
		return nil
	}
	for _, a := range c.hooks.Canned() {
		if strings.EqualFold(a.Name, name) {
			return &a
		}
	}
	return nil
}

// cannedPrefix: another canned answer's name starts with name, so the
// agent may still be typing it.
func (c *Composer) cannedPrefix(name string) bool {
	for _, a := range c.hooks.Canned() {
		if len(a.Name) > len(name) && strings.HasPrefix(strings.ToLower(a.Name), strings.ToLower(name)) {
			return true
		}
	}
	return false
}

// insertCanned replaces a trailing ::name (or ::) with the canned answer,
// its variables filled, or appends it.
func (c *Composer) insertCanned(name string) {
	a := c.cannedNamed(name)
	if a == nil {
		return
	}
	text := a.Expand(app.FirstName(c.author.DisplayName), c.caseID, c.bar.me, c.author.Handle)
	cur := c.entry.Text
	if m := cannedRe.FindStringIndex(cur); m != nil {
		cur = cur[:m[0]]
	} else {
		cur = strings.TrimSuffix(cur, "::")
	}
	if cur != "" && !strings.HasSuffix(cur, " ") && !strings.HasSuffix(cur, "\n") {
		cur += " "
	}
	c.entry.SetText(cur + text)
	c.cursorToEnd()
}

// FillDraft puts a suggested reply into the editor, in reply mode and in
// place of what it held, for the agent to edit. It never sends: only the
// agent's send does.
func (c *Composer) FillDraft(text string) {
	if c.caseID == "" {
		return
	}
	if c.mode != ModeReply {
		c.setMode(ModeReply)
	}
	c.entry.SetText(text)
	c.cursorToEnd()
	c.bar.info.SetText(T("Draft inserted: edit it, then send"))
}

// cursorToEnd puts the cursor after the text, to type on.
func (c *Composer) cursorToEnd() {
	t := c.entry.Text
	c.entry.CursorRow, c.entry.CursorColumn = strings.Count(t, "\n"), len([]rune(t[strings.LastIndex(t, "\n")+1:]))
	c.entry.Refresh()
}

// hintMax is how many canned answers the hint lists at most.
const hintMax = 6

// showHint lists the canned answers whose names start with the name
// being typed after "::" under the box, or hides the list.
func (c *Composer) showHint(s string) {
	var names []string
	if m := cannedTypingRe.FindStringSubmatch(s); m != nil && c.hooks.Canned != nil && !c.loading && s != c.hintOff {
		for _, a := range c.hooks.Canned() {
			if strings.HasPrefix(strings.ToLower(a.Name), strings.ToLower(m[1])) {
				names = append(names, a.Name)
			}
		}
	}
	if s != c.hintOff {
		c.hintOff = ""
	}
	if len(names) > hintMax {
		names = names[:hintMax]
	}
	if !slices.Equal(names, c.hintNames) {
		c.hintSel = 0
	}
	c.hintNames = names
	c.drawHint()
}

// drawHint shows the names listed, the one Enter takes in bold.
func (c *Composer) drawHint() {
	if len(c.hintNames) == 0 {
		if c.hint.Visible() {
			c.hint.Hide()
			c.refreshBody()
		}
		return
	}
	var segs []widget.RichTextSegment
	for i, name := range c.hintNames {
		line := "   ::" + name + "  "
		if i == c.hintSel {
			line = "▸ ::" + name + "  "
		}
		if a := c.cannedNamed(name); a != nil {
			line += model.FirstLine(a.Text, 50)
		}
		segs = append(segs, &widget.TextSegment{Text: line, Style: widget.RichTextStyle{
			Inline: false, TextStyle: fyne.TextStyle{Bold: i == c.hintSel}, SizeName: theme.SizeNameCaptionText, ColorName: theme.ColorNameForeground,
		}})
	}
	c.hint.Segments = segs
	c.hint.Refresh()
	if !c.hint.Visible() {
		c.hint.Show()
		c.refreshBody()
	}
}

// refreshBody lays the bar's rows out again (the hint came or went).
func (c *Composer) refreshBody() {
	if c.bar.body != nil {
		c.bar.body.Refresh()
	}
}

// hintKey: while the hint shows, Up and Down pick an answer, Enter puts
// it in, Escape closes the hint and leaves the text.
func (c *Composer) hintKey(k *fyne.KeyEvent) bool {
	if len(c.hintNames) == 0 {
		return false
	}
	switch k.Name {
	case fyne.KeyDown:
		c.hintSel = (c.hintSel + 1) % len(c.hintNames)
	case fyne.KeyUp:
		c.hintSel = (c.hintSel + len(c.hintNames) - 1) % len(c.hintNames)
	case fyne.KeyReturn, fyne.KeyEnter:
		c.insertCanned(c.hintNames[c.hintSel])
		return true
	case fyne.KeyEscape:
		c.hintOff = c.entry.Text
		c.hintNames = nil
		c.drawHint()
		return true
	default:
		return false
	}
	c.drawHint()
	return true
}

// CannedHint is the canned answers listed under the box, for tests.
func (c *Composer) CannedHint() []string { return slices.Clone(c.hintNames) }

// channel is the channel a reply goes out on.
func (c *Composer) channel() model.Channel {
	_, ch := c.bar.path()
	return ch
}

// update shows the mode: colour, who sees it, the send button, the count.
func (c *Composer) update() {
	if c.bar.via == nil { // still being built
		return
	}
	ch := c.channel()
	canPrivate := model.PrivateReplies(ch) && c.public
	if c.mode == ModeReply && canPrivate {
		c.privacy.Show()
	} else {
		c.privacy.Hide()
	}
	private := c.private && canPrivate
	handle := c.author.Handle
	if handle == "" {
		handle = c.author.DisplayName
	}
	// The send button names the reader, cut short past 18 characters (a
	// Facebook number would widen the bar): the line above names it whole.
	short := handle
	if r := []rune(short); len(r) > 18 {
		short = string(r[:17]) + "…"
	}
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	th := fyne.CurrentApp().Settings().Theme()
	switch {
	case c.mode == ModeNote:
		c.who.SetText(T("Internal note: only agents see this"))
		c.who.Importance = widget.WarningImportance
		c.send.SetText(T("Add internal note"))
		c.send.Importance = widget.WarningImportance
		c.send.SetIcon(theme.DocumentCreateIcon())
		c.entry.SetPlaceHolder(T("Write a note for your colleagues…"))
		c.bg.FillColor = withAlpha(th.Color(theme.ColorNameWarning, variant), 0x30)
		c.bg.StrokeColor = th.Color(theme.ColorNameWarning, variant)
	case private:
		c.who.SetText(T("Private message to {{.Who}}", "Who", handle))
		c.who.Importance = widget.SuccessImportance
		c.send.SetText(T("Send privately to {{.Who}}", "Who", short))
		if c.bar.compact { // the line above names the reader
			c.send.SetText(T("Send privately"))
		}
		c.send.Importance = widget.SuccessImportance
		c.send.SetIcon(theme.MailSendIcon())
		c.entry.SetPlaceHolder(T("Write a private reply…"))
		c.bg.FillColor = withAlpha(th.Color(theme.ColorNameSuccess, variant), 0x20)
		c.bg.StrokeColor = th.Color(theme.ColorNameSuccess, variant)
	default:
		switch {
		case c.public && c.bar.compact:
			c.who.SetText(T("Public reply to {{.Who}} on {{.Channel}}: everyone can see this", "Who", handle, "Channel", ChannelName(ch)))
			c.send.SetText(T("Send publicly"))
		case c.public:
			c.who.SetText(T("Public reply to {{.Who}} on {{.Channel}}: everyone can see this", "Who", handle, "Channel", ChannelName(ch)))
			c.send.SetText(T("Send publicly to {{.Who}}", "Who", short))
		case c.bar.compact:
			c.who.SetText(T("Reply to {{.Who}} on {{.Channel}}", "Who", handle, "Channel", ChannelName(ch)))
			c.send.SetText(T("Send reply"))
		default:
			c.who.SetText(T("Reply to {{.Who}} on {{.Channel}}", "Who", handle, "Channel", ChannelName(ch)))
			c.send.SetText(T("Send reply to {{.Who}}", "Who", short))
		}
		c.who.Importance = widget.HighImportance
		c.send.Importance = widget.HighImportance
		c.send.SetIcon(theme.MailSendIcon())
		c.entry.SetPlaceHolder(T("Write a reply…"))
		c.bg.FillColor = withAlpha(th.Color(theme.ColorNamePrimary, variant), 0x18)
		c.bg.StrokeColor = th.Color(theme.ColorNamePrimary, variant)
	}
	c.who.Refresh()
	c.send.Refresh()
	c.bg.Refresh()

	reply := c.mode == ModeReply
	if reply && !private && c.public && c.author.Reach == model.ReachHigh {
		c.reach.SetText(T("{{.Who}} has {{.N}} followers: this reply is public.", "Who", handle, "N", Number(c.author.Followers)))
		c.reach.Show()
	} else {
		c.reach.Hide()
	}
	if what := PersonalData(c.entry.Text); reply && canPrivate && !private && what != "" {
		c.piiLabel.SetText(T("The text holds {{.What}}: send it as a private message?", "What", what))
		c.pii.Show()
	} else {
		c.pii.Hide()
	}

	n := model.ReplyLength(ch, c.entry.Text)
	limit := model.ChannelLimit(ch)
	switch {
	case !reply:
		c.counter.SetText(Number(len([]rune(c.entry.Text))))
		c.counter.Importance = widget.LowImportance
	case limit > 0 && n > limit:
		c.counter.SetText(T("{{.N}} / {{.Limit}}: {{.Over}} too many", "N", Number(n), "Limit", Number(limit), "Over", Number(n-limit)))
		c.counter.Importance = widget.DangerImportance
	case limit > 0:
		c.counter.SetText(Number(n) + " / " + Number(limit))
		c.counter.Importance = widget.LowImportance
	default:
		c.counter.SetText(Number(n))
		c.counter.Importance = widget.LowImportance
	}
	c.counter.Refresh()
	c.setWhoRich()
	c.fitRows()
}

// setWhoRich writes the compact line: who reads the text, in the mode's
// colour, then the high-reach warning (if shown) in the warning colour.
func (c *Composer) setWhoRich() {
	if !c.bar.compact {
		return
	}
	col := theme.ColorNamePrimary
	switch c.who.Importance {
	case widget.WarningImportance:
		col = theme.ColorNameWarning
	case widget.SuccessImportance:
		col = theme.ColorNameSuccess
	}
	segs := []widget.RichTextSegment{&widget.TextSegment{Text: c.who.Text, Style: widget.RichTextStyle{Inline: true, ColorName: col, TextStyle: fyne.TextStyle{Bold: true}}}}
	if c.reach.Visible() {
		// The line says the reply is public; the warning adds the reach.
		segs = append(segs, &widget.TextSegment{Text: " · " + T("{{.N}} followers", "N", Number(c.author.Followers)), Style: widget.RichTextStyle{Inline: true, ColorName: theme.ColorNameWarning, TextStyle: fyne.TextStyle{Bold: true}}})
	}
	c.whoRich.Segments = segs
	c.whoRich.Refresh()
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// Send sends the reply or adds the note (the send button, Ctrl+Enter).
func (c *Composer) Send() { c.send1(false) }

func (c *Composer) send1(confirm bool) {
	b := c.bar
	if b.caseID == "" {
		return
	}
	text := c.entry.Text
	if strings.TrimSpace(text) == "" {
		b.showError(T("Write something first."))
		return
	}
	if c.mode == ModeNote {
		op := model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: b.caseID, Text: text}
		b.queue(op, T("Note"), func() { c.sent(op) })
		return
	}
	ch := c.channel()
	if r := model.CheckReplyLength(ch, text); r != nil {
		b.showError(T("Reply not queued.") + " " + TooLong(ch, model.ReplyLength(ch, text), model.ChannelLimit(ch)))
		return
	}
	private := c.private && model.PrivateReplies(ch) && c.public
	if !confirm && c.hooks.Typing != nil {
		if others := c.hooks.Typing(b.caseID); len(others) > 0 {
			b.ask(T("{{.Who}} is typing in this case right now. Send yours anyway?", "Who", strings.Join(others, ", ")), T("Send anyway"), func() { c.send1(true) })
			return
		}
	}
	via, _ := b.path()
	op := model.Op{ID: uuid.NewString(), Kind: model.OpReply, CaseID: b.caseID, Text: text, Confirm: confirm || b.claimConfirmed, Via: via, Private: private}
	what := T("Reply")
	b.queue(op, what, func() { c.sent(op) })
}

// sent clears the box and offers undo while the op is held.
func (c *Composer) sent(op model.Op) {
	m := ModeReply
	if op.Kind == model.OpNote {
		m = ModeNote
	}
	// The sent text leaves the draft (unless the agent typed on since);
	// the other mode's text stays in it.
	if op.CaseID == c.caseID {
		k := c.current()
		if k.texts[m] == op.Text {
			if m == c.mode {
				c.loading = true
				c.entry.SetText("")
				c.loading = false
			} else {
				c.texts[m] = ""
			}
		}
		c.cancelSave()
		c.saveNow()
	} else if k, ok := c.kept[op.CaseID]; ok && k.texts[m] == op.Text {
		// Answered after the agent moved on to another case.
		k.texts[m] = ""
		c.kept[op.CaseID] = k
		if h := c.hooks.SaveDraft; h != nil {
			h(k.draft(op.CaseID))
		}
	}
	c.bar.hideAsk()
	// Sent: the keys go back to the queue (j, e, u for undo…); r or n
	// comes back to the box.
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c.entry); cv != nil && cv.Focused() == fyne.Focusable(c.entry) {
		cv.Unfocus()
	}
	var window time.Duration
	if c.hooks.UndoWindow != nil {
		window = c.hooks.UndoWindow()
	}
	if window <= 0 || c.hooks.Cancel == nil || c.hooks.After == nil {
		return
	}
	c.lastSent = op
	c.hideUndo()
	c.undo.SetText(T("Undo ({{.S}} s)", "S", int(window.Round(time.Second)/time.Second)))
	c.undo.Show()
	c.more.Hide() // compact: Undo has the ⋮ button's place while it lasts
	c.undoStop = c.hooks.After(window, func() {
		if c.lastSent.ID == op.ID {
			c.hideUndo()
		}
	})
}

func (c *Composer) hideUndo() {
	if c.undoStop != nil {
		c.undoStop()
		c.undoStop = nil
	}
	c.undo.Hide()
	c.more.Show()
}

// undoSend takes the last sent reply or note back and puts its text back.
func (c *Composer) undoSend() {
	op := c.lastSent
	if op.ID == "" || c.hooks.Cancel == nil {
		return
	}
	c.hideUndo()
	c.hooks.Cancel(op.ID, func(err error) {
		if err != nil {
			c.bar.showError(Explain(err, c.channel(), ""))
			return
		}
		c.lastSent = model.Op{}
		m := ModeReply
		if op.Kind == model.OpNote {
			m = ModeNote
		}
		if op.CaseID == c.caseID && (m == c.mode && c.entry.Text == "" || m != c.mode && c.texts[m] == "") {
			c.setMode(m)
			c.entry.SetText(op.Text)
			c.cursorToEnd()
			if cv := fyne.CurrentApp().Driver().CanvasForObject(c.entry); cv != nil {
				cv.Focus(c.entry) // to correct it
			}
			if m == ModeReply {
				c.privacy.SetChecked(op.Private)
			}
		}
		if c.bar.queuedOp == op.ID {
			// Taken back, not landed: the case's next refresh (the op gone
			// from the outbox) must not clear the line as "it has landed".
			c.bar.queuedOp = ""
		}
		c.bar.info.SetText(T("Taken back: not sent"))
	})
}

// scheduleSave keeps the draft half a second after the last keystroke.
func (c *Composer) scheduleSave() {
	if c.loading || c.hooks.SaveDraft == nil || c.hooks.After == nil || c.caseID == "" {
		return
	}
	c.cancelSave()
	c.saveStop = c.hooks.After(500*time.Millisecond, func() { c.saveStop = nil; c.saveNow() })
}

func (c *Composer) cancelSave() {
	if c.saveStop != nil {
		c.saveStop()
		c.saveStop = nil
	}
}

func (c *Composer) saveNow() {
	if c.hooks.SaveDraft == nil || c.caseID == "" {
		return
	}
	// Both modes' texts, the mode shown and the reply's privacy: all of
	// it comes back after a restart.
	c.hooks.SaveDraft(c.current().draft(c.caseID))
}

// flushDraft saves a pending draft at once (the agent leaves the case).
func (c *Composer) flushDraft() {
	if c.saveStop != nil {
		c.cancelSave()
		c.saveNow()
	}
}

// Who is the line naming who will see the text, for tests.
func (c *Composer) Who() string { return c.who.Text }

// ReachWarning is the high-reach warning shown, or "".
func (c *Composer) ReachWarning() string {
	if !c.reach.Visible() {
		return ""
	}
	return c.reach.Text
}

// Counter is the live length count.
func (c *Composer) Counter() string { return c.counter.Text }

// PrivateOffered reports whether switching to a private reply is offered
// for personal data in the text.
func (c *Composer) PrivateOffered() bool { return c.pii.Visible() }

// PrivacyCheck is the public / private switch.
func (c *Composer) PrivacyCheck() *widget.Check { return c.privacy }

// Picker is the canned-answer picker.
func (c *Composer) Picker() *widget.Select { return c.canned }

// UndoButton takes the last sent reply or note back.
func (c *Composer) UndoButton() *widget.Button { return c.undo }

// Entry is the text box.
func (c *Composer) Entry() *composerEntry { return c.entry }

// Refresh rereads the canned answers.
func (c *Composer) Refresh() { c.refreshCanned(); c.update() }

// A short case pane (200 % on a 1600×1000 screen leaves it about 440
// units high) gave the full composer's rows — claim, mode, reach, the
// line naming the reader, three lines of text, the buttons, the info
// line — about 330 of them and the thread the rest. Compact, the composer
// keeps every part but in fewer rows: the mode (Reply / Note) beside
// claim and status, the box one line high growing to compactRows as the
// agent types, the canned answers and the public / private choice behind
// the ⋮ button (:: and the "Make it private" offer work as before), and
// Undo in the ⋮ button's place while it lasts.
const compactRows = 4

// compactComposerH: in a case pane shorter than this the composer is
// compact. 1400×860 with the offline banner leaves the pane about 580
// units and the full composer (327 of them) the thread about 250: it
// stays full there; at 200 % the pane is 380 to 440 units.
const compactComposerH = 520

// SetCompact puts the action bar into its compact rows (on) or back into
// the full ones; the console sets it for a case pane shorter than
// compactComposerH.
func (b *ActionBar) SetCompact(on bool) {
	if on == b.compact {
		return
	}
	b.compact = on
	b.arrange()
	b.comp.update()
	b.Refresh()
}

// Compact reports whether the action bar has its compact rows.
func (b *ActionBar) Compact() bool { return b.compact }

// arrange lays the bar's rows out, full or compact. The full rows are the
// ones the console has at 1400×860 (the goldens).
func (b *ActionBar) arrange() {
	c := b.comp
	ask := container.NewBorder(nil, nil, nil, b.confirm, b.warn)
	if !b.compact {
		// The info line's room is kept while it says nothing: "Reply…" and
		// "… queued" coming and going moved the send button by a line.
		info := container.New(oneLineAtLeast{}, b.info)
		editor := container.NewStack(c.bg, container.NewPadded(container.NewBorder(c.who, nil, nil, nil, c.entry)))
		c.setModeLabels(T("Reply to customer"), T("Internal note"))
		if c.statusHolder != "" { // back from compact: the width it had
			b.status.PlaceHolder = c.statusHolder
		}
		c.entry.SetMinRowsVisible(3)
		c.rows = 0
		b.owner.Show()
		top := container.NewBorder(nil, nil, container.NewHBox(b.claim, b.status), b.assign, b.owner)
		box := container.NewVBox(container.NewBorder(nil, nil, c.modes, c.privacy), c.reach, editor, c.hint, c.pii)
		// Undo takes the canned answers' place while it shows (the box was
		// just sent and is empty), in a slot as wide as the wider of the two:
		// beside the send button it widened the bar by its own width for the
		// undo window, and the splits gave the case pane that much from the
		// queue (seen in the live console: the queue 50 px narrower, then
		// back). The row keeps the widest it has been (the send button names
		// the customer, and each case's handle moved the panes).
		slot := container.New(slotLayout{}, c.canned, c.undo)
		buttons := container.New(&b.widest[0], container.NewBorder(nil, nil, container.NewHBox(c.counter, b.via, slot), c.send))
		b.body.Objects = []fyne.CanvasObject{widget.NewSeparator(), top, box, ask, buttons, info}
		b.body.Refresh()
		return
	}
	// One row for the case and the mode: claim, status and whose it is
	// (shorter when the row is narrow), the mode on the right.
	c.setModeLabels(T("Reply"), T("Note"))
	b.fitStatus()
	owner := container.New(fitOrShort{}, b.owner, b.ownerShort)
	top := container.NewBorder(nil, nil, container.NewHBox(b.claim, b.status), c.modes, owner)
	c.fitRows()
	// The line naming the reader carries the high-reach warning, with
	// half the padding of a label above and below it.
	who := container.New(tightLayout{theme.InnerPadding() / 2}, c.whoRich)
	editor := container.NewStack(c.bg, container.NewPadded(container.NewBorder(who, nil, nil, nil, c.entry)))
	grow := container.New(&rowsLayout{c: c}, editor)
	// Undo takes the ⋮ button's place while it lasts, in a slot as wide
	// as the wider of the two (the send button does not move, and the
	// bar asks for no more room when Undo shows: the slot is measured
	// with the longest undo window's text); the info line sits between
	// the count and the buttons where it fits on one line there, else
	// under them (the send button names the mode only: the line above
	// names the reader).
	longest := widget.NewButtonWithIcon(T("Undo ({{.S}} s)", "S", 60), theme.ContentUndoIcon(), nil)
	longest.MinSize() // measured shown: a button first measured hidden counts no text
	longest.Hide()    // and never shown
	slot := container.New(endSlotLayout{}, c.more, c.undo, longest)
	buttons := container.New(&b.widest[1], container.New(&besideOrBelow{}, container.NewHBox(c.counter, b.via), container.NewHBox(slot, c.send), b.info))
	b.body.Objects = []fyne.CanvasObject{widget.NewSeparator(), top, b.assign, grow, c.hint, c.pii, ask, buttons}
	b.body.Refresh()
}

// fitStatus makes the compact status picker as wide as the status it
// shows (a picker is as wide as its placeholder, "(Select one)"), which
// leaves whose the case is room beside it.
func (b *ActionBar) fitStatus() {
	if !b.compact || b.status.Selected == "" || b.status.PlaceHolder == b.status.Selected {
		return
	}
	if b.comp.statusHolder == "" {
		b.comp.statusHolder = b.status.PlaceHolder
	}
	b.status.PlaceHolder = b.status.Selected
	b.status.Refresh()
}

// fitOrShort shows its first object where it has room for it, else the
// second (a shorter text, cut short at need); it asks for no more room
// than the second needs.
type fitOrShort struct{}

func (fitOrShort) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(0, max(objs[0].MinSize().Height, objs[1].MinSize().Height))
}

func (fitOrShort) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	full, short := objs[0], objs[1]
	if full.MinSize().Width <= size.Width {
		full.Show()
		short.Hide()
	} else {
		full.Hide()
		short.Show()
	}
	for _, o := range objs {
		o.Move(fyne.Position{})
		o.Resize(size)
	}
}

// besideOrBelow lays out the compact buttons row: left and right at its
// ends, the info line between them where it fits there on one line, else
// under them, wrapped (in a narrow pane "Entwurf eingefügt: bearbeiten,
// dann senden" between the count and the send button broke after every
// letter). It asks for no width for the line.
type besideOrBelow struct{ w float32 }

func (l *besideOrBelow) below(objs []fyne.CanvasObject, w float32) bool {
	left, right, info := objs[0], objs[1], objs[2].(*infoLabel)
	if !info.Visible() {
		return false
	}
	room := w - left.MinSize().Width - right.MinSize().Width - 2*theme.Padding()
	return fyne.MeasureText(info.Text, theme.TextSize(), info.TextStyle).Width+2*theme.InnerPadding() > room
}

func (l *besideOrBelow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	left, right, info := objs[0].MinSize(), objs[1].MinSize(), objs[2]
	s := fyne.NewSize(left.Width+right.Width+theme.Padding(), max(left.Height, right.Height))
	if l.below(objs, l.w) {
		s.Height += theme.Padding() + info.MinSize().Height
	}
	return s
}

func (l *besideOrBelow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.w = size.Width
	left, right, info := objs[0], objs[1], objs[2]
	lm, rm := left.MinSize(), right.MinSize()
	h := max(lm.Height, rm.Height)
	left.Move(fyne.Position{})
	left.Resize(fyne.NewSize(lm.Width, h))
	right.Move(fyne.NewPos(size.Width-rm.Width, 0))
	right.Resize(fyne.NewSize(rm.Width, h))
	if l.below(objs, size.Width) {
		info.Move(fyne.NewPos(0, h+theme.Padding()))
		info.Resize(fyne.NewSize(size.Width, max(0, size.Height-h-theme.Padding())))
		return
	}
	p := theme.Padding()
	info.Move(fyne.NewPos(lm.Width+p, 0))
	info.Resize(fyne.NewSize(max(0, size.Width-lm.Width-rm.Width-2*p), h))
}

// tightLayout gives its object d less padding above and below than it
// has (a label's padding is for lines of widgets).
type tightLayout struct{ d float32 }

func (l tightLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return objs[0].MinSize().SubtractWidthHeight(0, 2*l.d)
}

func (l tightLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, -l.d))
	objs[0].Resize(size.AddWidthHeight(0, 2*l.d))
}

// setModeLabels names the two modes on the radio group, keeping the one
// selected.
func (c *Composer) setModeLabels(reply, note string) {
	c.modes.Options = []string{reply, note}
	c.modes.Selected = c.modes.Options[c.mode]
	c.modes.Refresh()
}

// fitRows gives the compact box as many lines as its text takes (at the
// box's width), one at least and compactRows at most; the box scrolls
// past that.
func (c *Composer) fitRows() {
	if !c.bar.compact {
		return
	}
	n := 0
	w := c.entry.Size().Width - 2*theme.InnerPadding()
	size := theme.TextSize()
	width := func(s string) float32 { return fyne.MeasureText(s, size, fyne.TextStyle{}).Width }
	for _, line := range strings.Split(c.entry.Text, "\n") {
		// The box wraps at words: count its lines the same way.
		n++
		cur := ""
		for _, word := range strings.Fields(line) {
			next := word
			if cur != "" {
				next = cur + " " + word
			}
			if w > 0 && cur != "" && width(next) > w {
				n++
				next = word
			}
			cur = next
		}
		if n >= compactRows {
			break
		}
	}
	n = min(max(n, 1), compactRows)
	if n != c.rows {
		c.rows = n
		c.entry.SetMinRowsVisible(n)
	}
}

// rowsLayout holds the compact editor; a new width refits its lines.
type rowsLayout struct {
	c *Composer
	w float32
}

func (l *rowsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (l *rowsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.Position{})
	objs[0].Resize(size)
	if size.Width != l.w {
		l.w = size.Width
		l.c.fitRows()
	}
}

// endSlotLayout is slotLayout with each object at its own width at the
// slot's end: the ⋮ button stays a small button beside the send button.
type endSlotLayout struct{}

func (endSlotLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	return slotLayout{}.MinSize(objects)
}

func (endSlotLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		w := min(o.MinSize().Width, size.Width)
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos(size.Width-w, 0))
	}
}

// showMore opens the compact composer's menu: the canned answers, the
// assistant's draft and, for a reply that can go as a private message,
// the public / private choice.
func (c *Composer) showMore() {
	cv := fyne.CurrentApp().Driver().CanvasForObject(c.more)
	if cv == nil {
		return
	}
	// Above the button: the composer is at the window's foot.
	m := widget.NewPopUpMenu(c.moreMenu(), cv)
	m.ShowAtRelativePosition(fyne.NewPos(0, -m.MinSize().Height), c.more)
}

// moreMenu is the ⋮ menu as it is now.
func (c *Composer) moreMenu() *fyne.Menu {
	var canned []*fyne.MenuItem
	if c.hooks.Canned != nil {
		for _, a := range c.hooks.Canned() {
			name := a.Name
			canned = append(canned, fyne.NewMenuItem("::"+name+"  "+model.FirstLine(a.Text, 50), func() { c.insertCanned(name) }))
		}
	}
	ci := fyne.NewMenuItem(T("Canned answer…"), nil)
	if len(canned) > 0 {
		ci.ChildMenu = fyne.NewMenu("", canned...)
	} else {
		ci.Disabled = true
	}
	items := []*fyne.MenuItem{ci}
	if c.draft != nil {
		// The draft goes into the reply box, as the button's does.
		di := fyne.NewMenuItem(T("Draft reply"), c.draft)
		di.Disabled = c.draftOK != nil && !c.draftOK()
		items = append(items, di)
	}
	if c.mode == ModeReply && model.PrivateReplies(c.channel()) && c.public {
		pi := fyne.NewMenuItem(T("Private message"), func() { c.privacy.SetChecked(!c.private) })
		pi.Checked = c.private
		items = append(items, pi)
	}
	return fyne.NewMenu("", items...)
}

// MoreButton is the compact composer's ⋮ menu button, for tests.
func (c *Composer) MoreButton() *widget.Button { return c.more }
