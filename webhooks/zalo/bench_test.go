package zalo

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

// BenchmarkWebhook measures the whole Zalo webhook path through the Fiber
// app: routing, body limit, signature over the raw bytes, parse, Accept,
// 200. Run: go test -run XXX -bench Webhook ./webhooks/zalo
func BenchmarkWebhook(b *testing.B) {
	inbox := &countingInbox{}
	app := fiber.New()
	NewHandler(testCfg, inbox, nil).Mount(app)
	handler := app.Handler()
	type signedBody struct{ body, sig []byte }
	bodies := make([]signedBody, 256)
	for i := range bodies {
		body := fmt.Sprintf(`{"app_id":"1234567890123456789","user_id_by_app":"552177279717587730","event_name":"user_send_text","timestamp":"%d","sender":{"id":"246845883529197922"},"recipient":{"id":"388613280878808645"},"message":{"text":"thủ tục đăng ký thường trú cần giấy tờ gì","msg_id":"cb31dff1c39642cc%04x"}}`, 1699003881354+i, i)
		bodies[i] = signedBody{[]byte(body), []byte(Sign([]byte(body), vectorAppID, vectorSecret))}
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
		ctx.Request.Header.SetBytesV("X-ZEvent-Signature", s.sig)
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
