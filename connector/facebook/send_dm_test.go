package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"switchboard/connector"
)

// A hand-off to a community expert goes out as a Messenger UPDATE (the
// page's own message, not an answer), and the Send API's refusals say in
// plain words what to do.

func TestSendMessengerHandoffIsAnUpdate(t *testing.T) {
	g := newGraph(t, 200, fixture(t, "send_api_ok.json"))
	s := newTestSender(t, g)
	if _, err := s.Send(context.Background(), connector.Reply{Private: true, Proactive: true, Recipient: "1254459154682919", Text: "Kennst du das?"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), connector.Reply{Private: true, Recipient: "1254459154682919", Text: "Danke!"}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"UPDATE", "RESPONSE"} {
		var body sendRequest
		if err := json.Unmarshal([]byte(g.requests()[i].Body), &body); err != nil || body.MessagingType != want {
			t.Fatalf("request %d: %s, want %s", i, g.requests()[i].Body, want)
		}
	}
}

func TestSendMessengerRefusalsSayWhy(t *testing.T) {
	for _, tc := range []struct {
		fixture, want string
		code          int
	}{
		{"graph_error_outside_window.json", "outside Messenger's 24-hour window", 10},
		{"graph_error_unavailable.json", "cannot be reached on Messenger", 551},
	} {
		g := newGraph(t, 400, fixture(t, tc.fixture))
		s := newTestSender(t, g)
		_, err := s.Send(context.Background(), connector.Reply{Private: true, Proactive: true, Recipient: "1254459154682919", Text: "Kennst du das?"})
		var ge *GraphError
		if err == nil || !connector.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &ge) || ge.Code != tc.code {
			t.Fatalf("%s: %v", tc.fixture, err)
		}
	}
	// No match for the id: said so too.
	g := newGraph(t, 400, []byte(`{"error":{"message":"(#100) No matching user found","type":"OAuthException","code":100,"error_subcode":2018001,"fbtrace_id":"A1"}}`))
	_, err := newTestSender(t, g).Send(context.Background(), connector.Reply{Private: true, Recipient: "1254459154682919", Text: "x"})
	if err == nil || !connector.IsPermanent(err) || !strings.Contains(err.Error(), "page-scoped id") {
		t.Fatalf("no matching user: %v", err)
	}
}
