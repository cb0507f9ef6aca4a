package facebook

import (
	"context"
	"testing"

	"switchboard/connector"
)

// Find looks a private message up in the page's Messenger conversation
// with the person (the hub's reconcile after a stop mid-send).
func TestFindMessengerMessage(t *testing.T) {
	g := newGraph(t, 200, fixture(t, "graph_conversations_messages.json"))
	s := newTestSender(t, g)
	r := connector.Reply{Private: true, Proactive: true, Recipient: "1254459154682919", Text: "Kennst du das? Galaxy S24 ohne WLAN nach dem Patch."}
	id, found, err := s.Find(context.Background(), r)
	if err != nil || !found || id != "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P" {
		t.Fatalf("Find = %q %v %v", id, found, err)
	}
	req := g.requests()[0]
	if req.Method != "GET" || req.Path != "/v21.0/"+s.cfg.PageID+"/conversations" || req.Query.Get("platform") != "messenger" ||
		req.Query.Get("user_id") != "1254459154682919" || req.Query.Get("fields") != "messages.limit(25){message,from}" || req.Query.Get("access_token") != s.cfg.PageAccessToken {
		t.Fatalf("request %+v", req)
	}
	// The person's own message with that text is not the page's.
	r.Text = "Hallo, hast du kurz Zeit für eine Frage?"
	if _, found, err := s.Find(context.Background(), r); err != nil || found {
		t.Fatalf("the person's message taken for the page's: %v %v", found, err)
	}
	// A comment reply cannot be looked up: an error, not "not found".
	if _, found, err := s.Find(context.Background(), connector.Reply{InReplyTo: "1_2", Text: "x"}); err == nil || found {
		t.Fatalf("comment: %v %v", found, err)
	}
	if n := len(g.requests()); n != 2 {
		t.Fatalf("%d requests, want 2 (none for the comment)", n)
	}
}
