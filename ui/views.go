package ui

import (
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
)

// savedViewer is what the saved views need of the core (app.Core has it):
// it counts them live with its own views.
type savedViewer interface {
	SetSavedViews([]app.SavedView)
	SavedViews() []app.SavedView
}

// viewsUI is the queue's category and language pickers and the agent's
// saved views. Touched on the UI goroutine only, but for facets and
// savedN (written by the queue worker through c.do).
type viewsUI struct {
	cat, lang *widget.Select
	// catVals and langVals are the values behind the options (option i+1
	// is value i; option 0 is "all").
	catVals, langVals []string
	// setting is true while the pickers are set from code, not the agent.
	setting bool

	savedGrid *fyne.Container
	savedBtns []*widget.Button
	saveB     *widget.Button
	saved     []app.SavedView
	savedN    map[string]int // count by saved view name
	facets    []app.ViewCount
	loaded    bool // the saved views were read from the settings

	// The compact queue's (fitQueue): the views and saved views in one
	// menu with their counts, opened from a button that names the view
	// shown, and the filters behind a button.
	viewB    *widget.Button
	viewMenu *fyne.Menu
	filtersB *widget.Button
	more     bool    // the compact queue shows its filters
	fullW    float32 // the full header's minimum width, last measured

	// compact is the queue pane's small form (narrow or short, as at
	// 200 % on a 1600×1000 screen): the views in a menu, the filters
	// behind a button, dense rows. queueTop is the queue's header, laid
	// out for it or not; viewGrid the views' buttons.
	compact  bool
	queueTop *fyne.Container
	viewGrid *fyne.Container
	over     *fyne.Container // over the list: the "N new — show" bar
}

// savedKey is the view key of saved view name.
func savedKey(name string) string { return "s:" + name }

// newViewsUI makes the pickers and the saved views' row.
func (c *Console) newViewsUI() *viewsUI {
	v := &viewsUI{savedN: map[string]int{}}
	v.cat = widget.NewSelect([]string{T("All categories")}, func(string) {
		if v.setting {
			return
		}
		i := v.cat.SelectedIndex()
		c.setFilter(func(f *app.Filter) { f.Category = pick(v.catVals, i) })
	})
	v.cat.SetSelectedIndex(0)
	v.lang = widget.NewSelect([]string{T("All languages")}, func(string) {
		if v.setting {
			return
		}
		i := v.lang.SelectedIndex()
		c.setFilter(func(f *app.Filter) { f.Lang = pick(v.langVals, i) })
	})
	v.lang.SetSelectedIndex(0)
	v.saveB = widget.NewButtonWithIcon(T("Save view…"), theme.DocumentSaveIcon(), c.ShowSavedViews)
	v.saveB.Importance = widget.LowImportance
	v.savedGrid = container.NewGridWithColumns(3)
	v.savedGrid.Hide()
	v.viewMenu = fyne.NewMenu("")
	v.viewB = widget.NewButtonWithIcon(T("Views"), theme.MenuDropDownIcon(), func() { c.showViewMenu() })
	v.viewB.IconPlacement = widget.ButtonIconTrailingText
	v.filtersB = widget.NewButtonWithIcon("", theme.MoreVerticalIcon(), func() {
		v.more = !v.more
		c.layoutQueueTop()
	})
	return v
}

// Below these the queue pane is compact (fitQueue): its full header is
// about 450 units wide (the search, channel and "Open only" row) and 280
// high, which left a 500-unit-high window (200 % on a 1600×1000 screen)
// room for one or two rows.
const (
	compactQueueW = 460
	compactQueueH = 600
	// compactCaseH: below it the case view's header scrolls with the
	// thread (CaseView.SetCompact).
	compactCaseH = 600
)

