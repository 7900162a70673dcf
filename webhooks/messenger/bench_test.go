package messenger

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"botdvc/bot"
)

// countingInbox is an in-memory Inbox for the benchmark: the JetStream
// publish is benchmarked by the inbox's own package.
type countingInbox struct{ n atomic.Int64 }

func (c *countingInbox) Accept(context.Context, bot.Message) error { c.n.Add(1); return nil }

// BenchmarkWebhook measures the whole Messenger webhook path through the
// Fiber app: routing, body limit, signature over the raw bytes, parse,
// Accept, 200. Run: go test -bench Webhook -benchtime 2s ./webhooks/messenger
func BenchmarkWebhook(b *testing.B) {
	const secret = "bench_secret"
	inbox := &countingInbox{}
	app := fiber.New()
	NewHandler(Config{AppSecret: secret}, inbox, nil).Mount(app)
	handler := app.Handler()
	type signed struct{ body, sig []byte }
	bodies := make([]signed, 256)
	for i := range bodies {
		body := fmt.Sprintf(`{"object":"page","entry":[{"id":"682498171943165","time":1502905976963,"messaging":[{"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"timestamp":1502905976377,"message":{"mid":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_%06d","text":"th\u1ee7 t\u1ee5c \u0111\u0103ng k\u00fd th\u01b0\u1eddng tr\u00fa c\u1ea7n gi\u1ea5y t\u1edd g\u00ec"}}]}]}`, i)
		bodies[i] = signed{[]byte(body), []byte(Sign([]byte(body), secret))}
	}
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := bodies[i%len(bodies)]
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod(fiber.MethodPost)
		ctx.Request.SetRequestURI(Path)
		ctx.Request.Header.SetContentType(fiber.MIMEApplicationJSON)
		ctx.Request.Header.SetBytesV("X-Hub-Signature-256", s.sig)
		ctx.Request.SetBody(s.body)
		handler(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if inbox.n.Load() != int64(b.N) {
		b.Fatalf("inbox got %d messages for %d requests", inbox.n.Load(), b.N)
	}
}
