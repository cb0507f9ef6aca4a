package twitter

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"switchboard/connector"
	"switchboard/model"
)

// A hand-off to a community expert knows their handle, not their user id:
// the Sender looks it up (GET /2/users/by/username/:username) and says
// plainly why X refused a DM.

func handoffDM(handle string) connector.Reply {
	return connector.Reply{Key: "op-1", Channel: model.ChannelTwitter, Private: true, Proactive: true, RecipientHandle: handle,
		Text: "Kennst du das? Galaxy S24 ohne WLAN nach dem Patch."}
}

func TestSendDMToAHandleLooksTheUserUp(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/2/users/by/username/kohlmark":
			writeJSON(w, 200, fixture(t, "user_by_username.json"))
		case "/2/dm_conversations/with/1390000000000000042/messages":
			writeJSON(w, 201, fixture(t, "dm_create_response.json"))
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			writeJSON(w, 404, fixture(t, "error_400_invalid.json"))
		}
	})
	s, err := NewSender(testConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Send(context.Background(), handoffDM("@kohlmark"))
	if err != nil || id != "1796912345678900360" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 || reqs[0].method != http.MethodGet || reqs[1].method != http.MethodPost || reqs[1].auth != "Bearer brand-user-token" {
		t.Fatalf("requests %+v", reqs)
	}
	var body map[string]string
	if err := json.Unmarshal(reqs[1].body, &body); err != nil || body["text"] != handoffDM("").Text {
		t.Fatalf("DM body %s", reqs[1].body)
	}
	// A webhook author's handle "id:<user id>" needs no lookup.
	if _, err := s.Send(context.Background(), handoffDM("id:1390000000000000042")); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 3 {
		t.Fatalf("%d requests, want one more (the DM, no lookup)", n)
	}
}

func TestSendDMRefusalsAreClearAndPermanent(t *testing.T) {
	for _, tc := range []struct {
		name, handle string
		answer       func(w http.ResponseWriter, r *http.Request)
		want         string
		calls        int
	}{
		{"user does not take DMs", "kohlmark", func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				writeJSON(w, 200, fixture(t, "user_by_username.json"))
				return
			}
			writeJSON(w, 403, fixture(t, "error_403_dm_not_permitted.json"))
		}, "do not accept direct messages from this account", 2},
		{"no such user", "ghost_member", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, fixture(t, "user_by_username_not_found.json"))
		}, "Could not find user with username: [ghost_member]", 1},
		{"not a username", "kohl/mark", func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("called X for a bad handle: %s", r.URL.Path)
		}, "not an X username", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, tc.answer)
			s, err := NewSender(testConfig(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Send(context.Background(), handoffDM(tc.handle))
			if err == nil || !connector.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Send: %v, want permanent %q", err, tc.want)
			}
			if n := len(srv.requests()); n != tc.calls {
				t.Fatalf("%d requests, want %d", n, tc.calls)
			}
		})
	}
	// A duplicate refusal on the DM endpoint stays ErrDuplicate.
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, fixture(t, "error_403_duplicate.json"))
	})
	s, _ := NewSender(testConfig(srv.URL))
	r := handoffDM("")
	r.Recipient = "1390000000000000042"
	if _, err := s.Send(context.Background(), r); !strings.Contains(err.Error(), "duplicate") || strings.Contains(err.Error(), "do not accept") {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestFindHandoffDMByHandle(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/2/users/by/username/kohlmark":
			writeJSON(w, 200, fixture(t, "user_by_username.json"))
		case "/2/dm_conversations/with/1390000000000000042/dm_events":
			writeJSON(w, 200, []byte(`{"data":[{"id":"1796912345678900777","text":"Kennst du das? Galaxy S24 ohne WLAN nach dem Patch.","event_type":"MessageCreate","sender_id":"`+brandID+`"}],"meta":{"result_count":1}}`))
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
	})
	s, _ := NewSender(testConfig(srv.URL))
	id, found, err := s.Find(context.Background(), handoffDM("kohlmark"))
	if err != nil || !found || id != "1796912345678900777" {
		t.Fatalf("Find = %q %v %v", id, found, err)
	}
	other := handoffDM("kohlmark")
	other.Text = "something else"
	if _, found, err := s.Find(context.Background(), other); err != nil || found {
		t.Fatalf("another text found: %v %v", found, err)
	}
}
