package app_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/store"
)

// Twenty claim races, each on its own case, with both consoles online:
// every case ends with exactly one of the two agents, and the other one
// learns it — refused at once when its console already knew, or rejected
// by the hub with the winner as the current assignee.
func TestClaimRacesOneWinnerEach(t *testing.T) {
	th := startAuthHub(t)
	const races = 20
	ids := make([]string, races)
	for i := range ids {
		ids[i] = th.post(t, post{ch: model.ChannelForum, thread: fmt.Sprint("race-", i), handle: fmt.Sprint("guest", i), text: "who takes this?", at: time.Duration(i) * time.Minute})
	}
	anna, ben := openConsole(t, t.TempDir()), openConsole(t, t.TempDir())
	t.Cleanup(func() { anna.Close(); ben.Close() })
	th.connect(t, anna, "tok-anna")
	th.connect(t, ben, "tok-ben")
	waitFor(t, "both synced", func() bool {
		return anna.Status().Cursor == th.log.Head() && ben.Status().Cursor == th.log.Head()
	})

	consoles := map[string]*app.Core{"anna": anna, "ben": ben}
	refused := map[string]map[string]bool{"anna": {}, "ben": {}} // case ids refused before queueing
	var mu sync.Mutex
	for _, id := range ids {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for name, c := range consoles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := c.Do(model.Op{Kind: model.OpClaim, CaseID: id})
				var rej *model.Rejection
				switch {
				case err == nil:
				case errors.As(err, &rej) && rej.Code == model.RejectClaimed:
					mu.Lock()
					refused[name][id] = true
					mu.Unlock()
				default:
					t.Errorf("%s claims %s: %v", name, id, err)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	waitFor(t, "every claim answered", func() bool { return anna.Pending() == 0 && ben.Pending() == 0 })

	rejected := map[string]map[string]store.RejectedOp{}
	for name, c := range consoles {
		ros, err := c.Rejected()
		if err != nil {
			t.Fatal(err)
		}
		rejected[name] = map[string]store.RejectedOp{}
		for _, ro := range ros {
			if _, dup := rejected[name][ro.Op.CaseID]; dup {
				t.Errorf("%s has two rejects for case %s", name, ro.Op.CaseID)
			}
			rejected[name][ro.Op.CaseID] = ro
		}
	}
	wins := map[string]int{}
	for _, id := range ids {
		hc, _ := th.hub.Case(id)
		winner := hc.Assignee
		if consoles[winner] == nil {
			t.Errorf("case %s: assignee %q, want anna or ben", id, winner)
			continue
		}
		wins[winner]++
		loser := "anna"
		if winner == "anna" {
			loser = "ben"
		}
		if _, ok := rejected[winner][id]; ok || refused[winner][id] {
			t.Errorf("case %s: winner %s was also refused", id, winner)
		}
		ro, wasRejected := rejected[loser][id]
		switch {
		case wasRejected && refused[loser][id]:
			t.Errorf("case %s: %s refused locally and rejected by the hub", id, loser)
		case wasRejected:
			if ro.Reject.Code != model.RejectClaimed || ro.Current == nil || ro.Current.Assignee != winner {
				t.Errorf("case %s: %s's reject = %+v (current %+v), want claimed by %s", id, loser, ro.Reject, ro.Current, winner)
			}
		case !refused[loser][id]:
			t.Errorf("case %s: %s's claim neither refused nor rejected", id, loser)
		}
		// Both consoles show the winner.
		for name, c := range consoles {
			waitFor(t, name+" shows the winner of "+id, func() bool { return caseOf(t, c, id).Assignee == winner })
		}
	}
	t.Logf("wins %v; refused before queueing: anna %d, ben %d", wins, len(refused["anna"]), len(refused["ben"]))
}
