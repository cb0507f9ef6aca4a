package app

import (
	"strings"
	"time"
)

// Settings are the agent's console settings, kept in the config file.
type Settings struct {
	// Language is "en", "de" or "" for the system's.
	Language string `json:"language,omitempty"`
	// Theme is "light", "dark" or "" to follow the system.
	Theme string `json:"theme,omitempty"`
	// UndoSeconds is the undo-send window; nil means the default.
	UndoSeconds *int `json:"undo_seconds,omitempty"`
	// Mute silences desktop notifications.
	Mute bool `json:"mute,omitempty"`
	// Escalate chooses the SLA notifications (lead_alerts.go); nil: all.
	Escalate *Escalate `json:"escalate,omitempty"`
	// Canned are the agent's canned answers.
	Canned []Canned `json:"canned,omitempty"`
	// Window is where the main window was and how its splits were set.
	Window *WindowState `json:"window,omitempty"`
	// Views are the saved views of the queue, by agent (savedviews.go).
	Views map[string][]SavedView `json:"views,omitempty"`
}

// DefaultUndo is the undo-send window when the agent has not set one.
const DefaultUndo = 5 * time.Second

// Undo is the undo-send window.
func (s Settings) Undo() time.Duration {
	if s.UndoSeconds == nil {
		return DefaultUndo
	}
	return time.Duration(min(max(*s.UndoSeconds, 0), 60)) * time.Second
}

// WindowState is the main window's size, position and split offsets.
// Width and Height are in units at Scale, the UI scale they were saved at
// (0 in files written before it was kept: taken as the scale of the
// start that reads them); X and Y are screen pixels.
type WindowState struct {
	Width, Height float32
	Scale         float32 `json:",omitempty"`
	X, Y          int     `json:",omitempty"`
	QueueSplit    float64 `json:",omitempty"`
	DetailSplit   float64 `json:",omitempty"`
}

// Canned is a canned answer: inserted by typing ::name or from the picker.
// Its text may hold {first_name}, {case_id}, {agent} and {handle}.
type Canned struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// DefaultCanned are the canned answers of a new console.
var DefaultCanned = []Canned{
	{Name: "thanks", Text: "Hi {first_name}, thank you for getting in touch. — {agent}"},
	{Name: "dm", Text: "Hi {first_name}, please send us a private message with your booking reference so we can look into this (case {case_id}). — {agent}"},
	{Name: "sorry", Text: "Hi {first_name}, we are sorry about this. We are on it and will get back to you shortly. — {agent}"},
}

// Expand fills a canned answer's variables.
func (c Canned) Expand(firstName, caseID, agent, handle string) string {
	if firstName == "" {
		firstName = handle
	}
	return strings.NewReplacer("{first_name}", firstName, "{case_id}", caseID, "{agent}", agent, "{handle}", handle).Replace(c.Text)
}

// FirstName is the first word of a display name ("Dr. Markus Brenner" →
// "Markus"), skipping titles.
func FirstName(display string) string {
	for _, w := range strings.Fields(display) {
		switch strings.ToLower(strings.TrimSuffix(w, ".")) {
		case "dr", "prof", "mr", "mrs", "ms", "herr", "frau":
			continue
		}
		return w
	}
	return ""
}

// LoadSettings reads the console settings from dir's config file.
func LoadSettings(dir string) (Settings, error) {
	c, err := LoadConfig(dir)
	if err != nil {
		return Settings{}, err
	}
	var s Settings
	if c.Console != nil {
		s = *c.Console
	}
	if s.Canned == nil {
		s.Canned = DefaultCanned
	}
	// A saved view of the care cases made before snooze was the team's
	// had no snooze filter: it listed the snoozed cases too. Every care
	// view leaves them out (defaultViews), so such a view is one of those.
	for _, vs := range s.Views {
		for i := range vs {
			if f := &vs[i].Filter; f.Relevance == RelevanceCare && f.Snooze == SnoozeAny {
				f.Snooze = SnoozeAwake
			}
		}
	}
	return s, nil
}

// SaveSettings writes the console settings, keeping the rest of the config.
func SaveSettings(dir string, s Settings) error {
	c, err := LoadConfig(dir)
	if err != nil {
		return err
	}
	c.Console = &s
	return SaveConfig(dir, c)
}
