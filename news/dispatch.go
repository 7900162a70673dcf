package news

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// Run keeps the announcements in step with the bucket and delivers each
// announcement once it is current: to the followers of its guides who are
// inside their channel's free reply window at once (as an ordinary reply
// through the outbox), to the others with the reply to their next message.
// It runs on every instance; the followers' records (revision-checked) and
// the outbound dedup ids make each delivery happen once. It returns when
// ctx ends.
func (s *Service) Run(ctx context.Context) error {
	watchErr := make(chan error, 1)
	go func() { watchErr <- s.watch(ctx) }()
	t := time.NewTicker(s.cfg.Every)
	defer t.Stop()
	for {
		if err := s.DispatchDue(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("announcements not delivered yet, will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			<-watchErr
			return nil
		case err := <-watchErr:
			if ctx.Err() == nil {
				return err
			}
			return nil
		case <-s.wake:
		case <-t.C:
		}
	}
}

// DispatchDue delivers every current announcement that has not been
// delivered yet. Run calls it; tests call it directly.
func (s *Service) DispatchDue(ctx context.Context) error {
	now := s.cfg.Now()
	var errs []error
	for _, a := range s.Current(now) {
		if _, err := s.news.Get(ctx, keySent+a.ID); err == nil {
			continue
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			errs = append(errs, err)
			continue
		}
		if err := s.dispatch(ctx, a, now); err != nil {
			errs = append(errs, fmt.Errorf("announcement %s: %w", a.ID, err))
			continue
		}
		_, err := s.news.Create(ctx, keySent+a.ID, []byte(now.UTC().Format(time.RFC3339)))
		if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// dispatch delivers a to every follower of its guides.
func (s *Service) dispatch(ctx context.Context, a Announcement, now time.Time) error {
	s.mu.RLock()
	outbox := s.outbox
	s.mu.RUnlock()
	if outbox == nil {
		return errors.New("news: no outbox")
	}
	keys, err := s.followers.ListKeys(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil
		}
		return fmt.Errorf("news: followers: %w", err)
	}
	sent, queued := 0, 0
	var errs []error
	for key := range keys.Keys() {
		err := s.updateFollower(ctx, key, func(f *Follower, found bool) (bool, error) {
			if !found || !f.follows(a) || slices.Contains(f.Seen, a.ID) {
				return false, nil
			}
			if s.inWindow(*f, now) {
				// Sent first, recorded after: a crash in between sends
				// again under the same id, which the outbound stream drops.
				if err := outbox.Enqueue(ctx, s.outbound(a, *f, key, now)); err != nil {
					return false, err
				}
				sent++
			} else {
				f.Pending = append(f.Pending, a.ID)
				queued++
			}
			f.Seen = appendSeen(f.Seen, a.ID)
			return true, nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	s.cfg.Logger.Info("announcement delivered", "id", a.ID, "sent", sent, "next_message", queued, "errors", len(errs))
	return errors.Join(errs...)
}

// outbound is the message that brings a to follower f now.
func (s *Service) outbound(a Announcement, f Follower, key string, now time.Time) bot.Outbound {
	var guides []string
	guideID := ""
	for _, g := range a.Guides {
		if slices.Contains(f.Guides, g) || slices.Contains(f.Guides, AllGuides) {
			guides = append(guides, "“"+s.title(g)+"”")
			if guideID == "" {
				guideID = g
			}
		}
	}
	var b strings.Builder
	b.WriteString("Bản tin mới")
	if len(guides) > 0 {
		b.WriteString(" về thủ tục bạn theo dõi (" + strings.Join(guides, ", ") + ")")
	}
	b.WriteString(":\n\n" + a.Title + "\n(" + a.Period() + ")\n\n" + clip(a.Body, pushRunes))
	b.WriteString("\n\nNhắn \"hủy theo dõi\" nếu bạn không muốn nhận bản tin nữa.")
	opts := []bot.Option{{Label: "Hủy theo dõi", Payload: PayloadUnfollow}}
	if guideID != "" {
		opts = append([]bot.Option{{Label: "Xem thủ tục", Payload: bot.PayloadGuide + guideID}}, opts...)
	}
	return bot.Outbound{
		ID:        "news:" + a.ID + ":" + strings.TrimPrefix(key, "f."),
		Channel:   f.Channel,
		UserID:    f.UserID,
		Reply:     bot.Reply{Action: bot.ActionAnswer, Text: b.String(), Options: opts},
		LastUser:  f.LastUser,
		Proactive: true,
		Created:   now,
	}
}
