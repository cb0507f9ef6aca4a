package generic

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzGeneric feeds arbitrary bodies through decoding and validation: it
// must never panic, refuse with a 4xx, and every item it accepts must pass
// the hub's validation.
func FuzzGeneric(f *testing.F) {
	f.Add([]byte(review))
	f.Add([]byte(`[{"source":"s","thread_ref":"t","id":"1","author":{"handle":"h"},"text":"x"},null,5]`))
	const maxItems, maxText = 20, 1024
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, rerr := decode(body, testNow, maxItems, maxText, nil)
		if rerr != nil {
			if ins != nil || rerr.status < 400 || rerr.status > 499 || rerr.body.Error == "" {
				t.Fatalf("refusal %+v with %d items", rerr, len(ins))
			}
			if rerr.body.Index != nil && (len(rerr.body.Problems) == 0 || rerr.body.Problems[0].Index != *rerr.body.Index) {
				t.Fatalf("index %d without matching problem: %+v", *rerr.body.Index, rerr.body)
			}
			return
		}
		if len(ins) > maxItems {
			t.Fatalf("%d items over the limit", len(ins))
		}
		for _, in := range ins {
			switch {
			case !in.Channel.Valid():
				t.Fatalf("channel %q", in.Channel)
			case strings.TrimSpace(in.ThreadRef) == "", strings.TrimSpace(in.PlatformID) == "":
				t.Fatalf("refs %q %q", in.ThreadRef, in.PlatformID)
			case strings.TrimSpace(in.Author.Handle) == "":
				t.Fatalf("author %+v", in.Author)
			case strings.TrimSpace(in.Text) == "" || len(in.Text) > maxText || !utf8.ValidString(in.Text):
				t.Fatalf("text %q", in.Text)
			case in.Time.After(testNow.Add(maxSkew)):
				t.Fatalf("time %v", in.Time)
			}
		}
	})
}
