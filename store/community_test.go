package store

import (
	"path/filepath"
	"testing"
	"time"

	"switchboard/model"
)

// The expert directory and the listened items reach the cache, so the
// console has them offline; a removed member drops out.
func TestCommunityEventsAreCached(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	consent := model.ExpertConsent{At: at, By: "lena"}
	evs := []model.Event{
		{Seq: 1, Type: model.EventExpertUpserted, Expert: &model.Expert{Key: "forum:kohlmark", Topics: []string{"router"}, Consent: consent}},
		{Seq: 2, Type: model.EventExpertUpserted, Expert: &model.Expert{Key: "forum:tom", Consent: consent}},
		{Seq: 3, Type: model.EventListenItem, Listen: &model.ListenItem{ID: "forum|1", Text: "older", Time: at}},
		{Seq: 4, Type: model.EventListenItem, Listen: &model.ListenItem{ID: "forum|2", Text: "newer", Time: at.Add(time.Hour)}},
		{Seq: 5, Type: model.EventExpertUpserted, Expert: &model.Expert{Key: "forum:tom", Consent: consent, Removed: true}},
	}
	if _, err := s.Apply(evs); err != nil {
		t.Fatal(err)
	}
	ex, err := s.Experts()
	if err != nil || len(ex) != 1 || ex[0].Key != "forum:kohlmark" {
		t.Fatalf("experts %+v %v", ex, err)
	}
	items, err := s.ListenItems()
	if err != nil || len(items) != 2 || items[0].ID != "forum|2" {
		t.Fatalf("listened items %+v %v", items, err)
	}
}
