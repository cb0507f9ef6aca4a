package hub_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"switchboard/internal/natstest"
	"switchboard/model"
	"switchboard/sync/hub"
)

func TestJSMigrateFromBoltIsIdempotent(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	src := openLog(t, t.TempDir())
	h := hubOn(t, src, quietConfig(time.Now))
	anna := hub.Agent{Name: "anna", Role: hub.RoleAgent}
	var cases []string
	for i := range 30 {
		cases = append(cases, ingest(t, h, tweet(fmt.Sprint("th-", i), fmt.Sprint("p", i), "@kim", "help", t0)))
	}
	claim, err := h.ApplyOp(anna, model.Op{ID: "claim-1", Kind: model.OpClaim, CaseID: cases[0]})
	if err != nil || claim.Reject != nil {
		t.Fatal(claim, err)
	}
	if _, err := h.ApplyOp(anna, model.Op{ID: "reply-1", Kind: model.OpReply, CaseID: cases[0], Text: "on its way"}); err != nil {
		t.Fatal(err)
	}
	want := readAll(t, src)

	cache := t.TempDir()
	dst := openJS(t, s.ClientURL(), cache, 1)
	st, err := hub.MigrateToJS(src, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != uint64(len(want)) || st.Answers != 2 || st.Jobs != 1 {
		t.Fatalf("first run: %+v, log of %d events", st, len(want))
	}
	if got := readAll(t, dst); !reflect.DeepEqual(got, want) {
		t.Fatalf("the stream's events differ from the log's (%d vs %d)", len(got), len(want))
	}
	st, err = hub.MigrateToJS(src, dst, nil)
	if err != nil || st.Events != 0 || st.Skipped != uint64(len(want)) || st.Answers != 0 || st.Jobs != 0 {
		t.Fatalf("second run: %+v %v", st, err)
	}
	dst.Close()
	// A hub on the stream goes on where the bbolt hub stopped.
	dst = openJS(t, s.ClientURL(), t.TempDir(), 1)
	defer dst.Close()
	hj := hubOn(t, dst, quietConfig(time.Now))
	if again, err := hj.ApplyOp(anna, model.Op{ID: "claim-1", Kind: model.OpClaim, CaseID: cases[0]}); err != nil || again != claim {
		t.Fatalf("repeat of a migrated op: %+v %v, first %+v", again, err, claim)
	}
	if n := hj.CaseCount(); n != 30 {
		t.Fatalf("hub on the stream holds %d cases", n)
	}
	if id := ingest(t, hj, tweet("th-0", "p-new", "@kim", "thanks", t0.Add(time.Hour))); id != cases[0] {
		t.Fatalf("new message joined %s, not the migrated case %s", id, cases[0])
	}
	if head := dst.Head(); head != uint64(len(want))+2 {
		t.Fatalf("head %d after one ingest on %d migrated events", head, len(want))
	}
	waitJobs(t, dst, hub.JobPending, 1)
	// Into a stream that holds another log: refused.
	other := openLog(t, t.TempDir())
	if _, err := other.Append([]model.Event{customerEvent("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.MigrateToJS(other, dst, nil); err == nil {
		// the other log's one event is not the stream's
		t.Fatal("migrating a second log into the stream was not refused")
	}
}
