package webhooks

import (
	"context"

	"botdvc/bot"
)

// Inbox accepts inbound messages durably. Channel adapters call Accept after
// verifying and parsing a webhook and answer the platform only after it
// returns.
//
// Accept returns nil once the message is stored (in JetStream) or was already
// stored under the same channel and message id (a redelivered webhook is a
// duplicate, not an error). It returns an error wrapping ErrRefused when the
// message was refused by policy (rate or size limit; the citizen is told
// politely), and any other error when it could not be stored: the adapter
// then answers 5xx so the platform retries.
type Inbox interface {
	Accept(ctx context.Context, m bot.Message) error
}
