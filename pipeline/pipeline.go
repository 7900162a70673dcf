package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"botdvc/bot"
	"botdvc/internal/tally"
	"botdvc/ratelimit"
)

// Citizen-facing notices for refused messages.
const (
	NoticeRate = "Bạn gửi nhanh quá, vui lòng chờ ít phút rồi hỏi tiếp nhé."
	// NoticeFailed tells a citizen whose message was parked after failing.
	NoticeFailed = "Xin lỗi, hệ thống đang gặp sự cố nên chưa trả lời được tin nhắn này của bạn. Bạn vui lòng hỏi lại sau ít phút nhé."
	noticeSize   = "Tin nhắn của bạn dài quá (tối đa %d ký tự). Bạn vui lòng viết ngắn gọn câu hỏi, ví dụ: “làm căn cước cho con cần giấy tờ gì?”"
)

// Pipeline accepts inbound messages into JetStream, runs the workers that
// answer them and the senders that deliver the replies. One Pipeline per
// process; any number of processes may share the same JetStream.
//
// Accept and Enqueue work as soon as New returned (after Reconcile ran
// somewhere); Start runs workers and senders until Stop.
type Pipeline struct {
	Logger  *slog.Logger
	Metrics *Metrics
	Now     func() time.Time
	// Senders deliver replies by channel. A channel without a sender is not
	// consumed by this instance: its replies wait in the stream. Set before Start.
	Senders map[bot.Channel]bot.Sender
	// Publishers, when set, carry Accept's publishes, round-robin, instead
	// of the main connection. The server handles each connection's traffic
	// in one goroutine, so the accepting path gets connections of its own
	// and does not queue behind the workers' traffic. Set before use.
	Publishers []jetstream.JetStream

	js       jetstream.JetStream
	next     atomic.Uint64
	handler  bot.HandlerFunc
	cfg      Config
	rate     *ratelimit.Window // per conversation, shared by every instance
	notices  *ratelimit.Window // one refusal notice a minute per conversation
	refusals *tally.Tally
	dl       *deliveries // delivery records; bound by Start

	mu      sync.Mutex
	slots   chan struct{} // Workers tokens
	stop    chan struct{}
	wg      sync.WaitGroup
	started bool

	// afterReply, when set (tests), runs after the reply was published and
	// before the inbound message is acked; an error abandons the message
	// unacked, as if the process died there.
	afterReply func(m bot.Message) error
	// afterSend, when set (tests), runs after the platform accepted a reply,
	// at stage "accepted" (before the delivery record) and "recorded"
	// (after it, before the ack); an error abandons the message unacked.
	afterSend func(o bot.Outbound, stage string) error
}

// New returns a pipeline on js that answers with handler. handler may be
// nil when the chain needs the pipeline first (the hotline sends staff
// replies through it): set it with SetHandler before Start.
func New(js jetstream.JetStream, handler bot.HandlerFunc, logger *slog.Logger, cfg Config) *Pipeline {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rs := rateStreams(cfg)
	return &Pipeline{
		Logger:   logger,
		Metrics:  NewMetrics(nil),
		Now:      time.Now,
		Senders:  map[bot.Channel]bot.Sender{},
		js:       js,
		handler:  handler,
		cfg:      cfg,
		rate:     ratelimit.New(js, rs[0]),
		notices:  ratelimit.New(js, rs[1]),
		refusals: tally.New(logger, "messages refused (channel/reason: count)"),
		slots:    make(chan struct{}, cfg.Workers),
	}
}

// SetHandler sets the handler chain that answers messages. Call it before
// Start; Accept and Enqueue do not need it.
func (p *Pipeline) SetHandler(h bot.HandlerFunc) { p.handler = h }

// Config returns the effective configuration (defaults filled).
func (p *Pipeline) Config() Config { return p.cfg }

