package model

import "time"

// ListenItem is a post from a listen-only source (a neutral community the
// brand follows without answering): it never opens a care case and never
// offers a reply. It feeds the listening view (topics per day, spikes)
// until an agent turns it into a care case (Adopted).
type ListenItem struct {
	// ID is the channel and the platform's id of the post ("forum|…").
	ID        string    `json:"id"`
	Channel   Channel   `json:"channel"`
	Source    string    `json:"source"`
	ThreadRef string    `json:"thread_ref"`
	Author    Identity  `json:"author"`
	Text      string    `json:"text"`
	Time      time.Time `json:"time"`
	URL       string    `json:"url,omitempty"`
	Lang      string    `json:"lang,omitempty"`
	// Brand is the brand whose page, account, search or forum feed heard
	// the post, or a generic item named (on a hub serving several): the
	// case of an adopted item is that brand's, and its reply goes out with
	// that brand's credentials (a forum's is posted by hand as that brand).
	Brand string `json:"brand,omitempty"`
	// Topics are the item's topics: its triage category and the listened
	// keywords it names.
	Topics []string `json:"topics,omitempty"`
	// Triage is the offline classifier's reading, made at ingest.
	Triage *CaseTriage `json:"triage,omitempty"`
	// Adopted is the care case the item became, with who and when.
	Adopted   string    `json:"adopted,omitempty"`
	AdoptedBy string    `json:"adopted_by,omitempty"`
	AdoptedAt time.Time `json:"adopted_at,omitzero"`
}

// EventListenItem carries a listened post (Event.Listen), new or adopted.
const EventListenItem EventType = "listen.item"
