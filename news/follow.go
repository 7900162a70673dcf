package news

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// AllGuides in Follower.Guides means every announcement.
const AllGuides = "*"

// maxSeen bounds the announcement ids a follower record remembers.
const maxSeen = 200

// Follower is a conversation that follows topics. UserID is personal data:
// it is kept only to deliver announcements, and never logged.
type Follower struct {
	Channel bot.Channel `json:"channel"`
	UserID  string      `json:"user_id"`
	Guides  []string    `json:"guides"` // guide ids, or AllGuides
	// LastUser is when the citizen last wrote (as recorded, at most 10
	// minutes late): the channel's reply window is counted from it.
	LastUser time.Time `json:"last_user"`
	// Seen are the announcements already delivered or queued for them.
	Seen []string `json:"seen,omitempty"`
	// Pending are announcements to deliver with the reply to their next message.
	Pending []string `json:"pending,omitempty"`
	// Delivered is what went with the reply to message MsgID: a message
	// answered again after a crash carries the same announcements.
	Delivered *Delivery `json:"delivered,omitempty"`
	Since     time.Time `json:"since"`
}

// Delivery is the pending announcements delivered with one reply.
type Delivery struct {
	MsgID string   `json:"msg_id"`
	IDs   []string `json:"ids"`
}

// follows reports whether f wants announcement a.
func (f Follower) follows(a Announcement) bool {
	for _, g := range f.Guides {
		if g == AllGuides || a.About(g) {
			return true
		}
	}
	return false
}

func followerKey(conversation string) string {
	h := sha256.Sum256([]byte(conversation))
	return "f." + hex.EncodeToString(h[:16])
}

// follower loads the record of a conversation; found is false when it
// does not follow anything.
func (s *Service) follower(ctx context.Context, key string) (f Follower, rev uint64, found bool, err error) {
	e, err := s.followers.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Follower{}, 0, false, nil
	}
	if err != nil {
		return Follower{}, 0, false, fmt.Errorf("news: follower: %w", err)
	}
	if err := json.Unmarshal(e.Value(), &f); err != nil {
		return Follower{}, 0, false, fmt.Errorf("news: follower record: %w", err)
	}
	return f, e.Revision(), true, nil
}

// errRetry means the record changed between read and write.
var errRetry = errors.New("news: follower changed")

// updateFollower applies change to the conversation's record with a
// revision check, reading again and retrying when another instance wrote
// meanwhile. change returns false to write nothing. A record that does not
// exist is passed as found=false; change may create it.
func (s *Service) updateFollower(ctx context.Context, key string, change func(f *Follower, found bool) (write bool, err error)) error {
	for attempt := 0; attempt < 8; attempt++ {
		f, rev, found, err := s.follower(ctx, key)
		if err != nil {
			return err
		}
		write, err := change(&f, found)
		if err != nil || !write {
			return err
		}
		b, _ := json.Marshal(f)
		if found {
			_, err = s.followers.Update(ctx, key, b, rev)
		} else {
			_, err = s.followers.Create(ctx, key, b)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("news: follower write: %w", err)
		}
	}
	return errRetry
}

// follow makes the conversation of m follow guide (or AllGuides). It
// reports false when it already did. Announcements current now count as
// seen: following brings what is published from now on (the reply lists
// the current ones).
func (s *Service) follow(ctx context.Context, m bot.Message, guide string) (bool, error) {
	now := s.cfg.Now()
	added := false
	err := s.updateFollower(ctx, followerKey(m.Conversation()), func(f *Follower, found bool) (bool, error) {
		if !found {
			*f = Follower{Channel: m.Channel, UserID: m.UserID, Since: now}
		}
		f.LastUser = lastUser(m, now, f.LastUser)
		added = !slices.Contains(f.Guides, guide)
		if added {
			f.Guides = append(f.Guides, guide)
		}
		for _, a := range s.Current(now) {
			if f.follows(a) && !slices.Contains(f.Seen, a.ID) {
				f.Seen = appendSeen(f.Seen, a.ID)
			}
		}
		return true, nil
	})
	return added, err
}

// unfollow deletes the conversation's record. It reports false when there was none.
func (s *Service) unfollow(ctx context.Context, conversation string) (bool, error) {
	key := followerKey(conversation)
	_, _, found, err := s.follower(ctx, key)
	if err != nil || !found {
		return false, err
	}
	if err := s.followers.Purge(ctx, key); err != nil {
		return false, fmt.Errorf("news: unfollow: %w", err)
	}
	return true, nil
}

// lastUser returns when the citizen wrote m, never earlier than prev.
func lastUser(m bot.Message, now, prev time.Time) time.Time {
	t := m.Time
	if t.IsZero() || t.After(now) {
		t = now
	}
	if t.Before(prev) {
		return prev
	}
	return t
}

func appendSeen(seen []string, id string) []string {
	seen = append(seen, id)
	if len(seen) > maxSeen {
		seen = seen[len(seen)-maxSeen:]
	}
	return seen
}

// inWindow reports whether a message sent to f now reaches them at once,
// with the configured margin to spare: before the end their channel gives
// (channel.Info.Push: Messenger 24 hours after their last message,
// standard messaging, ../shared/spec/channels.md B6; Zalo 48 hours, A7;
// the web chat 1 hour, while the page is likely open) and, where the
// channel counts free messages (Zalo: 8 within 48 hours), with one left.
// Anything else waits for their next message.
func (s *Service) inWindow(f Follower, now time.Time) bool {
	in, ok := s.cfg.Channels.Get(f.Channel)
	if !ok || in.Push == nil {
		return false
	}
	if until := in.Push(f.LastUser); until.IsZero() || !now.Add(s.cfg.Margin).Before(until) {
		return false
	}
	if in.FreeLeft != nil {
		if left, known := in.FreeLeft(f.UserID); known && left < 1 {
			return false
		}
	}
	return true
}
