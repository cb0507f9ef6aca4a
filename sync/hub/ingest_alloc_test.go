package hub

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"switchboard/model"
)

// identHash must hash the key Identity.Key makes, for every kind of
// handle: byAuthor is keyed by authorHash(key) at the start and by
// identHash afterwards.
func TestIdentHashIsTheKeysHash(t *testing.T) {
	for _, id := range []model.Identity{
		{Platform: model.ChannelTwitter, Handle: "anna"},
		{Platform: model.ChannelTwitter, Handle: "@Anna"},
		{Platform: model.ChannelTwitter, Handle: "  @anna.b  "},
		{Platform: model.ChannelTwitter, Handle: "ÄRGER_Ülrich"},
		{Platform: model.ChannelTwitter, Handle: "K"},
		{Platform: "", Handle: ""},
		{Platform: model.ChannelTwitter, Handle: "@@x"},
	} {
		if got, want := identHash(id), authorHash(id.Key()); got != want {
			t.Errorf("identHash(%+v) = %x, authorHash(%q) = %x", id, got, id.Key(), want)
		}
		other := id
		other.Handle = " " + id.Handle + " " // the same key
		if !sameIdentity(id, id.Key(), other) || !sameIdentity(id, id.Key(), id) {
			t.Errorf("sameIdentity(%+v, %+v) is false", id, other)
		}
		other.Handle = id.Handle + "z"
		if sameIdentity(id, id.Key(), other) {
			t.Errorf("sameIdentity(%+v, %+v) is true", id, other)
		}
	}
}

// A follow-up folds its case's record under h.mu with no allocation: the
// thread is known (its key was made and written again a message before),
// the author's hash needs no key.
func TestFoldOfAFollowUpAllocatesNothing(t *testing.T) {
	h, _ := openTestHub(t, t.TempDir())
	c := &model.Case{ID: "c1", Channel: model.ChannelTwitter, ThreadRef: "t1", Version: 1,
		Author: model.Identity{Platform: model.ChannelTwitter, Handle: "anna"}}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.foldRec(c.ID, h.recOf(c), c.ThreadRef)
	if allocs := testing.AllocsPerRun(100, func() {
		c.Version++
		h.foldRec(c.ID, h.recOf(c), c.ThreadRef)
	}); allocs != 0 {
		t.Fatalf("a follow-up's fold: %v allocations, want 0", allocs)
	}
	if h.threads[threadKey(model.ChannelTwitter, "t1")] != "c1" || h.cases["c1"].version != c.Version ||
		len(h.byAuthor[authorHash(c.Author.Key())]) != 1 {
		t.Fatalf("fold: threads %v, cases %v, byAuthor %v", h.threads, h.cases, h.byAuthor)
	}
}

// The state writes of a message and its case are made as before
// (encodeCaseRec with the key made, caseBlob of statePtr), in fewer
// allocations.
func TestCaseRecordsMadeInPartsAreTheSame(t *testing.T) {
	for _, c := range []model.Case{
		{ID: "c1", Version: 7, Status: model.StatusOpen, Channel: model.ChannelTwitter, ThreadRef: "t-1",
			Author: model.Identity{Platform: model.ChannelTwitter, Handle: "  @Änna "}, CustomerID: "cu", Assignee: "a", MergedInto: "m"},
		{ID: "c2", Version: 1, Author: model.Identity{Platform: model.ChannelForum, Handle: "bob"}},
		{},
	} {
		want := caseRec7(&c)
		if got := encodeCaseRec(&c); string(got) != string(want) {
			t.Errorf("encodeCaseRec(%s) = %q, want %q", c.ID, got, want)
		}
		if got, want := casePtrBlob(9, 40, 300, &c), caseBlob(statePtr(9, 40, 300), want); string(got) != string(want) || cap(got) != len(got) {
			t.Errorf("casePtrBlob(%s) = %q (cap %d), want %q", c.ID, got, cap(got), want)
		}
	}
	m := model.Message{CaseID: "c1", PlatformID: "p-9", Author: model.Identity{Platform: model.ChannelFacebook}}
	if got := seenKeyBytes(&m); string(got) != seenKey(m) {
		t.Errorf("seenKeyBytes = %q, want %q", got, seenKey(m))
	}
	c := model.Case{ID: "c1", Version: 7, Status: model.StatusOpen, Channel: model.ChannelTwitter, ThreadRef: "t-1",
		Author: model.Identity{Platform: model.ChannelTwitter, Handle: "anna"}}
	if allocs := testing.AllocsPerRun(100, func() { casePtrBlob(9, 40, 300, &c) }); allocs != 1 {
		t.Errorf("casePtrBlob: %v allocations, want 1", allocs)
	}
}

// caseRec7 is the case index record as schema 6 defines it, made the
// plain way: the seven fields with the author's key as Key makes it.
func caseRec7(c *model.Case) []byte {
	b := binary.AppendVarint(nil, c.Version)
	for _, f := range []string{string(c.Status), string(c.Channel), c.ThreadRef, c.Author.Key(), c.CustomerID, c.Assignee, c.MergedInto} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// Decoding a case (what an ingest's caller reads of its thread's case)
// allocates its strings only, not a string of every member's key.
func TestCaseDecodeMakesNoKeys(t *testing.T) {
	if !fastCodec {
		t.Fatal("the hand decoder is off: model.Case's fields changed (codec.go)")
	}
	c := model.Case{ID: "c1", Version: 7, Status: model.StatusOpen, Channel: model.ChannelTwitter, ThreadRef: "t-1",
		Subject: "hello", Author: model.Identity{Platform: model.ChannelTwitter, Handle: "anna", Followers: 10},
		Priority: model.PriorityNormal, MessageCount: 3}
	raw, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	var got model.Case
	allocs := testing.AllocsPerRun(100, func() {
		got = model.Case{}
		if err := unmarshalCase(raw, &got); err != nil {
			t.Fatal(err)
		}
	})
	if got.ID != c.ID || got.Author.Handle != "anna" || got.Version != 7 || got.MessageCount != 3 {
		t.Fatalf("decoded %+v", got)
	}
	// ID, status, channel, thread, subject, platform, handle, priority
	// are at most a string each; the keys were 20 more.
	if allocs > 10 {
		t.Fatalf("unmarshalCase: %v allocations, want at most 10 (its strings)", allocs)
	}
	t.Logf("unmarshalCase: %v allocations", allocs)
}
