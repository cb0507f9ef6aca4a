package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
)

// Directory manages the hub's expert directory (app.ReportClient has it,
// with a lead's token).
type Directory interface {
	Experts(ctx context.Context) ([]app.ExpertEntry, error)
	PutExpert(ctx context.Context, e model.Expert) (model.Expert, error)
	RemoveExpert(ctx context.Context, key string) error
}

// DirectoryView is the lead's expert directory: every member with their
// topics (listed and learned, with evidence) and absence; set someone away
// or back, take them out (withdrawn consent), add a member who opted in.
type DirectoryView struct {
	widget.BaseWidget

	dir    Directory
	list   *fyne.Container
	status *widget.Label
	root   fyne.CanvasObject
	now    func() time.Time
	shown  []app.ExpertEntry
	// mu is held by every update from another goroutine (as Console's):
	// windowless, fyne.Do runs them on the calling goroutine.
	mu sync.Mutex

	// The add form.
	Key, Name, Level, Topics, Langs, How *widget.Entry
	OptedIn                              *widget.Check
	Add                                  *widget.Button
}

// NewDirectoryView makes the view; Load or Reload fills it.
func NewDirectoryView(d Directory) *DirectoryView {
	v := &DirectoryView{dir: d, list: container.NewVBox(), status: widget.NewLabel(""), now: time.Now}
	v.status.Wrapping = fyne.TextWrapWord
	entry := func(ph string) *widget.Entry { e := widget.NewEntry(); e.SetPlaceHolder(ph); return e }
	v.Key, v.Name, v.Level = entry("forum:kohlmark@community.example"), entry(T("name")), entry(T("level (e.g. Superuser)"))
	v.Topics, v.Langs, v.How = entry(T("topics, separated by commas")), entry("de, en"), entry(T("where they opted in"))
	v.Add = widget.NewButtonWithIcon(T("Add to the directory"), theme.ContentAddIcon(), v.add)
	v.Add.Disable()
	v.OptedIn = widget.NewCheck(T("The member opted in (recorded now, by you)"), func(on bool) {
		if on {
			v.Add.Enable()
		} else {
			v.Add.Disable()
		}
	})
	form := container.NewVBox(widget.NewLabelWithStyle(T("Add a member"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewGridWithColumns(3, v.Key, v.Name, v.Level), container.NewGridWithColumns(3, v.Topics, v.Langs, v.How),
		container.NewHBox(v.OptedIn, v.Add))
	v.root = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), form, v.status), nil, nil, container.NewVScroll(v.list))
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *DirectoryView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.root) }

// Reload reads the directory off the UI goroutine and shows it.
func (v *DirectoryView) Reload() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		es, err := v.dir.Experts(ctx)
		fyne.Do(func() { v.Locked(func() { v.show(es, err) }) })
	}()
}

// Load reads and shows the directory on the calling goroutine (tests).
func (v *DirectoryView) Load() {
	es, err := v.dir.Experts(context.Background())
	v.show(es, err)
}

func (v *DirectoryView) show(es []app.ExpertEntry, err error) {
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	v.shown = es
	v.list.Objects = nil
	for _, e := range es {
		v.list.Add(v.memberRow(e))
	}
	if len(es) == 0 {
		v.list.Add(widget.NewLabel(T("Nobody in the directory yet.")))
	}
	v.list.Refresh()
}

func (v *DirectoryView) memberRow(e app.ExpertEntry) fyne.CanvasObject {
	name := e.Name
	if name == "" {
		name = expertName(e.Key)
	}
	head := name + " · " + e.Key
	if e.Level != "" {
		head += " · " + e.Level
	}
	lines := []string{T("Topics: {{.T}}", "T", strings.Join(e.Topics, ", "))}
	if len(e.Learned) > 0 {
		var l []string
		for _, t := range e.Learned {
			l = append(l, fmt.Sprintf("%s (%d answers, %d ended, %d thanked, %d accepted)", t.Topic, t.Answers, t.Ended, t.Thanked, t.Accepted))
		}
		lines = append(lines, T("Learned: {{.T}}", "T", strings.Join(l, "; ")))
	}
	if e.AwayNow && e.Away != nil {
		until := T("until further notice")
		if !e.Away.Until.IsZero() {
			until = T("until {{.When}}", "When", Day(e.Away.Until))
		}
		lines = append(lines, T("Away {{.Until}} (set by {{.By}})", "Until", until, "By", e.Away.SetBy))
	}
	lines = append(lines, T("Opted in {{.When}} (recorded by {{.By}})", "When", Day(e.Consent.At), "By", e.Consent.By))
	body := widget.NewLabel(strings.Join(lines, "\n"))
	body.Wrapping = fyne.TextWrapWord
	member := e.Expert
	away := widget.NewButton(T("Away 2 weeks"), func() {
		m := member
		m.Away = &model.Away{From: v.now().UTC(), Until: v.now().UTC().AddDate(0, 0, 14), SetBy: "lead"}
		v.put(m, T("{{.Name}} is away for two weeks", "Name", name))
	})
	back := widget.NewButton(T("Back"), func() {
		m := member
		m.Away = nil
		v.put(m, T("{{.Name}} is back", "Name", name))
	})
	if e.AwayNow {
		away.Hide()
	} else {
		back.Hide()
	}
	var remove *widget.Button
	remove = widget.NewButtonWithIcon(T("Remove"), theme.DeleteIcon(), func() {
		if remove.Text != T("Really remove?") {
			remove.SetText(T("Really remove?"))
			return
		}
		v.run(func(ctx context.Context) (string, error) {
			return T("{{.Name}} is out of the directory", "Name", name), v.dir.RemoveExpert(ctx, member.Key)
		})
	})
	return container.NewVBox(widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), body,
		container.NewHBox(away, back, remove), widget.NewSeparator())
}

func (v *DirectoryView) put(e model.Expert, done string) {
	v.run(func(ctx context.Context) (string, error) {
		_, err := v.dir.PutExpert(ctx, e)
		return done, err
	})
}

// run calls the hub off the UI goroutine, says how it went and reloads.
func (v *DirectoryView) run(f func(ctx context.Context) (string, error)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		msg, err := f(ctx)
		var es []app.ExpertEntry
		if err == nil {
			es, err = v.dir.Experts(ctx)
		}
		fyne.Do(func() {
			v.Locked(func() {
				if err != nil {
					v.status.SetText(err.Error())
					return
				}
				v.status.SetText(msg)
				v.show(es, nil)
			})
		})
	}()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// add sends the form's member, with the opt-in recorded now by this lead
// (the hub records the lead as its witness).
func (v *DirectoryView) add() {
	e := model.Expert{Key: strings.TrimSpace(v.Key.Text), Name: v.Name.Text, Level: v.Level.Text, Topics: splitList(v.Topics.Text),
		Languages: splitList(v.Langs.Text), Contact: "thread", Consent: model.ExpertConsent{At: v.now().UTC(), How: v.How.Text}}
	v.put(e, T("{{.Key}} is in the directory", "Key", e.Key))
	v.OptedIn.SetChecked(false)
}

// Locked runs f holding the view's lock (tests read under it).
func (v *DirectoryView) Locked(f func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f()
}

// Status is the last outcome shown, for tests.
func (v *DirectoryView) Status() string { return v.status.Text }

// Members are the shown entries, for tests.
func (v *DirectoryView) Members() []app.ExpertEntry { return v.shown }

var _ Directory = (*app.ReportClient)(nil)
