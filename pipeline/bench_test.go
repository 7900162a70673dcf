package pipeline

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"botdvc/bot"
)

// BenchmarkAccept measures inbound publish-to-ack on the embedded server
// (file storage, in-process connection): ns/op is the latency of one Accept
// when run serially; the parallel variant gives the throughput with many
// webhook requests in flight.
//
//	go test -run '^$' -bench Accept -benchtime 3s ./pipeline
func BenchmarkAccept(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		name := "serial"
		if parallel {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			ns := MustStartServer(b)
			_, js := MustConnect(b, ns)
			c := testConfig()
			mustReconcile(b, js, c)
			p := New(js, echo, nil, c)
			ctx := context.Background()
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			accept := func() {
				i := n.Add(1)
				id := strconv.FormatInt(i, 10)
				if err := p.Accept(ctx, bot.Message{ID: id, Channel: bot.Web, UserID: "bench-" + id, Kind: bot.KindText, Text: "làm căn cước cho con cần giấy tờ gì"}); err != nil {
					b.Fatal(err)
				}
			}
			if parallel {
				b.SetParallelism(8) // 8×GOMAXPROCS goroutines, like concurrent webhook requests
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						accept()
					}
				})
			} else {
				for b.Loop() {
					accept()
				}
			}
			b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "msgs/s")
		})
	}
}
