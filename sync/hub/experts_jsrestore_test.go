package hub

import (
	"errors"
	"testing"
	"time"

	"switchboard/internal/natstest"
	"switchboard/model"
)

// A hand-off's private message whose job a dead hub never wrote, and that
// the surviving hub folded but stopped before repairing, is restored when
// that hub starts reconciling — as a hand-off (a proactive DM to the
// expert's contact), not as a reply to the case's thread.
func TestJSRestartedHubRestoresAHandoffsMissingJob(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	cacheB := t.TempDir()
	a, b := openJSAt(t, s.ClientURL(), t.TempDir()), openJSAt(t, s.ClientURL(), cacheB)
	never := func() error { return errHubDied }
	b.testRecord.Store(&never) // b dies before any repair lands
	die := func() error { return errHubDied }
	a.testBeforeRecord.Store(&die)
	now := time.Now().UTC()
	hf := &model.Handoff{Expert: "forum:kohlmark", By: "anna", At: now, Via: "twitter:kohlmark", Text: "Galaxy S24 ohne WLAN?",
		MessageID: "op-1", Delivery: model.DeliveryQueued}
	c := &model.Case{ID: "case-1", Channel: model.ChannelForum, ThreadRef: "t1", Version: 1, Status: model.StatusOpen, Brand: "a1", Handoff: hf}
	note := &model.Message{ID: "op-1", CaseID: "case-1", Direction: model.DirectionNote, Text: "Hand-off to forum:kohlmark via twitter:kohlmark (private message, sent by the hub):\nGalaxy S24 ohne WLAN?",
		Delivery: model.DeliveryQueued}
	j, ok := (&Hub{}).handoffJob(*c, model.Op{Kind: model.OpAskExpert}, *note)
	if !ok {
		t.Fatal("no hand-off job")
	}
	if _, _, err := a.AppendOp("anna", OpAnswer{OpID: "op-1", At: now}, []model.Event{
		{Type: model.EventCaseUpserted, Time: now, Case: c},
		{Type: model.EventMessageAdded, Time: now, Message: note},
	}, j); !errors.Is(err, errHubDied) {
		t.Fatalf("the op of a hub that died before its ledger: %v", err)
	}
	a.Kill()
	b = reopenWithTheDeadOp(t, s.ClientURL(), b, cacheB)
	if jobs, _ := b.Jobs(JobPending); len(jobs) != 0 {
		t.Fatalf("pending jobs %+v before the restart's reconcile: the test does not stage the lost job", jobs)
	}
	reconciling(t, b, time.Hour)
	for deadline := time.Now().Add(30 * time.Second); ; {
		jobs, err := b.Jobs(JobPending)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 1 {
			r := jobs[0].Reply
			if jobs[0].ID != "op-1" || r.Channel != model.ChannelTwitter || !r.Private || !r.Proactive || r.RecipientHandle != "kohlmark" ||
				r.Text != hf.Text || r.Brand != "a1" || r.ThreadRef != "" {
				t.Fatalf("restored job %+v, want the hand-off's DM to twitter:kohlmark", jobs[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending jobs %+v after the restart, want the hand-off's", jobs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
