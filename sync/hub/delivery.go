package hub

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"switchboard/connector"
	"switchboard/model"
)

// JobState is where a reply's delivery to its platform stands.
type JobState string

const (
	JobPending JobState = "pending" // waiting for (another) attempt
	// JobSending is recorded before the platform is called: a job found in
	// this state after a restart may or may not have been posted.
	JobSending JobState = "sending"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
	JobManual  JobState = "manual" // no reply API: the agent posts by hand
)

// Job is one reply to deliver, recorded in the transaction that applied
// the reply op.
type Job struct {
	ID         string // the op id, also the message id
	CaseID     string
	Reply      connector.Reply
	State      JobState
	Attempts   int
	NextAt     time.Time
	LastError  string
	PlatformID string
}

// MaxAttempts is how often a transient failure is retried.
const MaxAttempts = 8

// Reconciler is implemented by senders that can tell whether a reply was
// posted after all (the hub stopped between sending and recording).
type Reconciler interface {
	Find(ctx context.Context, r connector.Reply) (platformID string, found bool, err error)
}

// replyJob builds the delivery job of a reply message on case c, replying
// to the customer's newest message (or privately to the author). An error
// reading the thread is the caller's: a job built without it would have
// no message to reply to and fail for good ("no tweet to reply to"), as
// TestJSProcFailover saw when a hub read the thread while the cluster
// elected a leader.
func (h *Hub) replyJob(c model.Case, msg model.Message) (Job, error) {
	r := connector.Reply{Key: msg.ID, CaseID: c.ID, Channel: c.Channel, ThreadRef: c.ThreadRef, Text: msg.Text, Brand: c.Brand}
	thread, err := h.log.Thread(c.ID)
	if err != nil {
		return Job{}, fmt.Errorf("hub: the thread of reply %s: %w", msg.ID, err)
	}
	for i := len(thread) - 1; i >= 0; i-- {
		m := thread[i]
		if m.Direction == model.DirectionIn && m.PlatformID != "" && !m.Deleted {
			r.InReplyTo, r.Private = m.PlatformID, m.Private
			if m.Private {
				r.Recipient = m.Author.PlatformID
			}
			break
		}
	}
	if msg.Private && !r.Private { // the agent chose a private reply
		r.Private, r.Recipient = true, c.Author.PlatformID
	}
	return Job{ID: msg.ID, CaseID: c.ID, Reply: r, State: JobPending}, nil
}

