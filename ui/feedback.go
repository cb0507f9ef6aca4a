package ui

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
)

// Explain turns a refusal or error into a sentence an agent can act on,
// without internal codes. assignee is who holds the case, if known.
func Explain(err error, ch model.Channel, assignee string) string {
	var rej *model.Rejection
	switch {
	case err == nil:
		return ""
	case errors.Is(err, app.ErrAlreadySent):
		return T("This action has already gone to the hub and can no longer be changed.")
	case errors.As(err, &rej):
		return ExplainRejection(*rej, ch, assignee)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "empty text"):
		return T("Write something first.")
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "dial tcp"):
		return T("The hub cannot be reached. Your work is kept and sent when it is back.")
	}
	return T("Something went wrong: {{.Err}}", "Err", msg)
}

var tooLongRe = regexp.MustCompile(`^(\d+) characters .* limit is (\d+)$`)

// ExplainRejection says in plain words why the hub (or the console, on its
// behalf) refused an op, for every model.Reject* code.
func ExplainRejection(r model.Rejection, ch model.Channel, assignee string) string {
	switch r.Code {
	case model.RejectTooLong:
		if m := tooLongRe.FindStringSubmatch(r.Reason); m != nil {
			n, _ := strconv.Atoi(m[1])
			limit, _ := strconv.Atoi(m[2])
			return TooLong(ch, n, limit)
		}
		return T("Too long for this channel. Shorten it.")
	case model.RejectClaimed:
		if assignee == "" {
			if _, who, ok := strings.Cut(r.Reason, "claimed by "); ok {
				assignee, _, _ = strings.Cut(who, ";")
			}
		}
		if assignee == "" {
			return T("Another agent has taken this case.")
		}
		return T("{{.Who}} has taken this case. Reply anyway under your name, or leave it to them.", "Who", assignee)
	case model.RejectStale:
		if strings.HasPrefix(r.Reason, model.StaleCustomerWrote) {
			return T("The customer wrote again after you made this change. Read the new message, then repeat the change if it still applies.")
		}
		return T("Someone changed this case a moment ago. Look at it again and repeat the change if it still applies.")
	case model.RejectForbidden:
		return T("Your role may not do this. Ask a team lead.")
	case model.RejectConsent:
		return T("The customer has not agreed to this. Record their consent first.")
	case model.RejectUnknownCase:
		return T("This case is no longer on the hub: it may have been merged or removed.")
	case model.RejectInvalid:
		if strings.Contains(r.Reason, "no private messages") {
			return T("This channel has no private messages: reply in public.")
		}
		if strings.Contains(r.Reason, "not merged") {
			return T("That thread is no longer part of this case. Pick another.")
		}
		return T("The hub could not take this action ({{.Reason}}).", "Reason", r.Reason)
	}
	return T("The hub refused this action: {{.Reason}}", "Reason", r.Reason)
}

// TooLong is the plain-language length error.
func TooLong(ch model.Channel, n, limit int) string {
	return T("Too long for {{.Channel}}: {{.N}} of {{.Limit}} characters. Shorten it by {{.Over}}.",
		"Channel", ChannelName(ch), "N", Number(n), "Limit", Number(limit), "Over", Number(n-limit))
}

// ChannelName is the channel as agents call it.
func ChannelName(ch model.Channel) string {
	if ch == model.ChannelForum {
		return T("the forum")
	}
	return platformLabel(ch)
}

// PriorityName is a case's priority in the agent's language: "high
// priority".
func PriorityName(p model.Priority) string {
	switch p {
	case model.PriorityLow:
		return T("low priority")
	case model.PriorityNormal:
		return T("normal priority")
	case model.PriorityHigh:
		return T("high priority")
	case model.PriorityUrgent:
		return T("urgent priority")
	}
	return p.String()
}

// StatusName is a case status in the agent's language.
func StatusName(s model.Status) string {
	switch s {
	case model.StatusNew:
		return T("new")
	case model.StatusOpen:
		return T("open")
	case model.StatusPending:
		return T("pending")
	case model.StatusSolved:
		return T("solved")
	case model.StatusClosed:
		return T("closed")
	}
	return string(s)
}

// infoLabel is the action bar's line of news ("Reply queued", an error):
// a line of its own under the buttons, wrapped, and gone while it says
// nothing. Squeezed between the buttons it wrapped a word per line and
// made the buttons as tall as a column of letters.
type infoLabel struct{ widget.Label }

func newInfoLabel() *infoLabel {
	l := &infoLabel{}
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	l.ExtendBaseWidget(l)
	l.Hide()
	return l
}

// SetText shows the line, or hides it when text is empty.
func (l *infoLabel) SetText(text string) {
	l.Label.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}
