package facebook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Several pages: each page's verify token passes the handshake, the
// shared one too; brands default to page names; a page of another app
// is parsed only under that app's signature.
func TestWebhookServesSeveralPages(t *testing.T) {
	cfg := webhookConfig() // page testPageID, testAppSecret, testVerifyToken
	cfg.Pages = []Page{
		{PageID: "2002", PageName: "Alpenblick Wien", VerifyToken: "wien-verify"},
		{PageID: "3003", PageName: "SkyWings", AppSecret: "sky-secret", Brand: "sky"},
	}
	pages, err := cfg.PageConfigs()
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 || pages[0].Brand != testPageName || pages[1].Brand != "Alpenblick Wien" || pages[2].Brand != "sky" ||
		pages[1].AppSecret != testAppSecret || pages[2].AppSecret != "sky-secret" || pages[2].VerifyToken != testVerifyToken {
		t.Fatalf("pages %+v", pages)
	}
	sink := &fakeSink{}
	w, err := NewWebhook(cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]int{testVerifyToken: 200, "wien-verify": 200, "": 403, "nope": 403} {
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path+"?hub.mode=subscribe&hub.challenge=c1&hub.verify_token="+token, nil))
		if rec.Code != want {
			t.Errorf("handshake with %q: %d, want %d", token, rec.Code, want)
		}
	}
	body := `{"object": "page", "entry": [
	 {"id": "2002", "time": 1458692752478, "messaging": [{"sender": {"id": "61"}, "recipient": {"id": "2002"}, "timestamp": 1458692752478,
	   "message": {"mid": "m.wien", "text": "Zimmer frei?"}}]},
	 {"id": "3003", "time": 1458692752478, "messaging": [{"sender": {"id": "62"}, "recipient": {"id": "3003"}, "timestamp": 1458692752478,
	   "message": {"mid": "m.sky", "text": "forged under the hotel app"}}]}]}`
	post := func(body, secret string) int {
		req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(body))
		req.Header.Set(signatureHeader, Signature([]byte(body), secret))
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post(body, testAppSecret); code != 200 {
		t.Fatalf("POST: %d", code)
	}
	got := sink.got()
	if len(got) != 1 || got[0].PlatformID != "m.wien" || got[0].Brand != "Alpenblick Wien" || got[0].Source != "Messenger · Alpenblick Wien" {
		t.Fatalf("items %+v", got)
	}
	if code := post(body, "sky-secret"); code != 200 {
		t.Fatalf("POST under the other app: %d", code)
	}
	if got := sink.got(); len(got) != 2 || got[1].PlatformID != "m.sky" || got[1].Brand != "sky" {
		t.Fatalf("items %+v", got)
	}
	if code := post(body, "wrong"); code != 403 {
		t.Fatalf("a wrong signature: %d", code)
	}
}