// RunDelivery sends queued replies through the senders until ctx ends.
// Jobs left in JobSending by a crash are reconciled first: found on the
// platform, they count as sent; not found, they are sent; with no way to
// know, they fail with a note, so a reply is never posted twice.
func (h *Hub) RunDelivery(ctx context.Context, senders map[model.Channel]connector.Sender) {
	h.reconcile(ctx, senders)
	wake, unsubscribe := h.subscribe()
	defer unsubscribe()
	tick := time.NewTicker(min(time.Second, h.cfg.RetryBase))
	defer tick.Stop()
	for {
		jobs, err := h.log.Jobs(JobPending)
		if err != nil {
			h.cfg.Logger.Error("delivery: list jobs", "err", err)
		}
		for _, j := range jobs {
			if ctx.Err() != nil {
				return
			}
			if j.NextAt.After(h.cfg.Now()) {
				continue
			}
			h.deliver(ctx, j, senders[j.Reply.Channel])
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
	}
}

func (h *Hub) reconcile(ctx context.Context, senders map[model.Channel]connector.Sender) {
	jobs, err := h.log.Jobs(JobSending)
	if err != nil {
		h.cfg.Logger.Error("delivery: list interrupted jobs", "err", err)
		return
	}
	for _, j := range jobs {
		rec, ok := senders[j.Reply.Channel].(Reconciler)
		if !ok {
			h.finish(j, JobFailed, "", "the hub stopped while sending; it is not known whether the reply was posted: check the thread before retrying")
			continue
		}
		id, found, err := rec.Find(ctx, j.Reply)
		switch {
		case err != nil:
			h.finish(j, JobFailed, "", "the hub stopped while sending and could not check the platform: "+err.Error())
		case found:
			h.finish(j, JobDone, id, "")
		default:
			j.State = JobPending
			if _, err := h.log.PutJob(j); err != nil {
				h.cfg.Logger.Error("delivery: requeue", "job", j.ID, "err", err)
			}
		}
	}
}

func (h *Hub) deliver(ctx context.Context, j Job, s connector.Sender) {
	if s == nil {
		h.finish(j, JobFailed, "", fmt.Sprintf("no %s connector is configured on the hub", j.Reply.Channel))
		return
	}
	// Intent first: a crash from here on leaves the job in JobSending.
	j.State, j.Attempts = JobSending, j.Attempts+1
	if _, err := h.log.PutJob(j); err != nil {
		h.cfg.Logger.Error("delivery: record intent", "job", j.ID, "err", err)
		return
	}
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	id, err := s.Send(sendCtx, j.Reply)
	cancel()
	switch {
	case err == nil:
		h.finish(j, JobDone, id, "")
	case errors.Is(err, connector.ErrManual):
		how := "post it in the thread"
		if j.Reply.Brand != "" { // the case's brand (a forum feed's, issue 14): the account to post as
			how += " as " + j.Reply.Brand
		}
		h.finish(j, JobManual, "", "This forum has no reply API: copy the reply, "+how+", then mark it posted.")
	case ctx.Err() != nil:
		// The hub is stopping: the platform may have taken it. Left in
		// JobSending, it is reconciled at the next start, not sent again.
		h.cfg.Logger.Warn("delivery: stopped while sending; reconciled at the next start", "job", j.ID, "err", err)
	case connector.IsPermanent(err) || j.Attempts >= MaxAttempts:
		h.finish(j, JobFailed, "", err.Error())
	default:
		// Exponential backoff with jitter: 2, 4, 8 … RetryBase, at most 5 min.
		wait := min(time.Duration(1<<j.Attempts)*h.cfg.RetryBase, 5*time.Minute)
		j.State, j.LastError = JobPending, err.Error()
		j.NextAt = h.cfg.Now().Add(wait/2 + rand.N(wait/2+1))
		if _, err := h.log.PutJob(j); err != nil {
			h.cfg.Logger.Error("delivery: requeue", "job", j.ID, "err", err)
		}
		h.metrics.deliveryDone(j.Reply.Channel, "retry")
		h.cfg.Logger.Warn("delivery: will retry", "job", j.ID, "attempt", j.Attempts, "err", j.LastError)
	}
}

// finish records a job's outcome and the reply message's new delivery
// state in one step.
func (h *Hub) finish(j Job, state JobState, platformID, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if j.Reply.Proactive { // a hand-off's private message (experts.go)
		h.finishHandoffLocked(j, state, platformID, reason)
		return
	}
	j.State, j.PlatformID, j.LastError = state, platformID, reason
	h.metrics.deliveryDone(j.Reply.Channel, deliveryOutcome(state))
	msg, err := h.message(j.CaseID, j.ID)
	if err != nil {
		h.cfg.Logger.Error("delivery: find reply", "job", j.ID, "err", err)
		return
	}
	switch state {
	case JobDone:
		msg.Delivery, msg.PlatformID, msg.DeliveryError = model.DeliverySent, platformID, ""
	case JobManual:
		msg.Delivery, msg.DeliveryError = model.DeliveryManual, reason
	default:
		msg.Delivery, msg.DeliveryError = model.DeliveryFailed, reason
	}
	stored, err := h.log.PutJob(j, model.Event{Type: model.EventMessageUpdated, Time: h.cfg.Now().UTC(), Message: &msg})
	if err != nil {
		h.cfg.Logger.Error("delivery: record outcome", "job", j.ID, "err", err)
		return
	}
	for _, ev := range stored {
		h.fold(ev)
	}
	h.wake()
	h.cfg.Logger.Info("delivery", "job", j.ID, "state", state, "platform_id", platformID, "reason", reason)
}

// message finds a message of a case by id, with its Seq.
func (h *Hub) message(caseID, id string) (model.Message, error) {
	thread, err := h.log.Thread(caseID)
	if err != nil {
		return model.Message{}, err
	}
	for _, m := range thread {
		if m.ID == id {
			return m, nil
		}
	}
	return model.Message{}, fmt.Errorf("no message %s in case %s", id, caseID)
}
