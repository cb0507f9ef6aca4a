package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/store"
)

func TestSyncURLsList(t *testing.T) {
	got, err := syncURLs(" ws://a:8750, https://b.example/hub ,")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ws://a:8750/v1/sync", "wss://b.example/hub/v1/sync"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"", " , ", "ws://a,ftp://b"} {
		if _, err := syncURLs(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// A console given two hubs, the first dead, reaches the second.
func TestRunTriesTheHubsInTurn(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	var dialed atomic.Int32
	up := websocket.Upgrader{}
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dialed.Add(1)
		c, err := up.Upgrade(w, r, nil)
		if err == nil {
			c.Close()
		}
	}))
	defer live.Close()
	st, err := store.Open(t.TempDir() + "/console.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := &Client{HubURL: dead.URL + "," + live.URL, Cache: st, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for dialed.Load() < 2 {
		if ctx.Err() != nil {
			t.Fatal("the second hub of the list was not dialled (twice: the first stays dead)")
		}
		time.Sleep(time.Millisecond)
	}
}