// dedupID is the inbound message's Nats-Msg-Id: channel and message id,
// scoped by (a hash of) the user id unless m's channel is one of unique,
// whose ids are unique across their users (Config.UniqueIDs). The web
// chat's ids are chosen by the browser and unique only within its session:
// "web:<hash>:1".
func dedupID(m bot.Message, unique ...bot.Channel) string {
	if slices.Contains(unique, m.Channel) {
		return string(m.Channel) + ":" + m.ID
	}
	h := sha256.Sum256([]byte(m.UserID))
	return string(m.Channel) + ":" + hex.EncodeToString(h[:8]) + ":" + m.ID
}

// dedupID is m's dedup id under p's configuration.
func (p *Pipeline) dedupID(m bot.Message) string { return dedupID(m, p.cfg.UniqueIDs...) }

// Accept implements webhooks.Inbox (the channels' adapters take it): it stores m in the inbound stream and
// returns once JetStream acked it. A message already stored under the same
// channel and id inside the duplicate window is dropped and Accept returns
// nil. Messages over the size or rate limit are refused with an error
// wrapping bot.ErrRefused (a *bot.RefusedError), and the citizen
// is told politely, at most once a minute.
//
// The rate limit is per conversation and shared by every instance
// (BOT_RATE_CONV). A redelivered message does not count again: the limit
// counts by the message's dedup id, so a platform resending one message
// twenty times uses one place, and the inbound stream then drops the copies.
// Refusals are logged as one line per interval with counts, not a line each.
func (p *Pipeline) Accept(ctx context.Context, m bot.Message) error {
	now := p.Now()
	if m.Channel == "" || m.ID == "" || m.UserID == "" || m.Kind == "" {
		p.Metrics.In.WithLabelValues(string(m.Channel), "invalid").Inc()
		return fmt.Errorf("pipeline.Accept: %w: channel, id, user id and kind are required", ErrInvalid)
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Payload) || !utf8.ValidString(m.UserID) || !utf8.ValidString(m.ID) {
		p.Metrics.In.WithLabelValues(string(m.Channel), "invalid").Inc()
		return fmt.Errorf("pipeline.Accept: %w: invalid UTF-8", ErrInvalid)
	}
	if m.Time.IsZero() {
		m.Time = now
	}
	conv := m.Conversation()
	if m.Kind != bot.KindAgentEcho { // staff writing from the platform inbox are not limited
		if utf8.RuneCountInString(m.Text) > p.cfg.MaxText || len(m.Payload) > p.cfg.MaxText {
			p.Metrics.In.WithLabelValues(string(m.Channel), "refused_size").Inc()
			return p.refuse(ctx, m, "size", fmt.Sprintf(noticeSize, p.cfg.MaxText), ErrTooLong)
		}
		ok, err := p.rate.Allow(ctx, conv, p.dedupID(m))
		if err != nil {
			p.Metrics.Errors.WithLabelValues("rate_limit").Inc() // failed open: the message goes through
		}
		if !ok {
			p.Metrics.In.WithLabelValues(string(m.Channel), "refused_rate").Inc()
			return p.refuse(ctx, m, "rate", NoticeRate, ErrRateLimited)
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("pipeline.Accept: encode: %w", err)
	}
	msg := &nats.Msg{Subject: inboundSubject(Partition(conv, p.cfg.Partitions)), Data: data, Header: nats.Header{}}
	msg.Header.Set(nats.MsgIdHdr, p.dedupID(m))
	js := p.js
	if n := len(p.Publishers); n > 0 {
		js = p.Publishers[p.next.Add(1)%uint64(n)]
	}
	start := time.Now()
	ack, err := publishMsg(ctx, js, msg)
	p.Metrics.Publish.Observe(time.Since(start).Seconds())
	if err != nil {
		p.Metrics.In.WithLabelValues(string(m.Channel), "error").Inc()
		p.Metrics.Errors.WithLabelValues("inbound_publish").Inc()
		return fmt.Errorf("pipeline.Accept: publish: %w", err)
	}
	if ack.Duplicate {
		p.Metrics.In.WithLabelValues(string(m.Channel), "duplicate").Inc()
		return nil
	}
	p.Metrics.In.WithLabelValues(string(m.Channel), "accepted").Inc()
	return nil
}

// refuse tells the citizen (at most once a minute per conversation, across
// instances) and returns the refusal error.
func (p *Pipeline) refuse(ctx context.Context, m bot.Message, reason, notice string, kind error) error {
	p.refusals.Add(string(m.Channel) + "/" + reason)
	notify, err := p.notices.Allow(ctx, m.Conversation(), "")
	if err != nil {
		p.Metrics.Errors.WithLabelValues("rate_limit").Inc()
	}
	if notify {
		o := bot.Outbound{
			ID: p.dedupID(m) + ":refused", Channel: m.Channel, UserID: m.UserID, InReplyTo: m.ID,
			Reply:    bot.Reply{Action: bot.ActionFallback, Text: notice},
			LastUser: m.Time, Created: p.Now(),
		}
		if err := p.Enqueue(ctx, o); err != nil {
			p.Metrics.Errors.WithLabelValues("refusal_notice").Inc()
			p.refusals.Add("notice_not_enqueued")
		}
	}
	return fmt.Errorf("pipeline.Accept: %w: %w", &bot.RefusedError{Reason: reason, Notice: notice}, kind)
}

// Enqueue puts a reply on the outbound stream; a sender of its channel
// delivers it. o.ID is the dedup key: the same id inside the duplicate window
// is stored once. An empty ID gets a fresh one. The hotline uses Enqueue for
// staff replies.
func (p *Pipeline) Enqueue(ctx context.Context, o bot.Outbound) error {
	if o.UserID == "" || !slices.Contains(p.cfg.Channels, o.Channel) {
		return fmt.Errorf("pipeline.Enqueue: %w: unknown channel %q or empty user id", ErrInvalid, o.Channel)
	}
	if o.ID == "" {
		o.ID = "out:" + nuid.Next()
	}
	if o.Created.IsZero() {
		o.Created = p.Now()
	}
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("pipeline.Enqueue: encode: %w", err)
	}
	subj := outboundSubject(o.Channel, Partition(string(o.Channel)+":"+o.UserID, p.cfg.Partitions))
	msg := &nats.Msg{Subject: subj, Data: data, Header: nats.Header{}}
	msg.Header.Set(nats.MsgIdHdr, o.ID)
	if _, err := publishMsg(ctx, p.js, msg); err != nil {
		p.Metrics.Errors.WithLabelValues("outbound_publish").Inc()
		return fmt.Errorf("pipeline.Enqueue: publish: %w", err)
	}
	p.Metrics.Out.WithLabelValues(string(o.Channel), "enqueued").Inc()
	return nil
}

