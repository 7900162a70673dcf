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
// duplicate, not an error). It returns an error wrapping bot.ErrRefused when the
// message was refused by policy (rate or size limit; the citizen is told
// politely), and any other error when it could not be stored: the adapter
// then answers 5xx so the platform retries.
type Inbox interface {
	Accept(ctx context.Context, m bot.Message) error
}

// Limiter counts events per key and says whether one more is allowed
// (package ratelimit implements it, shared by every instance). An event
// with an id already counted within the window is allowed without counting
// again. On an error the limiter has allowed the event (it fails open).
type Limiter interface {
	Allow(ctx context.Context, key, id string) (bool, error)
}

// NoticeClientRate is what a citizen whose address sent too much is told.
const NoticeClientRate = "Có quá nhiều tin nhắn từ địa chỉ mạng của bạn. Vui lòng chờ ít phút rồi gửi lại nhé."

// NoticeBusy is what the web chat answers while the backlog is deep.
const NoticeBusy = "Hệ thống đang bận trả lời nhiều câu hỏi. Bạn vui lòng gửi lại sau ít phút nhé."
