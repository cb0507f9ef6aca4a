package facebook

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// A listen-only page hands the hub its feed's posts and comments marked
// Listen, with the topics each names; a Messenger message to it is
// skipped, and a page of the same app that is not listen-only stays care.
func TestListenOnlyPage(t *testing.T) {
	cfg := webhookConfig()
	cfg.Listen = true
	cfg.Topics = []string{"Breakfast", "lift", "sauna"}
	cfg.Pages = []Page{{PageID: "9999999999999", PageName: "Alpenblick Lodge", Brand: "lodge"}}
	cfg.Brand = "alpenblick"
	sink := &fakeSink{}
	wh, err := NewWebhook(cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)
	body := fixture(t, "batch.json")
	resp := post(t, srv, body, Signature(body, testAppSecret))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d %s", resp.StatusCode, b)
	}
	var listened, care []string
	for _, in := range sink.got() {
		if in.Private {
			t.Errorf("a Messenger message of the listen-only page came through: %+v", in)
		}
		if in.Listen {
			listened = append(listened, in.PlatformID)
		} else {
			care = append(care, in.PlatformID)
			if in.Keywords != nil || in.Brand != "lodge" {
				t.Errorf("the care page's comment: %+v", in)
			}
		}
	}
	if len(listened) != 3 || len(care) != 1 {
		t.Fatalf("listened %v, care %v", listened, care)
	}
	got := sink.got()
	john := got[0]
	if !john.Listen || john.Brand != "alpenblick" || !slices.Equal(john.Keywords, []string{"breakfast"}) ||
		john.ThreadRef != "fb-post-1234567890321_1520383571601" || !john.Public {
		t.Errorf("John's comment: %+v", john)
	}
	for _, in := range got {
		if in.Text == "The lift on floor 3 has been broken since Monday." && !slices.Equal(in.Keywords, []string{"lift"}) {
			t.Errorf("the visitor post's keywords %v", in.Keywords)
		}
	}
}

func TestTopicsNeedAListenOnlyPage(t *testing.T) {
	cfg := webhookConfig()
	cfg.Topics = []string{"spa"}
	if _, err := NewWebhook(cfg, &fakeSink{}); err == nil {
		t.Fatal("topics on a care page accepted")
	}
	cfg.Listen, cfg.Topics = true, make([]string, 17)
	if _, err := NewWebhook(cfg, &fakeSink{}); err == nil {
		t.Fatal("17 topics accepted")
	}
}