// Start runs one worker per partition and one sender per channel (with a
// Sender) and partition, until Stop. It returns an error when the consumers
// do not exist (run Reconcile first).
func (p *Pipeline) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return fmt.Errorf("pipeline.Start: already started")
	}
	dl, err := openDeliveries(ctx, p.js)
	if err != nil {
		return fmt.Errorf("pipeline.Start: %w", err)
	}
	p.dl = dl
	type loop struct {
		cons jetstream.Consumer
		fn   func(jetstream.Msg)
	}
	var loops []loop
	for i := 0; i < p.cfg.Partitions; i++ {
		c, err := p.js.Consumer(ctx, InboundStream, workerName(i))
		if err != nil {
			return fmt.Errorf("pipeline.Start: consumer %s: %w", workerName(i), err)
		}
		loops = append(loops, loop{c, func(m jetstream.Msg) {
			if !p.acquire(m) {
				_ = m.Nak()
				return
			}
			defer func() { <-p.slots }()
			p.work(m)
		}})
		for _, ch := range p.cfg.Channels {
			s := p.Senders[ch]
			if s == nil {
				continue
			}
			c, err := p.js.Consumer(ctx, OutboundStream, senderName(ch, i))
			if err != nil {
				return fmt.Errorf("pipeline.Start: consumer %s: %w", senderName(ch, i), err)
			}
			ch := ch
			loops = append(loops, loop{c, func(m jetstream.Msg) { p.send(ch, s, m) }})
		}
	}
	p.stop = make(chan struct{})
	p.started = true
	for _, l := range loops {
		p.wg.Add(1)
		go p.run(l.cons, l.fn)
	}
	p.Logger.Info("pipeline started", "partitions", p.cfg.Partitions, "loops", len(loops))
	return nil
}

