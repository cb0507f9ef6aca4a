package ui_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	bolt "go.etcd.io/bbolt"

	"switchboard/app"
	"switchboard/ui"
)

// The composer's two drafts of a case, typed in both modes, are in the
// cache as the agent types: after the console goes away (closed without
// leaving the case, as in a crash) and starts again, the reply and the
// note both come back, in the mode that was shown, the reply still
// private. Before, the cache kept one text: the reply was lost. A draft
// an older console wrote (one text) comes back in its mode.
func TestBothDraftsComeBackAfterARestart(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	core := draftCache(t, dir)
	c, _ := openWindow(t, core)
	comp := c.Actions().Composer()
	c.Locked(func() { c.Select("c1") })
	eventually(t, c, "c1", func() bool { return c.Actions().Visible() && comp.PrivacyCheck().Visible() })
	c.Locked(func() {
		test.Type(c.Actions().ReplyEntry(), "Hi Kim, your bag is in Frankfurt")
		comp.PrivacyCheck().SetChecked(true)
		comp.SetMode(ui.ModeNote)
		test.Type(c.Actions().ReplyEntry(), "Kim called twice")
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, ok := core.Draft("c1")
		if ok && d.Reply == "Hi Kim, your bag is in Frankfurt" && d.Note == "Kim called twice" && d.NoteShown && d.Private {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache holds %+v %v, not both drafts", d, ok)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.Wait()
	core.Close()

	// c2's draft as the console before this one wrote it: one text, a note.
	db, err := bolt.Open(filepath.Join(dir, "console.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := json.Marshal(map[string]any{"case_id": "c2", "text": "Tom wants an aisle seat", "note": true, "at": time.Now().UTC()})
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("drafts")).Put([]byte("c2"), old) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	core2, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer core2.Close()
	c2, _ := openWindow(t, core2)
	comp2 := c2.Actions().Composer()
	c2.Locked(func() { c2.Select("c1") })
	eventually(t, c2, "c1's drafts after a restart", func() bool {
		return c2.Actions().Info() == "Draft restored" && c2.Actions().ReplyEntry().Text != ""
	})
	c2.Locked(func() {
		if comp2.Mode() != ui.ModeNote || c2.Actions().ReplyEntry().Text != "Kim called twice" {
			t.Errorf("note shown %v, box %q: want the note, shown", comp2.Mode() == ui.ModeNote, c2.Actions().ReplyEntry().Text)
		}
		comp2.SetMode(ui.ModeReply)
		if got := c2.Actions().ReplyEntry().Text; got != "Hi Kim, your bag is in Frankfurt" {
			t.Errorf("reply box %q after a restart", got)
		}
		if !comp2.PrivacyCheck().Checked {
			t.Error("the reply is no longer private")
		}
	})
	c2.Locked(func() { c2.Select("c2") })
	eventually(t, c2, "c2's old draft", func() bool {
		return c2.Actions().ReplyEntry().Text == "Tom wants an aisle seat"
	})
	c2.Locked(func() {
		if comp2.Mode() != ui.ModeNote || c2.Actions().ReplyEntry().Text != "Tom wants an aisle seat" {
			t.Errorf("old draft: note shown %v, box %q", comp2.Mode() == ui.ModeNote, c2.Actions().ReplyEntry().Text)
		}
		comp2.SetMode(ui.ModeReply)
		if got := c2.Actions().ReplyEntry().Text; got != "" {
			t.Errorf("old note draft came back as a reply too: %q", got)
		}
	})
	// Back on c1 in the same session: as left (the reply shown now).
	c2.Locked(func() { c2.Select("c1") })
	eventually(t, c2, "c1 again", func() bool { return strings.Contains(c2.Actions().ReplyEntry().Text, "Kim") })
	c2.Locked(func() {
		if comp2.Mode() != ui.ModeReply || c2.Actions().ReplyEntry().Text != "Hi Kim, your bag is in Frankfurt" {
			t.Errorf("c1 again: reply shown %v, box %q", comp2.Mode() == ui.ModeReply, c2.Actions().ReplyEntry().Text)
		}
	})
}

// Sending one mode's text takes it out of the case's draft; the other
// mode's text stays in the cache.
func TestSendingANoteKeepsTheReplyDraft(t *testing.T) {
	test.NewTempApp(t)
	core := draftCache(t, t.TempDir())
	core.SetUndoWindow(0)
	c, _ := openWindow(t, core)
	comp := c.Actions().Composer()
	c.Locked(func() { c.Select("c1") })
	eventually(t, c, "c1", func() bool { return c.Actions().Visible() })
	c.Locked(func() {
		test.Type(c.Actions().ReplyEntry(), "Hi Kim, one moment")
		comp.SetMode(ui.ModeNote)
		test.Type(c.Actions().ReplyEntry(), "asked the airport")
		comp.Send()
	})
	eventually(t, c, "the note queued", func() bool { return c.Actions().Info() == "Note queued" })
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, ok := core.Draft("c1")
		if ok && d.Reply == "Hi Kim, one moment" && d.Note == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the note went the cache holds %+v %v", d, ok)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.Locked(func() {
		if got := c.Actions().ReplyEntry().Text; got != "" {
			t.Errorf("the note box holds %q after sending", got)
		}
		comp.SetMode(ui.ModeReply)
		if got := c.Actions().ReplyEntry().Text; got != "Hi Kim, one moment" {
			t.Errorf("reply box %q", got)
		}
	})
}

// The console process of TestBothDraftsComeBackAfterAKill: it types in both
// modes, says so once the cache holds both, and waits to be killed.
const draftKillEnv = "SWITCHBOARD_UI_DRAFT_CHILD"

func TestDraftKillChild(t *testing.T) {
	dir := os.Getenv(draftKillEnv)
	if dir == "" {
		t.Skip("the console process of TestBothDraftsComeBackAfterAKill")
	}
	test.NewTempApp(t)
	core := draftCache(t, dir)
	c, _ := openWindow(t, core)
	comp := c.Actions().Composer()
	c.Locked(func() { c.Select("c1") })
	eventually(t, c, "c1", func() bool { return c.Actions().Visible() })
	c.Locked(func() {
		test.Type(c.Actions().ReplyEntry(), "Hi Kim, found it")
		comp.SetMode(ui.ModeNote)
		test.Type(c.Actions().ReplyEntry(), "bag was in Munich")
	})
	deadline := time.Now().Add(time.Minute)
	for {
		if d, ok := core.Draft("c1"); ok && d.Reply == "Hi Kim, found it" && d.Note == "bag was in Munich" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("both drafts never reached the cache")
		}
		time.Sleep(20 * time.Millisecond)
	}
	os.Stdout.WriteString("saved\n")
	time.Sleep(time.Minute) // killed long before
	t.Fatal("not killed")
}

// The console killed (SIGKILL) while the agent is in a case with a reply
// and a note typed: opened again, both come back.
func TestBothDraftsComeBackAfterAKill(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDraftKillChild$", "-test.count=1", "-test.timeout=3m")
	cmd.Env = append(os.Environ(), draftKillEnv+"="+dir)
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
			t.Fatal("the console process ended without saving")
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the console process did not save within two minutes")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	test.NewTempApp(t)
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	c, _ := openWindow(t, core)
	comp := c.Actions().Composer()
	c.Locked(func() { c.Select("c1") })
	eventually(t, c, "the drafts after a kill", func() bool { return c.Actions().Info() == "Draft restored" })
	c.Locked(func() {
		if comp.Mode() != ui.ModeNote || c.Actions().ReplyEntry().Text != "bag was in Munich" {
			t.Errorf("note shown %v, box %q", comp.Mode() == ui.ModeNote, c.Actions().ReplyEntry().Text)
		}
		comp.SetMode(ui.ModeReply)
		if got := c.Actions().ReplyEntry().Text; got != "Hi Kim, found it" {
			t.Errorf("reply box %q after a kill", got)
		}
	})
}
