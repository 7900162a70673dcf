package zalo

import (
	"errors"
	"fmt"

	"botdvc/bot"
	"botdvc/webhooks"
)

// Errors of package zalo. Those that retrying cannot fix wrap
// bot.ErrUndeliverable.
var (
	// ErrNeedsReauth means the OA tokens are gone or the refresh token was
	// refused: someone must authorise the OA again (OAuth v4 flow).
	ErrNeedsReauth = fmt.Errorf("zalo: OA needs re-authorisation: %w", bot.ErrUndeliverable)
	// ErrWindowClosed means Zalo will not take a consultation message for
	// this user now (codes -213, -217, -227, -230, -232, -234, -244, or past
	// 7 days), or the free window is used up and Config.FreeOnly is set.
	ErrWindowClosed = fmt.Errorf("zalo: reply window closed: %w", bot.ErrUndeliverable)
	// ErrRejected means Zalo refused the message for a reason retrying
	// cannot fix (invalid field, app or OA configuration).
	ErrRejected = fmt.Errorf("zalo: message rejected: %w", bot.ErrUndeliverable)
	// ErrMalformed means a webhook body is not the JSON Zalo sends.
	ErrMalformed = webhooks.ErrMalformed
	// ErrNoTokens is returned by TokenStore.Load when nothing is stored.
	ErrNoTokens = errors.New("no tokens stored")
	// ErrTokenConflict is returned by TokenStore.Save when the stored
	// tokens changed since they were loaded (another instance refreshed).
	ErrTokenConflict = errors.New("tokens changed since loaded")
)
