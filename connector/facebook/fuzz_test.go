package facebook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/model"
)

// FuzzWebhook posts signed bodies through the whole handler: it never
// panics, answers only 200 or 400, and whatever reaches the sink is an
// item the hub accepts.
func FuzzWebhook(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	sink := &fakeSink{}
	wh, err := NewWebhook(webhookConfig(), sink)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sink.mu.Lock()
		sink.items = sink.items[:0]
		sink.mu.Unlock()

		req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", Signature(body, testAppSecret))
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK:
		case rec.Code == http.StatusBadRequest:
		case rec.Code == http.StatusRequestEntityTooLarge && len(body) > MaxBody:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		for _, in := range sink.got() {
			checkInbound(t, in)
		}
	})
}

func checkInbound(t *testing.T, in model.Inbound) {
	t.Helper()
	switch {
	case in.Channel != model.ChannelFacebook:
		t.Fatalf("channel %q", in.Channel)
	case !strings.HasPrefix(in.ThreadRef, postThreadPrefix) && !strings.HasPrefix(in.ThreadRef, messengerThreadPrefix):
		t.Fatalf("thread ref %q", in.ThreadRef)
	case in.ThreadRef == postThreadPrefix || in.ThreadRef == messengerThreadPrefix:
		t.Fatalf("empty thread id in %q", in.ThreadRef)
	case in.PlatformID == "":
		t.Fatal("no platform id")
	case strings.TrimSpace(in.Author.Handle) == "":
		t.Fatalf("no author handle: %+v", in.Author)
	case in.Action != model.InboundDelete && strings.TrimSpace(in.Text) == "":
		t.Fatal("empty text")
	case !utf8.ValidString(in.Text):
		t.Fatal("text not UTF-8")
	case in.Direction != model.DirectionIn && in.Direction != model.DirectionOut:
		t.Fatalf("direction %q", in.Direction)
	case in.Private == in.Public:
		t.Fatalf("private %v public %v", in.Private, in.Public)
	case !in.Time.IsZero() && in.Time.Location() != time.UTC:
		t.Fatalf("time %v not UTC", in.Time)
	}
}
