package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"switchboard/model"
)

// Assigner queues ops (app.Core has it): the lead's board reassigns a case
// about to breach with a claim naming the new assignee (leads only).
type Assigner interface {
	Do(op model.Op) (model.Op, error)
}

// ReassignMenu is the menu of agents a case about to breach can be handed
// to in one click: every agent the board knows but the current assignee.
func (v *LeadView) ReassignMenu(caseID string) *fyne.Menu {
	current := ""
	var names []string
	for _, s := range v.live.Urgent {
		if s.ID == caseID {
			current = s.Assignee
		}
	}
	for _, a := range v.live.Agents {
		if a.Key != "" && a.Key != current && !slices.Contains(names, a.Key) {
			names = append(names, a.Key)
		}
	}
	for _, l := range v.agentsL {
		// A brand's own account is no agent to give a case to.
		if l.key != "" && !isBrandKey(l.key) && l.key != current && !slices.Contains(names, l.key) {
			names = append(names, l.key)
		}
	}
	slices.Sort(names)
	var items []*fyne.MenuItem
	for _, n := range names {
		name := n
		items = append(items, fyne.NewMenuItem(T("Assign to {{.Name}}", "Name", name), func() { v.Reassign(caseID, name) }))
	}
	if len(items) == 0 {
		items = append(items, fyne.NewMenuItem(T("No other agent on the board"), nil))
	}
	return fyne.NewMenu("", items...)
}

// showReassign opens the menu under the case's button.
func (v *LeadView) showReassign(caseID string, at fyne.CanvasObject) {
	if v.win == nil {
		return
	}
	c := v.win.Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(at)
	widget.ShowPopUpMenuAtPosition(v.ReassignMenu(caseID), c, pos.AddXY(0, at.Size().Height))
}

// Reassign hands the case to agent (a claim with assignee, queued like
// every op); the outcome shows in the board's status line.
func (v *LeadView) Reassign(caseID, agent string) {
	as, ok := v.be.(Assigner)
	if !ok {
		return
	}
	v.tasks.Add(1)
	go func() {
		defer v.tasks.Done()
		_, err := as.Do(model.Op{Kind: model.OpClaim, CaseID: caseID, Assignee: agent})
		v.do(func() {
			if err != nil {
				v.updated.SetText(err.Error())
				v.updated.Importance = widget.DangerImportance
			} else {
				v.updated.SetText(T("Assigned to {{.Name}}", "Name", agent))
				v.updated.Importance = widget.SuccessImportance
			}
			v.updated.Refresh()
		})
	}()
}
