package model

import (
	"testing"
	"time"
)

func TestAskExpertHandsOverAndNotesTheAnswer(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	forum := Case{ID: "c1", Channel: ChannelForum, Public: true, Status: StatusNew, Author: Identity{Platform: ChannelForum, Handle: "anna@f.example"}}
	op := Op{ID: "op1", Kind: OpAskExpert, CaseID: "c1", Expert: "forum:KohlMark@f.example", Text: "@kohlmark, kennst du das?"}
	c, msg, rej := ApplyOp(forum, op, Actor{Name: "arno"}, now)
	if rej != nil {
		t.Fatal(rej)
	}
	if !c.Handoff.Waiting() || c.Handoff.Expert != "forum:kohlmark@f.example" || c.Handoff.Via != "thread" || c.Assignee != "arno" || c.Status != StatusOpen {
		t.Fatalf("case %+v %+v", c, c.Handoff)
	}
	if msg.Direction != DirectionOut || !msg.Public || msg.Delivery != DeliveryQueued || !c.FirstResponse.IsZero() {
		t.Fatalf("the mention %+v (first response %v: a mention of the expert is not the answer)", msg, c.FirstResponse)
	}
	if forum.Handoff != nil {
		t.Fatal("ApplyOp changed its input")
	}
	// Not an answer: the customer, another member, a post before the hand-off.
	for _, m := range []Message{
		{ID: "m1", Direction: DirectionIn, Author: forum.Author, Time: now.Add(time.Hour)},
		{ID: "m2", Direction: DirectionIn, Author: Identity{Platform: ChannelForum, Handle: "other@f.example"}, Time: now.Add(time.Hour)},
		{ID: "m3", Direction: DirectionIn, Author: Identity{Platform: ChannelForum, Handle: "kohlmark@f.example"}, Time: now.Add(-time.Hour)},
	} {
		if c.NoteCommunityAnswer(m) {
			t.Fatalf("%s taken as the answer", m.ID)
		}
	}
	// A feed's whole-second stamp in the hand-off's own second counts.
	early, hh := c, *c.Handoff
	hh.At = now.Add(400 * time.Millisecond)
	early.Handoff = &hh
	if !early.NoteCommunityAnswer(Message{ID: "m5", Direction: DirectionIn, Author: Identity{Platform: ChannelForum, Handle: "kohlmark@f.example"}, Time: now}) {
		t.Fatal("an answer stamped in the hand-off's second was not taken")
	}
	if !c.NoteCommunityAnswer(Message{ID: "m4", Direction: DirectionIn, Author: Identity{Platform: ChannelForum, Handle: "KohlMark@f.example"}, Time: now.Add(2 * time.Hour)}) ||
		c.Handoff.Waiting() || c.Handoff.AnswerID != "m4" {
		t.Fatalf("the expert's answer: %+v", c.Handoff)
	}
	// On X there is no thread to mention the expert in: a note says where
	// to send it.
	x := Case{ID: "c2", Channel: ChannelTwitter, Status: StatusOpen}
	if _, _, rej := ApplyOp(x, Op{ID: "op2", Kind: OpAskExpert, CaseID: "c2", Expert: "forum:kohlmark@f.example", Text: "?"}, Actor{Name: "arno"}, now); rej == nil || rej.Code != RejectInvalid {
		t.Fatalf("thread hand-off on X: %v", rej)
	}
	c2, note, rej := ApplyOp(x, Op{ID: "op3", Kind: OpAskExpert, CaseID: "c2", Expert: "forum:kohlmark@f.example", Contact: "facebook:1234", Text: "Kennst du das?"}, Actor{Name: "arno"}, now)
	if rej != nil || note.Direction != DirectionNote || c2.Handoff.Via != "facebook:1234" {
		t.Fatalf("%v %+v %+v", rej, note, c2.Handoff)
	}
	for _, bad := range []Op{
		{ID: "b1", Kind: OpAskExpert, CaseID: "c1", Expert: "kohlmark", Text: "x"},
		{ID: "b2", Kind: OpAskExpert, CaseID: "c1", Expert: "forum:kohlmark", Text: " "},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v valid", bad)
		}
	}
}
