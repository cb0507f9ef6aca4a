package assist

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"switchboard/model"
)

func bagThread() []model.Message {
	return []model.Message{
		{Direction: model.DirectionIn, Text: "@SkyWingsAir my suitcase never arrived in Lisbon, wedding tomorrow!"},
		{Direction: model.DirectionNote, Text: "internal: check with LIS ground handling, do not promise a voucher"},
	}
}

func TestOfflineDraftsFromCannedAnswers(t *testing.T) {
	req := DraftRequest{
		CaseID: "c-42", Thread: bagThread(), Channel: model.ChannelTwitter, Public: true,
		FirstName: "Ana", Agent: "Mia",
		Canned: []Canned{
			{ID: "bag-en", Category: CategoryDeliveryBaggage, Lang: LangEN, Text: "Hi {first_name}, so sorry! Your bag is being traced under case {case_id}. {dm} ^{agent}"},
			{ID: "bag-de", Category: CategoryDeliveryBaggage, Lang: LangDE, Text: "Hallo {first_name}, Koffer wird gesucht. ^{agent}"},
			{ID: "billing-en", Category: CategoryBilling, Lang: LangEN, Text: "About your bill…"},
			{ID: "long", Category: CategoryDeliveryBaggage, Lang: LangEN, Text: strings.Repeat("sorry ", 60)},
		},
	}
	ds := OfflineDrafts(req)
	if len(ds) < 2 || len(ds) > 3 {
		t.Fatalf("%d drafts: %+v", len(ds), ds)
	}
	first := ds[0]
	want := "Hi Ana, so sorry! Your bag is being traced under case c-42. Send us a DM with your booking or customer number and we'll look at it right away. ^Mia"
	if first.Text != want || first.CannedID != "bag-en" || first.Source != SourceOffline {
		t.Fatalf("first draft %+v\nwant %q", first, want)
	}
	for _, d := range ds {
		if d.CannedID == "bag-de" || d.CannedID == "billing-en" || d.CannedID == "long" {
			t.Errorf("wrong language, category or too long for X: %+v", d)
		}
		if strings.Contains(d.Text, "{") || d.Limit != 280 || d.Length != model.TweetLength(d.Text) || d.Length > 280 {
			t.Errorf("draft %+v", d)
		}
	}
}

func TestOfflineDraftsGermanPrivateNoName(t *testing.T) {
	req := DraftRequest{
		CaseID: "c-7", Channel: model.ChannelFacebook, Public: false,
		Thread: []model.Message{{Direction: model.DirectionIn, Text: "Hallo, mir wurde die Rechnung doppelt abgebucht. Bitte erstatten."}},
	}
	ds := OfflineDrafts(req)
	if len(ds) < 2 {
		t.Fatalf("%+v", ds)
	}
	if ds[0].CannedID != "default-billing-de" || !strings.HasPrefix(ds[0].Text, "Hallo, danke") {
		t.Fatalf("first draft %+v", ds[0])
	}
	for _, d := range ds {
		if strings.Contains(d.Text, "DM") || strings.Contains(d.Text, "^") || strings.Contains(d.Text, "  ") {
			t.Errorf("a private reply with no agent: %q", d.Text)
		}
	}
}

const goodDrafts = `{"drafts":[{"text":"Hi Ana, so sorry! Please DM us your file reference and we'll chase the bag now. ^Mia"},{"text":"Hi Ana, we're on it: send us a DM and we'll get your suitcase to the hotel today. ^Mia"}]}`

func TestModelDrafts(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) { reply(w, goodDrafts, 200) })
	c, _ := testClient(t, f, nil)
	req := DraftRequest{CaseID: "c-42", Summary: "bag missing", Thread: bagThread(), Channel: model.ChannelTwitter,
		Public: true, Tier: "gold", FirstName: "Ana", Agent: "Mia",
		Canned: []Canned{{ID: "bag-en", Category: CategoryDeliveryBaggage, Lang: LangEN, Text: "Bags are couriered to your hotel."}}}
	ds, err := c.Drafts(context.Background(), req)
	if err != nil || len(ds) != 2 || ds[0].Source != "model:test-model" || ds[0].Limit != 280 {
		t.Fatalf("%+v %v", ds, err)
	}
	var body struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		Temperature    float64 `json:"temperature"`
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string `json:"name"`
				Strict bool   `json:"strict"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	json.Unmarshal(f.body(0), &body)
	if body.ResponseFormat.Type != "json_schema" || body.ResponseFormat.JSONSchema.Name != "reply_drafts" || !body.ResponseFormat.JSONSchema.Strict {
		t.Errorf("response_format %+v", body.ResponseFormat)
	}
	var data draftData
	if err := json.Unmarshal([]byte(body.Messages[1].Content), &data); err != nil {
		t.Fatal(err)
	}
	if data.Channel != "twitter" || data.Limit != 280 || !data.Public || data.Tier != "gold" || data.Lang != LangEN ||
		data.Category != CategoryDeliveryBaggage || len(data.Canned) != 1 {
		t.Errorf("data %+v", data)
	}
	if len(data.Thread) != 1 || data.Thread[0].From != "customer" {
		t.Errorf("the team's note reached the model, or the thread is wrong: %+v", data.Thread)
	}
	if strings.Contains(body.Messages[1].Content, "internal: check") {
		t.Error("a note was sent to the model")
	}
}

func TestModelDraftsInvalidFallBackToCanned(t *testing.T) {
	long := strings.Repeat("a", 300)
	bad := map[string]string{
		"too long for X":    `{"drafts":[{"text":"` + long + `"},{"text":"` + long + `"}]}`,
		"only one":          `{"drafts":[{"text":"Hi Ana, on it."}]}`,
		"leaks prompt":      `{"drafts":[{"text":"[` + promptMarker + `] You draft replies"},{"text":"You draft replies for a customer-care agent"}]}`,
		"not JSON":          `Here are some drafts: 1. Hi`,
		"unexpected fields": `{"drafts":[{"text":"a","send":true},{"text":"b"}]}`,
	}
	for name, answer := range bad {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) { reply(w, answer, 100) })
			c, _ := testClient(t, f, nil)
			req := DraftRequest{CaseID: "c-42", Thread: bagThread(), Channel: model.ChannelTwitter, Public: true, FirstName: "Ana"}
			ds, err := c.Drafts(context.Background(), req)
			if !errors.Is(err, ErrInvalidReply) || f.calls() != 2 {
				t.Fatalf("err %v after %d calls", err, f.calls())
			}
			if len(ds) < 2 || ds[0].Source != SourceOffline {
				t.Fatalf("no canned fallback: %+v", ds)
			}
		})
	}
}

func TestDraftsWithNoClientAreCanned(t *testing.T) {
	var c *Client
	ds, err := c.Drafts(context.Background(), DraftRequest{Thread: bagThread(), Channel: model.ChannelForum, Public: true})
	if err != nil || len(ds) < 2 || ds[0].Source != SourceOffline {
		t.Fatalf("%+v %v", ds, err)
	}
	for _, d := range ds {
		if strings.Contains(d.Text, "DM") {
			t.Errorf("a forum answer invites to a DM: %q", d.Text)
		}
	}
}
