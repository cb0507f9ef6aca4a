package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/model"
)

// The customer panel's other cases name their status in German: the link
// printed the model's status ("solved · 27. Nov. 2026").
func TestOtherCaseLinkStatusInGerman(t *testing.T) {
	test.NewTempApp(t)
	SetLanguage("de")
	t.Cleanup(func() { SetLanguage("en") })
	day := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l := NewCaseLink(model.Summary{ID: "c-1", Channel: model.ChannelFacebook, Status: model.StatusSolved, Created: day, Preview: "Still no written confirmation"}, nil)
	w := test.NewWindow(l)
	defer w.Close()
	var texts []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			texts = append(texts, x.Text)
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(l)
	joined := strings.Join(texts, " | ")
	if !strings.Contains(joined, "gelöst · 27. Nov. 2026") || strings.Contains(joined, "solved") {
		t.Errorf("the link shows %q, want the status in German (gelöst · 27. Nov. 2026)", joined)
	}
}
