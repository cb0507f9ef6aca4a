// Package twitter connects Switchboard to X (Twitter): it polls the brand's
// mentions (API v2), takes Account Activity webhooks (tweets, deletions and
// direct messages), and posts agents' replies as tweets or DMs.
//
// Threading. A public case is one conversation: ThreadRef is
// "tw-conv-<conversation_id>". The v2 mentions timeline names the
// conversation; Account Activity delivers v1.1 tweet objects, which do not,
// so a webhook tweet takes the root it can know: the conversation of the
// tweet it replies to if this process (Threads) or the sink (ThreadFinder)
// has seen that tweet, else the replied-to tweet's id, else its own id (a
// tweet that replies to nothing starts a conversation, and X gives it its
// own id as conversation_id). A private case is one DM partner:
// ThreadRef is "tw-dm-<customer's user id>".
//
// The brand's own posts. Replies to other users' tweets and DMs that the
// brand account wrote on X (natively or through another tool) are passed
// on with Direction out, so the case shows them and counts the first
// response; its original tweets, replies to itself (threads) and all
// retweets are not customer care and are dropped. Posts this
// process's Sender has just delivered are dropped too, because the hub
// records them through the delivery job.
//
// Delivery. X has no idempotency key for POST /2/tweets: the hub records
// its intent before Send and reconciles after a crash; Sender.Find looks
// for a reply that did get posted, so a reconciled job is not posted twice.
package twitter