// fitQueue hears the queue pane's size: narrower than its full header or
// shorter than compactQueueH, the queue is compact — the views and saved
// views in a selector beside the search, the channel, category, language,
// sort and snooze behind a button, the rows dense — so that at 200 % on a
// 1600×1000 screen it lists eight cases or more.
func (c *Console) fitQueue(size fyne.Size) {
	v := c.vw
	if !c.vw.compact {
		v.fullW = c.vw.queueTop.MinSize().Width
	}
	full := max(v.fullW, compactQueueW)
	on := size.Width < full || size.Height < compactQueueH
	if on == c.vw.compact {
		return
	}
	c.vw.compact = on
	c.rowH = 0
	c.layoutQueueTop()
	c.list.Refresh() // a new template row: the list measures its height again
}

// Compact reports whether the queue is in its compact form.
func (c *Console) Compact() bool { return c.vw.compact }

// ViewMenuButton opens the compact queue's views menu; ViewMenu is that
// menu (each view and saved view with its count, the one shown checked).
func (c *Console) ViewMenuButton() *widget.Button { return c.vw.viewB }

// ViewMenu is the compact queue's views menu.
func (c *Console) ViewMenu() *fyne.Menu { return c.vw.viewMenu }

// showViewMenu opens the views menu under its button.
func (c *Console) showViewMenu() {
	b := c.vw.viewB
	cv := fyne.CurrentApp().Driver().CanvasForObject(b)
	if cv == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b).AddXY(0, b.Size().Height)
	widget.ShowPopUpMenuAtPosition(c.vw.viewMenu, cv, pos)
}

// FiltersButton shows and hides the compact queue's filters.
func (c *Console) FiltersButton() *widget.Button { return c.vw.filtersB }

// layoutQueueTop lays out the queue's header: the views' buttons and the
// filters in rows, or, compact, one row of the views menu's button, the
// search and the filters button, the filters under it while shown.
func (c *Console) layoutQueueTop() {
	v := c.vw
	var objs []fyne.CanvasObject
	if !c.vw.compact {
		filters := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(c.channel, c.active), c.search),
			container.NewBorder(nil, nil, nil, v.saveB, container.NewGridWithColumns(2, v.cat, v.lang)))
		head := container.NewBorder(nil, nil, widget.NewLabelWithStyle(T("Queue"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), container.NewHBox(c.count, c.snoozeB, c.sortSel))
		objs = []fyne.CanvasObject{c.vw.viewGrid, v.savedGrid, filters, head}
	} else {
		objs = []fyne.CanvasObject{container.NewBorder(nil, nil, v.viewB, v.filtersB, c.search)}
		if v.more {
			objs = append(objs,
				container.NewBorder(nil, nil, nil, c.active, c.channel),
				container.NewGridWithColumns(2, v.cat, v.lang),
				container.NewBorder(nil, nil, c.count, container.NewHBox(c.snoozeB, v.saveB), c.sortSel))
		}
	}
	// "N new — show" lies over the list's first row: a row of its own
	// (kept while hidden, so the list never moves) left a blank strip
	// over the list while nothing was new (most of the time) and cost
	// the compact queue a row; beside the search it widened the pane.
	c.vw.over.Objects = []fyne.CanvasObject{c.newBar}
	c.vw.over.Refresh()
	c.vw.queueTop.Objects = objs
	c.vw.queueTop.Refresh()
	c.showFiltersButton()
}

// showFiltersButton marks the compact queue's filters button while a
// filter it hides narrows the queue, so a hidden filter is not forgotten.
func (c *Console) showFiltersButton() {
	b := c.vw.filtersB
	f := c.filterSnapshot()
	imp := widget.LowImportance
	if f.Channel != "" || f.Category != "" || f.Lang != "" {
		imp = widget.HighImportance
	}
	icon := theme.MoreVerticalIcon()
	if c.vw.more {
		icon = theme.MenuDropUpIcon()
	}
	if b.Importance != imp || b.Icon != icon {
		b.Importance, b.Icon = imp, icon
		b.Refresh()
	}
}

