package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"switchboard/model"
)

// How a hand-off reaches the expert (docs/experts.md, "Asking an
// expert"): a mention in the forum thread posted by hand, a private
// message the hub sends on X or Facebook, or a note the agent sends by
// hand to a contact the hub cannot reach. The dialog says which before
// the agent hands over; the case's panel says what became of it.

// handoffContact is where a hand-off of case cs to expert e goes: the
// contact they chose, the forum thread on a forum case when they chose
// none, else their own identity.
func handoffContact(cs model.Case, e model.Expert) string {
	contact := e.Contact
	if contact == "" || (contact == "thread" && cs.Channel != model.ChannelForum) {
		contact = "thread"
		if cs.Channel != model.ChannelForum {
			contact = e.Key
		}
	}
	return contact
}

// handoffHow says, in the dialog, how the hand-off to contact goes out.
func handoffHow(contact string) string {
	p, handle, _ := strings.Cut(contact, ":")
	switch {
	case contact == "thread":
		return T("A mention in the forum thread: post it there by hand, like forum replies.")
	case model.HandoffDM(contact) && model.Channel(p) == model.ChannelTwitter:
		return T("The hub sends it as a direct message on X to @{{.Handle}}.", "Handle", strings.TrimPrefix(handle, "@"))
	case model.HandoffDM(contact):
		return T("The hub sends it as a Messenger message (Messenger allows it only within 24 hours of the expert's last message to the page).")
	default:
		return T("The hub cannot send private messages to {{.Contact}}: it becomes a note in the case; send it by hand.", "Contact", contact)
	}
}

// newHandoffHow is the dialog's line for handoffHow.
func newHandoffHow() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	return l
}

// handoffDelivery is what became of a hand-off's private note, for the
// case's panel ("" for a mention in the thread: its reply shows that),
// and whether it failed.
func handoffDelivery(h *model.Handoff) (string, bool) {
	if h == nil || h.Via == "thread" {
		return "", false
	}
	to := h.Via
	if _, handle, ok := strings.Cut(h.Via, ":"); ok && strings.HasPrefix(h.Via, string(model.ChannelTwitter)+":") {
		to = "@" + handle
	}
	switch h.Delivery {
	case model.DeliveryQueued:
		return T("Private message to {{.To}} on its way.", "To", to), false
	case model.DeliverySent:
		return T("Private message sent to {{.To}}.", "To", to), false
	case model.DeliveryFailed:
		return T("Private message to {{.To}} failed: {{.Why}} — send it by hand or ask another expert.", "To", to, "Why", h.DeliveryError), true
	case model.DeliveryManual:
		return T("Send the hand-off to {{.To}} by hand: the hub cannot reach that contact.", "To", to), false
	}
	return "", false
}

// withHandoffDelivery adds handoffDelivery's line to the panel's status
// text and marks a failure.
func (p *communityPanel) withHandoffDelivery(h *model.Handoff, text string) string {
	line, failed := handoffDelivery(h)
	if failed {
		p.status.Importance = widget.DangerImportance
	}
	if line == "" {
		return text
	}
	return text + "\n" + line
}
