package forum

import (
	"context"
	"fmt"

	"switchboard/connector"
)

// ErrManual is what ManualSender answers: the platform has no reply API,
// so the reply is posted by hand. The hub sets such a reply's delivery to
// manual (model.DeliveryManual) instead of failed; the console offers to
// copy the text and open the thread, and the agent marks it posted.
var ErrManual = connector.ErrManual

// ManualSender is the connector.Sender of forums. Send never sends: it
// returns a permanent error wrapping ErrManual (errors.Is(err, ErrManual)
// and connector.IsPermanent(err) both hold), so the hub neither retries
// nor reports a failure.
type ManualSender struct{}

var _ connector.Sender = ManualSender{}

// Send returns a permanent error wrapping ErrManual, naming the thread.
func (ManualSender) Send(_ context.Context, r connector.Reply) (string, error) {
	return "", connector.Permanent(fmt.Errorf("forum: %w (thread %s)", ErrManual, r.ThreadRef))
}