// Stop stops fetching, lets messages in flight finish and returns when all
// loops exited or ctx is done. Messages fetched but not started are nak'ed so
// another instance takes them at once; a message whose handler outlives ctx
// is redelivered after AckWait. Nothing is lost either way.
func (p *Pipeline) Stop(ctx context.Context) error {
	p.mu.Lock()
	if !p.started {
		p.mu.Unlock()
		return nil
	}
	p.started = false
	close(p.stop)
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pipeline.Stop: %w", ctx.Err())
	}
}

func (p *Pipeline) stopping() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// run is one consume loop. It keeps one pull request open (MaxAckPending=1
// means the server hands out one message at a time anyway). After Stop it
// drains: the message in hand finishes, a message already buffered is nak'ed
// so another instance takes it at once, and the loop exits.
func (p *Pipeline) run(c jetstream.Consumer, fn func(jetstream.Msg)) {
	defer p.wg.Done()
	for !p.stopping() {
		it, err := c.Messages(jetstream.PullMaxMessages(1), jetstream.PullExpiry(max(p.cfg.FetchWait, time.Second)))
		if err != nil {
			p.Metrics.Errors.WithLabelValues("fetch").Inc()
			p.Logger.Warn("consume failed", "consumer", c.CachedInfo().Name, "err", err)
			select {
			case <-p.stop:
				return
			case <-time.After(time.Second):
			}
			continue
		}
		done := make(chan struct{})
		go func() {
			select {
			case <-p.stop:
				it.Drain()
			case <-done:
			}
		}()
		for {
			msg, err := it.Next()
			if err != nil {
				if !errors.Is(err, jetstream.ErrMsgIteratorClosed) && !p.stopping() {
					p.Metrics.Errors.WithLabelValues("fetch").Inc()
					p.Logger.Warn("consume ended", "consumer", c.CachedInfo().Name, "err", err)
				}
				break
			}
			if p.stopping() {
				_ = msg.Nak()
				continue
			}
			fn(msg)
		}
		close(done)
		it.Stop()
	}
}