// showViewSelect gives the views menu the views' and saved views' names
// with their counts (as their buttons show them), the one shown checked,
// and names it on the menu's button.
func (c *Console) showViewSelect() {
	v := c.vw
	cur := c.View()
	var items []*fyne.MenuItem
	label := T("Views")
	add := func(text, key string, do func()) {
		it := fyne.NewMenuItem(text, do)
		it.Checked = key == cur
		if it.Checked {
			label = text
		}
		items = append(items, it)
	}
	for _, qv := range queueViews {
		add(c.viewBtns[qv.key].Text, qv.key, func() { c.SetView(qv.key) })
	}
	if len(v.saved) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
	}
	for i, sv := range v.saved {
		name := sv.Name
		add(v.savedBtns[i].Text, savedKey(name), func() { c.UseSavedView(name) })
	}
	v.viewMenu.Items = items
	if v.viewB.Text != label {
		v.viewB.SetText(label)
	}
	if c.vw.compact {
		c.showFiltersButton()
	}
}

func pick(vals []string, i int) string {
	if i <= 0 || i > len(vals) {
		return ""
	}
	return vals[i-1]
}

// LangName names a triage language for the picker.
func LangName(code string) string {
	switch code {
	case "de":
		return T("German")
	case "en":
		return T("English")
	}
	return strings.ToUpper(code)
}

func facetName(group, value string) string {
	if group == app.GroupLang {
		return LangName(value)
	}
	if n := CategoryName(value); n != "" {
		return n
	}
	return T("Other topic")
}

// showFacets sets the pickers' options from the core's category and
// language views: each value present, with its count of open care cases.
func (c *Console) showFacets() {
	v := c.vw
	set := func(sel *widget.Select, vals *[]string, group, all string, cur string) {
		opts := []string{all}
		var nv []string
		for _, f := range v.facets {
			if f.Group != group {
				continue
			}
			nv = append(nv, f.Name)
			opts = append(opts, facetName(group, f.Name)+"  "+Number(f.Count))
		}
		if cur != "" && !slices.Contains(nv, cur) {
			nv = append(nv, cur)
			opts = append(opts, facetName(group, cur)+"  0")
		}
		*vals = nv
		v.setting = true
		if !slices.Equal(opts, sel.Options) {
			sel.Options = opts
			sel.Refresh()
		}
		if i := slices.Index(nv, cur) + 1; sel.SelectedIndex() != i {
			sel.SetSelectedIndex(i)
		}
		v.setting = false
	}
	f := c.filterSnapshot()
	set(v.cat, &v.catVals, app.GroupCategory, T("All categories"), f.Category)
	set(v.lang, &v.langVals, app.GroupLang, T("All languages"), f.Lang)
}

// showSaved lays out the saved views' buttons with their counts, the one
// shown marked.
func (c *Console) showSaved() {
	v := c.vw
	cur := c.View()
	for len(v.savedBtns) < len(v.saved) {
		b := widget.NewButton("", nil)
		v.savedBtns = append(v.savedBtns, b)
	}
	objs := make([]fyne.CanvasObject, 0, len(v.saved))
	for i, sv := range v.saved {
		b := v.savedBtns[i]
		name := sv.Name
		b.OnTapped = func() { c.UseSavedView(name) }
		text := name
		if n, ok := v.savedN[name]; ok {
			text += "  " + Number(n)
		}
		if i < 9 {
			text = strconv.Itoa(i+1) + " · " + text
		}
		imp := widget.MediumImportance
		if savedKey(name) == cur {
			imp = widget.HighImportance
		}
		if b.Text != text || b.Importance != imp {
			b.Text, b.Importance = text, imp
			b.Refresh()
		}
		objs = append(objs, b)
	}
	if len(objs) != len(v.savedGrid.Objects) || !slices.Equal(objs, v.savedGrid.Objects) {
		v.savedGrid.Objects = objs
		v.savedGrid.Refresh()
	}
	if len(objs) == 0 {
		v.savedGrid.Hide()
	} else {
		v.savedGrid.Show()
	}
	c.showViewSelect()
}

