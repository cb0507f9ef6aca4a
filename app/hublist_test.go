package app

import "testing"

// A console given several hubs (docs/scale.md) asks the first for what it
// reads over HTTP.
func TestHTTPBaseOfAHubList(t *testing.T) {
	got, err := httpBase("wss://hub-1.example:8750, ws://hub-2.example:8750")
	if err != nil || got != "https://hub-1.example:8750" {
		t.Fatalf("httpBase = %q, %v", got, err)
	}
}