// acquire waits for a processing slot, telling JetStream the message is in
// progress meanwhile so it is not redelivered. It returns false after Stop.
func (p *Pipeline) acquire(msg jetstream.Msg) bool {
	if p.stopping() {
		return false
	}
	select {
	case p.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTicker(p.cfg.AckWait / 3)
	defer t.Stop()
	for {
		select {
		case p.slots <- struct{}{}:
			return true
		case <-t.C:
			_ = msg.InProgress()
		case <-p.stop:
			return false
		}
	}
}

// keepAlive tells JetStream every AckWait/3 that msg is still being worked
// on, until the returned stop is called. AckWait can then be short (a
// message held by an instance that died is redelivered after a few
// seconds) without a slow handler or send being redelivered meanwhile.
func (p *Pipeline) keepAlive(msg jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(p.cfg.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// record writes a delivery record with a deadline of its own (the
// handler's or sender's may be nearly spent).
func (p *Pipeline) record(key string, r record) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.dl.put(ctx, key, r)
}

// retryRead is the redelivery delay after the delivery records could not
// be read (a bucket leader election, a NATS outage): short, since nothing
// is wrong with the message.
const retryRead = time.Second

// backoff is the redelivery delay after the n-th failed delivery.
func (p *Pipeline) backoff(n uint64) time.Duration {
	d := time.Second
	for i := uint64(1); i < n && d < p.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.cfg.MaxBackoff)
}

// work answers one inbound message.
func (p *Pipeline) work(msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		p.park(msg, deadInbound, 0, "metadata: "+err.Error())
		return
	}
	var m bot.Message
	if err := json.Unmarshal(msg.Data(), &m); err != nil {
		p.park(msg, deadInbound, md.NumDelivered, "decode: "+err.Error())
		p.Metrics.Handled.WithLabelValues("parked").Inc()
		return
	}
	defer p.keepAlive(msg)()
	// A message finished before (its ack was lost, or the instance died
	// between the reply's publish and the ack) is only acked: the handler's
	// effects (session, ticket, outcome record) are not repeated.
	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
	rec, err := p.dl.get(rctx, inKey(p.dedupID(m)))
	rcancel()
	if err != nil {
		p.Metrics.Errors.WithLabelValues("delivery_record").Inc()
		p.Logger.Warn("delivery record unreadable, will retry", "msg", m, "err", err)
		_ = msg.NakWithDelay(retryRead)
		return
	}
	if rec.Done {
		actx, acancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := msg.DoubleAck(actx); err != nil {
			p.Metrics.Errors.WithLabelValues("ack").Inc()
		}
		acancel()
		p.Metrics.Handled.WithLabelValues("already_done").Inc()
		p.Logger.Info("message already handled, acked again", "msg", m, "deliveries", md.NumDelivered)
		return
	}
	if md.NumDelivered > uint64(p.cfg.MaxDeliver) {
		// Earlier deliveries never completed (a crash or a hang each time).
		p.Logger.Error("message parked", "msg", m, "deliveries", md.NumDelivered-1, "reason", "never completed")
		p.parkInbound(msg, m, md.NumDelivered, "delivered "+strconv.FormatUint(md.NumDelivered-1, 10)+" times without completing")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.HandlerTimeout)
	defer cancel()
	start := time.Now()
	reply, err := p.handle(ctx, m)
	p.Metrics.Handle.Observe(time.Since(start).Seconds())
	if err != nil {
		p.Metrics.Errors.WithLabelValues("handler").Inc()
		if md.NumDelivered >= uint64(p.cfg.MaxDeliver) {
			p.Logger.Error("message parked", "msg", m, "deliveries", md.NumDelivered, "err", redactErr(err))
			p.parkInbound(msg, m, md.NumDelivered, "handler: "+redactErr(err))
			return
		}
		p.Logger.Warn("handler failed, will retry", "msg", m, "deliveries", md.NumDelivered, "err", redactErr(err))
		_ = msg.NakWithDelay(p.backoff(md.NumDelivered))
		p.Metrics.Handled.WithLabelValues("retry").Inc()
		return
	}
	result := "silent"
	if reply.Action != bot.ActionSilent && (reply.Text != "" || len(reply.Options) > 0 || len(reply.Links) > 0) {
		o := bot.Outbound{
			ID: p.dedupID(m) + ":r", Channel: m.Channel, UserID: m.UserID, InReplyTo: m.ID,
			Reply: reply, LastUser: m.Time, Created: p.Now(),
		}
		if err := p.Enqueue(ctx, o); err != nil {
			p.Logger.Warn("reply not enqueued, will retry", "msg", m, "err", err)
			_ = msg.NakWithDelay(p.backoff(md.NumDelivered))
			p.Metrics.Handled.WithLabelValues("retry").Inc()
			return
		}
		result = "replied"
	}
	if err := p.record(inKey(p.dedupID(m)), record{Done: true, At: p.Now().UTC()}); err != nil {
		// The reply's id still makes JetStream drop a second copy; only the
		// handler's effects would repeat on a redelivery.
		p.Metrics.Errors.WithLabelValues("delivery_record").Inc()
		p.Logger.Warn("handled record not written", "msg", m, "err", err)
	}
	if p.afterReply != nil {
		if err := p.afterReply(m); err != nil {
			return // simulated crash: no ack
		}
	}
	// A plain ack is enough here: if it is lost the message is redelivered,
	// answered again, and the reply's id makes JetStream drop the copy.
	if err := msg.Ack(); err != nil {
		p.Metrics.Errors.WithLabelValues("ack").Inc()
		p.Logger.Warn("ack failed", "msg", m, "err", err)
	}
	p.Metrics.Handled.WithLabelValues(result).Inc()
	p.Logger.Debug("message handled", "msg", m, "action", reply.Action, "guide", reply.GuideID, "confidence", reply.Confidence)
}