// SavedViews are the agent's saved views.
func (c *Console) SavedViews() []app.SavedView {
	c.ensureSaved()
	return slices.Clone(c.vw.saved)
}

// SavedViewButton is the button of the i-th saved view.
func (c *Console) SavedViewButton(i int) *widget.Button {
	if i < 0 || i >= len(c.vw.saved) {
		return nil
	}
	return c.vw.savedBtns[i]
}

// CategoryFilter and LangFilter are the queue's category and language
// pickers.
func (c *Console) CategoryFilter() *widget.Select { return c.vw.cat }

// LangFilter is the queue's language picker.
func (c *Console) LangFilter() *widget.Select { return c.vw.lang }

// loadSavedViews takes the agent's saved views from the settings (on
// OnSettings) and has the core count them.
func (c *Console) loadSavedViews(s app.Settings) {
	c.vw.saved = s.SavedViews(c.be.Me())
	if sv, ok := c.be.(savedViewer); ok {
		sv.SetSavedViews(c.vw.saved)
	}
	c.showSaved()
	c.reloadQueue()
}

// setSaved makes vs the saved views: counted by the core, kept in the
// settings file (per agent) when the console has one.
func (c *Console) setSaved(vs []app.SavedView) {
	c.vw.saved = vs
	if sv, ok := c.be.(savedViewer); ok {
		sv.SetSavedViews(vs)
	}
	if x := c.x(); x != nil && x.getSettings != nil && x.saveSettings != nil {
		s := x.getSettings()
		s.SetSavedViews(c.be.Me(), vs)
		x.saveSettings(s)
	}
	c.showSaved()
	c.reloadQueue()
}

// SaveView saves the queue as it is now (view, channel, category,
// language, search and sort) under name; a view of that name is replaced.
func (c *Console) SaveView(name string) error {
	c.ensureSaved()
	f := c.filterSnapshot()
	vs, err := app.SaveView(c.vw.saved, name, f)
	if err != nil {
		return err
	}
	c.setSaved(vs)
	i := slices.IndexFunc(vs, func(v app.SavedView) bool { return strings.EqualFold(v.Name, strings.Join(strings.Fields(name), " ")) })
	c.filterMu.Lock()
	c.view = savedKey(vs[i].Name)
	c.filterMu.Unlock()
	c.showViewButtons()
	return nil
}

// RenameSavedView renames a saved view.
func (c *Console) RenameSavedView(old, name string) error {
	vs, err := app.RenameView(c.vw.saved, old, name)
	if err != nil {
		return err
	}
	c.filterMu.Lock()
	if c.view == savedKey(old) {
		i := slices.IndexFunc(vs, func(v app.SavedView) bool { return strings.EqualFold(v.Name, strings.Join(strings.Fields(name), " ")) })
		c.view = savedKey(vs[i].Name)
	}
	c.filterMu.Unlock()
	c.setSaved(vs)
	return nil
}

// DeleteSavedView deletes a saved view; the queue keeps its filter.
func (c *Console) DeleteSavedView(name string) error {
	vs, err := app.DeleteView(c.vw.saved, name)
	if err != nil {
		return err
	}
	c.setSaved(vs)
	return nil
}

// UseSavedView shows a saved view: its filter and sort, with the search,
// channel, category, language and sort pickers set to it.
func (c *Console) UseSavedView(name string) {
	i := slices.IndexFunc(c.vw.saved, func(v app.SavedView) bool { return v.Name == name })
	if i < 0 {
		return
	}
	f := c.vw.saved[i].Filter
	c.filterMu.Lock()
	c.view = savedKey(name)
	c.filterMu.Unlock()
	// The pickers follow (their callbacks change one field each), then
	// the filter is the saved one exactly.
	c.search.SetText(f.Text)
	c.channel.SetSelectedIndex(max(0, slices.Index(channelOrder, f.Channel)))
	c.sortSel.SetSelectedIndex(max(0, slices.IndexFunc(sorts, func(s sortChoice) bool { return s.core == f.Sort })))
	c.active.Disable() // "Open only" is All's; the saved filter says itself
	c.setFilter(func(cur *app.Filter) { *cur = f })
	c.showFacets()
	c.showViewButtons()
}

