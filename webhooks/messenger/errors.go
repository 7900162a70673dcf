package messenger

import (
	"fmt"

	"botdvc/bot"
	"botdvc/webhooks"
)

// Errors of package messenger. Those that retrying cannot fix wrap
// bot.ErrUndeliverable, so errors.Is(err, bot.ErrUndeliverable) holds too.
var (
	// ErrNeedsReauth means the Page token was rejected (Graph error 190):
	// the channel stops sending until it is re-authorised and restarted.
	ErrNeedsReauth = fmt.Errorf("messenger: page token needs re-authorisation: %w", bot.ErrUndeliverable)
	// ErrWindowClosed means the reply window is closed: more than 24 hours
	// since the citizen wrote for the bot, more than 7 days for staff, or
	// the Graph API said so (error 10 / subcode 2018278).
	ErrWindowClosed = fmt.Errorf("messenger: reply window closed: %w", bot.ErrUndeliverable)
	// ErrRejected means the Graph API refused the message for a reason that
	// retrying cannot fix (invalid parameter, user unavailable, permission).
	ErrRejected = fmt.Errorf("messenger: message rejected: %w", bot.ErrUndeliverable)
	// ErrMalformed means a webhook body is not the JSON Meta sends.
	ErrMalformed = webhooks.ErrMalformed
)