// parkInbound parks a message that keeps failing and tells the citizen.
func (p *Pipeline) parkInbound(msg jetstream.Msg, m bot.Message, deliveries uint64, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.Kind != bot.KindAgentEcho {
		o := bot.Outbound{
			ID: p.dedupID(m) + ":failed", Channel: m.Channel, UserID: m.UserID, InReplyTo: m.ID,
			Reply: bot.Reply{Action: bot.ActionFallback, Text: NoticeFailed}, LastUser: m.Time, Created: p.Now(),
		}
		if err := p.Enqueue(ctx, o); err != nil {
			p.Logger.Warn("failure notice not enqueued", "msg", m, "err", err)
		}
	}
	p.park(msg, deadInbound, deliveries, reason)
	p.Metrics.Handled.WithLabelValues("parked").Inc()
}

// handle calls the handler and turns a panic into an error.
func (p *Pipeline) handle(ctx context.Context, m bot.Message) (r bot.Reply, err error) {
	defer func() {
		if v := recover(); v != nil {
			p.Logger.Error("handler panic", "msg", m, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("pipeline: handler panic: %v", v)
		}
	}()
	if p.handler == nil {
		return bot.Reply{}, fmt.Errorf("pipeline: no handler")
	}
	return p.handler(ctx, m)
}

// send delivers one reply with s.
func (p *Pipeline) send(ch bot.Channel, s bot.Sender, msg jetstream.Msg) {
	dead := deadOutPrefix + string(ch)
	md, err := msg.Metadata()
	if err != nil {
		p.park(msg, dead, 0, "metadata: "+err.Error())
		return
	}
	var o bot.Outbound
	if err := json.Unmarshal(msg.Data(), &o); err != nil {
		p.park(msg, dead, md.NumDelivered, "decode: "+err.Error())
		p.Metrics.Out.WithLabelValues(string(ch), "parked").Inc()
		return
	}
	defer p.keepAlive(msg)()
	// The delivery record says whether (or how far) this reply already went
	// out: a redelivery after a lost ack, a dead consumer leader or a killed
	// instance must not send it again.
	key := outKey(o.ID)
	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
	rec, err := p.dl.get(rctx, key)
	rcancel()
	if err != nil {
		p.Metrics.Errors.WithLabelValues("delivery_record").Inc()
		p.Logger.Warn("delivery record unreadable, will retry", "channel", ch, "outbound", o.ID, "err", err)
		_ = msg.NakWithDelay(retryRead)
		return
	}
	if rec.Done {
		actx, acancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := msg.DoubleAck(actx); err != nil {
			p.Metrics.Errors.WithLabelValues("ack").Inc()
		}
		acancel()
		p.Metrics.Out.WithLabelValues(string(ch), "already_sent").Inc()
		p.Logger.Info("reply already delivered, not sent again", "channel", ch, "outbound", o.ID, "deliveries", md.NumDelivered)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.SendTimeout)
	defer cancel()
	if ps, ok := s.(bot.PieceSender); ok {
		err = safeSendFrom(ctx, ps, o, rec.Pieces, func(n int) {
			if err := p.record(key, record{Pieces: n, At: p.Now().UTC()}); err != nil {
				p.Metrics.Errors.WithLabelValues("delivery_record").Inc()
				p.Logger.Warn("delivery record not written", "channel", ch, "outbound", o.ID, "err", err)
			}
		})
	} else {
		err = safeSend(ctx, s, o)
	}
	switch {
	case err == nil:
		if p.afterSend != nil && p.afterSend(o, "accepted") != nil {
			return // simulated crash
		}
		// Right after the platform's answer: from here on a redelivery is
		// only acked. The window left is between the platform's answer and
		// this write (doc/architecture.md).
		if err := p.record(key, record{Done: true, At: p.Now().UTC()}); err != nil {
			p.Metrics.Errors.WithLabelValues("delivery_record").Inc()
			p.Logger.Warn("delivery record not written", "channel", ch, "outbound", o.ID, "err", err)
		}
		if p.afterSend != nil && p.afterSend(o, "recorded") != nil {
			return // simulated crash
		}
		if err := msg.DoubleAck(ctx); err != nil {
			p.Metrics.Errors.WithLabelValues("ack").Inc()
			p.Logger.Warn("ack after send failed", "channel", ch, "outbound", o.ID, "err", err)
		}
		p.Metrics.Out.WithLabelValues(string(ch), "sent").Inc()
	case errors.Is(err, bot.ErrUndeliverable):
		p.Logger.Warn("reply undeliverable, parked", "channel", ch, "outbound", o.ID, "err", redactErr(err))
		p.park(msg, dead, md.NumDelivered, "undeliverable: "+redactErr(err))
		p.Metrics.Out.WithLabelValues(string(ch), "parked").Inc()
	case md.NumDelivered >= uint64(p.cfg.SendAttempts):
		p.Logger.Error("reply parked after retries", "channel", ch, "outbound", o.ID, "attempts", md.NumDelivered, "err", redactErr(err))
		p.park(msg, dead, md.NumDelivered, "gave up after "+strconv.FormatUint(md.NumDelivered, 10)+" attempts: "+redactErr(err))
		p.Metrics.Out.WithLabelValues(string(ch), "parked").Inc()
	default:
		p.Metrics.Errors.WithLabelValues("send").Inc()
		p.Logger.Warn("send failed, will retry", "channel", ch, "outbound", o.ID, "attempt", md.NumDelivered, "err", redactErr(err))
		_ = msg.NakWithDelay(p.backoff(md.NumDelivered))
		p.Metrics.Out.WithLabelValues(string(ch), "retry").Inc()
	}
}

func safeSendFrom(ctx context.Context, s bot.PieceSender, o bot.Outbound, from int, delivered func(int)) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("pipeline: sender panic: %v", v)
		}
	}()
	return s.SendFrom(ctx, o, from, delivered)
}