// ShowSavedViews opens the saved views' dialog: a name to save the queue
// as it is now under (Enter saves), and each saved view with rename and
// delete. "g v" opens it too.
func (c *Console) ShowSavedViews() {
	cv := fyne.CurrentApp().Driver().CanvasForObject(c.list)
	if x := c.x(); x != nil && x.win != nil {
		cv = x.win.Canvas()
	}
	if cv == nil {
		return
	}
	var pop *widget.PopUp
	errL := widget.NewLabel("")
	errL.Importance = widget.DangerImportance
	name := widget.NewEntry()
	name.SetPlaceHolder(T("Name of the view"))
	if k := c.View(); strings.HasPrefix(k, "s:") {
		name.SetText(strings.TrimPrefix(k, "s:"))
	}
	list := container.NewVBox()
	var fill func()
	fill = func() {
		list.Objects = nil
		for _, sv := range c.vw.saved {
			old := sv.Name
			rename := widget.NewEntry()
			rename.SetText(old)
			rename.OnSubmitted = func(s string) {
				if err := c.RenameSavedView(old, s); err != nil {
					errL.SetText(viewError(err))
					return
				}
				errL.SetText("")
				fill()
			}
			renameB := widget.NewButtonWithIcon(T("Rename"), theme.DocumentCreateIcon(), func() { rename.OnSubmitted(rename.Text) })
			del := widget.NewButtonWithIcon(T("Delete"), theme.DeleteIcon(), func() {
				if err := c.DeleteSavedView(old); err != nil {
					errL.SetText(viewError(err))
					return
				}
				fill()
			})
			del.Importance = widget.DangerImportance
			list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(renameB, del), rename))
		}
		list.Refresh()
	}
	fill()
	name.OnSubmitted = func(s string) {
		if err := c.SaveView(s); err != nil {
			errL.SetText(viewError(err))
			return
		}
		pop.Hide()
		c.status.Info(T("View saved: {{.Name}}", "Name", strings.Join(strings.Fields(s), " ")))
	}
	saveB := widget.NewButtonWithIcon(T("Save"), theme.DocumentSaveIcon(), func() { name.OnSubmitted(name.Text) })
	saveB.Importance = widget.HighImportance
	help := widget.NewLabel(T("Saves the queue as it is now: the view, channel, category, language, search and sort. g 1–9 opens a saved view."))
	help.Wrapping = fyne.TextWrapWord
	help.Importance = widget.LowImportance
	box := container.NewVBox(heading(T("Saved views")), help,
		container.NewBorder(nil, nil, nil, saveB, name), errL, list,
		widget.NewButton(T("Close"), func() { pop.Hide() }))
	pop = widget.NewModalPopUp(box, cv)
	pop.Show()
	pop.Resize(fyne.NewSize(max(480, box.MinSize().Width), box.MinSize().Height))
	cv.Focus(name)
}

func viewError(err error) string {
	switch err {
	case app.ErrViewName:
		return T("Give the view a name.")
	case app.ErrViewTaken:
		return T("A saved view has that name already.")
	case app.ErrViewsFull:
		return T("You have 20 saved views: delete one first.")
	case app.ErrViewNone:
		return T("That view is gone.")
	}
	return err.Error()
}

// ensureSaved loads the agent's saved views from the settings the first
// time they are needed after OnSettings gave the console its settings.
func (c *Console) ensureSaved() {
	v := c.vw
	if v.loaded {
		return
	}
	if x := c.x(); x != nil && x.getSettings != nil {
		v.loaded = true
		c.loadSavedViews(x.getSettings())
	}
}
