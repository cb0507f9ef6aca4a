package store

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"switchboard/model"
)

// The snooze time (op snooze) travels in the summary record: flagged in
// the flags byte and appended after it, so a record of an awake case is
// byte for byte what it was before the field came, and the flag without
// its time is refused as corrupt.
func TestSummaryCodecKeepsTheSnooze(t *testing.T) {
	until := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	s := model.Summary{ID: "c-1", Status: model.StatusOpen, Public: true, Snoozed: until}
	b := encodeSummary(s)
	got, err := decodeSummary(b)
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip %+v, %v; want %+v", got, err, s)
	}
	var rec SummaryRecord
	if err := decodeRecord(b, &rec); err != nil || rec.Snoozed != until.UnixNano() {
		t.Fatalf("record snoozed %d, %v", rec.Snoozed, err)
	}
	awake := s
	awake.Snoozed = time.Time{}
	ab := encodeSummary(awake)
	if !bytes.HasPrefix(b, ab[:len(ab)-1]) || ab[len(ab)-1] != flagPublic {
		t.Errorf("an awake case's record changed: % x", ab)
	}
	if _, err := decodeSummary(b[:len(ab)]); err == nil {
		t.Error("a snooze flag without its time decoded")
	}
}
