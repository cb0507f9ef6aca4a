package client

import (
	"errors"
	"strings"
)

// syncURLs turns HubURL, one hub's base URL or several comma-separated
// (hubs serving one team on a shared log, docs/scale.md), into their
// websocket endpoints, in the order given.
func syncURLs(hubURL string) ([]string, error) {
	var out []string
	for _, u := range strings.Split(hubURL, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		t, err := SyncURL(u)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, errors.New("no hub URL")
	}
	return out, nil
}
