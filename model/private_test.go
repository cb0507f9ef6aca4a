package model

import (
	"testing"
	"time"
)

// A private reply is a direct message, not public; a forum has none.
func TestPrivateReply(t *testing.T) {
	c := Case{ID: "c", Channel: ChannelTwitter, Public: true, Status: StatusNew}
	_, msg, rej := ApplyOp(c, Op{ID: "o", Kind: OpReply, CaseID: "c", Text: "DM me", Private: true}, Actor{Name: "anna"}, time.Now())
	if rej != nil || msg == nil || msg.Public || !msg.Private {
		t.Fatalf("msg %+v rej %v", msg, rej)
	}
	c.Channel = ChannelForum
	if _, _, rej := ApplyOp(c, Op{ID: "o", Kind: OpReply, CaseID: "c", Text: "x", Private: true}, Actor{Name: "anna"}, time.Now()); rej == nil || rej.Code != RejectInvalid {
		t.Fatalf("forum private reply: %v", rej)
	}
}