func safeSend(ctx context.Context, s bot.Sender, o bot.Outbound) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("pipeline: sender panic: %v", v)
		}
	}()
	return s.Send(ctx, o)
}

// park moves msg to the dead-letter stream with the reason, then acks it.
// When the dead-letter publish fails the message is nak'ed instead: parked
// or retried, never dropped.
func (p *Pipeline) park(msg jetstream.Msg, subject string, deliveries uint64, reason string) {
	h := nats.Header{}
	h.Set(HeaderReason, reason)
	h.Set(HeaderSubject, msg.Subject())
	h.Set(HeaderDeliveries, strconv.FormatUint(deliveries, 10))
	if id := msg.Headers().Get(nats.MsgIdHdr); id != "" {
		h.Set(nats.MsgIdHdr, "dead:"+id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := publishMsg(ctx, p.js, &nats.Msg{Subject: subject, Data: redactPayload(msg.Data()), Header: h}); err != nil {
		p.Metrics.Errors.WithLabelValues("park").Inc()
		p.Logger.Error("parking failed, will retry", "subject", msg.Subject(), "err", err)
		_ = msg.NakWithDelay(p.cfg.MaxBackoff)
		return
	}
	if err := msg.DoubleAck(ctx); err != nil {
		p.Metrics.Errors.WithLabelValues("ack").Inc()
	}
	p.Metrics.Errors.WithLabelValues("parked").Inc()
}

// redactPayload redacts what citizens and staff wrote in a parked message
// (bot.Message's Text and Payload, bot.Outbound's Reply.Text) before it is
// kept for weeks in the dead-letter stream; ids, channel and times stay so
// an operator can see what failed and for whom. A payload that is not a JSON
// object is kept as "[unreadable payload]" rather than verbatim.
func redactPayload(data []byte) []byte {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return []byte(`"[unreadable payload]"`)
	}
	red := func(obj map[string]any, keys ...string) {
		for _, k := range keys {
			if v, ok := obj[k].(string); ok {
				obj[k] = bot.Redact(v)
			}
		}
	}
	red(m, "Text", "Payload")
	if r, ok := m["Reply"].(map[string]any); ok {
		red(r, "Text")
	}
	out, err := json.Marshal(m)
	if err != nil {
		return []byte(`"[unreadable payload]"`)
	}
	return out
}

// redactErr renders an error for logs and dead-letter reasons without phone
// or id numbers.
func redactErr(err error) string { return bot.Redact(err.Error()) }
