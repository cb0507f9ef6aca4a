package app_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/app"
	"switchboard/store"
)

// both is a draft in both of the composer's modes, the note shown, the
// reply private.
var both = store.Draft{CaseID: "c1", Reply: "Hi Kim, your bag is on its way", Note: "Kim called twice, be quick", NoteShown: true, Private: true}

func sameDraft(t *testing.T, what string, got store.Draft, ok bool, want store.Draft) {
	t.Helper()
	if !ok || got.CaseID != want.CaseID || got.Reply != want.Reply || got.Note != want.Note || got.NoteShown != want.NoteShown || got.Private != want.Private || got.At.IsZero() {
		t.Fatalf("%s: draft = %+v %v, want %+v", what, got, ok, want)
	}
}

// Both modes' texts, the mode shown and the reply's privacy are in the
// cache: all of it is there after the console is closed and opened again
// (the cache kept one text, so one mode's draft was lost).
func TestBothDraftsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	c := openConsole(t, dir)
	if err := c.SaveDraft(both); err != nil {
		t.Fatal(err)
	}
	reply := store.Draft{CaseID: "c2", Reply: "only a reply"}
	if err := c.SaveDraft(reply); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c = openConsole(t, dir)
	defer c.Close()
	d, ok := c.Draft("c1")
	sameDraft(t, "c1", d, ok, both)
	d, ok = c.Draft("c2")
	sameDraft(t, "c2", d, ok, reply)
	// The note sent: the reply alone is the draft now.
	if err := c.SaveDraft(store.Draft{CaseID: "c1", Reply: both.Reply, Private: true}); err != nil {
		t.Fatal(err)
	}
	d, ok = c.Draft("c1")
	sameDraft(t, "c1 after the note went", d, ok, store.Draft{CaseID: "c1", Reply: both.Reply, Private: true})
}

// oldDraft is a draft as the cache held it before both modes were kept:
// one text, a note when Note is set.
type oldDraft struct {
	CaseID  string    `json:"case_id"`
	Text    string    `json:"text"`
	Note    bool      `json:"note,omitempty"`
	Private bool      `json:"private,omitempty"`
	At      time.Time `json:"at"`
}

// A cache written by the console before both modes were kept still opens
// and its drafts come back as they were: a reply as the reply (private
// kept), a note as the note, shown. And what this console writes, an older
// console still reads as the draft shown.
func TestOldSingleTextDraftsStillComeBack(t *testing.T) {
	dir := t.TempDir()
	openConsole(t, dir).Close()
	at := time.Date(2026, 11, 30, 17, 4, 0, 0, time.UTC)
	db, err := bolt.Open(filepath.Join(dir, "console.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("drafts"))
		if err != nil {
			return err
		}
		for _, d := range []oldDraft{
			{CaseID: "r", Text: "Hi Kim, half a reply", Private: true, At: at},
			{CaseID: "n", Text: "customer is a VIP", Note: true, At: at},
		} {
			raw, _ := json.Marshal(d)
			if err := b.Put([]byte(d.CaseID), raw); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	c := openConsole(t, dir)
	d, ok := c.Draft("r")
	sameDraft(t, "old reply", d, ok, store.Draft{CaseID: "r", Reply: "Hi Kim, half a reply", Private: true})
	if !d.At.Equal(at) {
		t.Errorf("old reply's time %v", d.At)
	}
	d, ok = c.Draft("n")
	sameDraft(t, "old note", d, ok, store.Draft{CaseID: "n", Note: "customer is a VIP", NoteShown: true})

	// Written now, read as the older console reads it.
	if err := c.SaveDraft(both); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveDraft(store.Draft{CaseID: "c2", Reply: "the reply", Note: "a note not shown"}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	db, err = bolt.Open(filepath.Join(dir, "console.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := map[string]oldDraft{}
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("drafts")).ForEach(func(k, v []byte) error {
			var d oldDraft
			if err := json.Unmarshal(v, &d); err != nil {
				t.Errorf("%s: %v", k, err)
			}
			old[string(k)] = d
			return nil
		})
	})
	if d := old["c1"]; d.Text != both.Note || !d.Note {
		t.Errorf("an older console reads c1 as %+v: want the note shown", d)
	}
	if d := old["c2"]; d.Text != "the reply" || d.Note {
		t.Errorf("an older console reads c2 as %+v: want the reply shown", d)
	}
}

// The console process of TestBothDraftsSurviveAKill: it saves the draft,
// says so, and waits to be killed.
const draftChildEnv = "SWITCHBOARD_DRAFT_CHILD"

func TestDraftKillChild(t *testing.T) {
	dir := os.Getenv(draftChildEnv)
	if dir == "" {
		t.Skip("the console process of TestBothDraftsSurviveAKill")
	}
	c, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SaveDraft(both); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("saved\n")
	time.Sleep(time.Minute) // killed long before
	t.Fatal("not killed")
}

// A draft SaveDraft has returned from is on disk: the console killed with
// SIGKILL right after (no Close) leaves both modes' texts in the cache.
func TestBothDraftsSurviveAKill(t *testing.T) {
	dir := t.TempDir()
	openConsole(t, dir).Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDraftKillChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), draftChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	saved := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "saved" {
				saved <- true
				return
			}
		}
		saved <- false
	}()
	select {
	case ok := <-saved:
		if !ok {
			cmd.Wait()
			t.Fatal("the child ended without saving")
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("the child did not save within a minute")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	c := openConsole(t, dir)
	defer c.Close()
	d, ok := c.Draft("c1")
	sameDraft(t, "after a kill", d, ok, both)
}
