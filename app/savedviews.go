package app

import (
	"errors"
	"slices"
	"strings"
	"sync"
)

// SavedView is a view an agent saved: the filter of the queue as it was
// (its view, channel, category, language, search text and sort) under a
// name of the agent's. Saved views are the agent's own: Settings keeps
// them per agent, and the queue counts them live beside its own views
// (Core.SetSavedViews).
type SavedView struct {
	Name   string `json:"name"`
	Filter Filter `json:"filter"`
}

// MaxSavedViews bounds an agent's saved views (each is a live count kept
// on every change of the queue).
const MaxSavedViews = 20

// Errors of saving, renaming and deleting a saved view.
var (
	ErrViewName   = errors.New("a saved view needs a name")
	ErrViewTaken  = errors.New("a saved view of that name exists")
	ErrViewNone   = errors.New("no saved view of that name")
	ErrViewsFull  = errors.New("too many saved views")
	maxViewNameLn = 40
)

func viewName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", ErrViewName
	}
	if r := []rune(name); len(r) > maxViewNameLn {
		name = string(r[:maxViewNameLn])
	}
	return name, nil
}

func indexView(vs []SavedView, name string) int {
	return slices.IndexFunc(vs, func(v SavedView) bool { return strings.EqualFold(v.Name, name) })
}

// SaveView is vs with f saved under name: a view of that name (in any
// case) is replaced in place, a new one goes last. vs is not changed.
func SaveView(vs []SavedView, name string, f Filter) ([]SavedView, error) {
	name, err := viewName(name)
	if err != nil {
		return vs, err
	}
	out := slices.Clone(vs)
	if i := indexView(out, name); i >= 0 {
		out[i] = SavedView{Name: name, Filter: f}
		return out, nil
	}
	if len(out) >= MaxSavedViews {
		return vs, ErrViewsFull
	}
	return append(out, SavedView{Name: name, Filter: f}), nil
}

// RenameView is vs with the view old named name. vs is not changed.
func RenameView(vs []SavedView, old, name string) ([]SavedView, error) {
	name, err := viewName(name)
	if err != nil {
		return vs, err
	}
	i := indexView(vs, old)
	if i < 0 {
		return vs, ErrViewNone
	}
	if j := indexView(vs, name); j >= 0 && j != i {
		return vs, ErrViewTaken
	}
	out := slices.Clone(vs)
	out[i].Name = name
	return out, nil
}

// DeleteView is vs without the view name. vs is not changed.
func DeleteView(vs []SavedView, name string) ([]SavedView, error) {
	i := indexView(vs, name)
	if i < 0 {
		return vs, ErrViewNone
	}
	return slices.Delete(slices.Clone(vs), i, i+1), nil
}

// SavedViews are agent's saved views in s.
func (s Settings) SavedViews(agent string) []SavedView {
	return slices.Clone(s.Views[agent])
}

// SetSavedViews keeps vs as agent's saved views in s.
func (s *Settings) SetSavedViews(agent string, vs []SavedView) {
	m := make(map[string][]SavedView, len(s.Views)+1)
	for k, v := range s.Views {
		m[k] = v
	}
	if len(vs) == 0 {
		delete(m, agent)
	} else {
		m[agent] = slices.Clone(vs)
	}
	if len(m) == 0 {
		m = nil
	}
	s.Views = m
}

// savedState is a core's saved views; a new one for every change, so a
// table knows by the pointer whether it counts them (a table made anew,
// as when the cache is rebuilt, picks them up when next asked).
type savedState struct{ views []SavedView }

var savedOf sync.Map // *Core → *savedState

// SetSavedViews makes vs the agent's saved views of the queue: each is
// counted live with the queue's own views (Views, Group GroupSaved, after
// them). A saved view with search text is counted by a search when Views
// is asked (the index's counts cannot match text).
func (c *Core) SetSavedViews(vs []SavedView) {
	savedOf.Store(c, &savedState{views: slices.Clone(vs)})
	c.syncSaved()
}

// SavedViews are the saved views the queue counts.
func (c *Core) SavedViews() []SavedView {
	if sv := c.savedState(); sv != nil {
		return slices.Clone(sv.views)
	}
	return nil
}

func (c *Core) savedState() *savedState {
	v, _ := savedOf.Load(c)
	sv, _ := v.(*savedState)
	return sv
}

// syncSaved gives the table the core's saved views when it does not
// count them yet.
func (c *Core) syncSaved() {
	sv := c.savedState()
	c.mu.RLock()
	ok := c.t == nil || c.t.saved == sv
	c.mu.RUnlock()
	if ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.t; t.saved != sv {
		t.saved = sv
		t.setViews(t.withSaved(sv.views))
	}
}

// withSaved is the table's views with the saved views vs instead of the
// ones it has.
func (t *table) withSaved(vs []SavedView) []View {
	out := slices.DeleteFunc(slices.Clone(t.views), func(v View) bool { return v.Group == GroupSaved })
	// The saved views go after the queue's own, before the categories.
	at := slices.IndexFunc(out, func(v View) bool { return v.Group != "" })
	if at < 0 {
		at = len(out)
	}
	saved := make([]View, len(vs))
	for i, v := range vs {
		saved[i] = View{Name: v.Name, Filter: v.Filter, Group: GroupSaved}
	}
	return slices.Insert(out, at, saved...)
}
