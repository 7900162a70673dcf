package news

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"botdvc/bot"
	"botdvc/knowledge/vntext"
)

// Payloads of the options the service offers; typed, they work too.
const (
	PayloadRead     = "news:read:" // + announcement id: show it in full
	PayloadList     = "news:list"  // the current announcements
	PayloadFollow   = "news:follow"
	PayloadUnfollow = "news:unfollow"
)

// Limits of announcement text in chat.
const (
	listShown     = 5    // announcements listed by "tin mới"
	summaryRunes  = 160  // one announcement's summary in the list
	pendingRunes  = 700  // an announcement delivered with a reply
	pushRunes     = 1500 // an announcement sent on its own
	touchInterval = 10 * time.Minute
)

// Command phrases, folded, after filler words are dropped (commandText).
var (
	followPhrases = phraseSet("theo dõi", "theo dõi thủ tục này", "theo dõi thủ tục", "theo dõi tin", "theo dõi bản tin",
		"đăng ký nhận tin", "đăng ký theo dõi", "đăng ký nhận bản tin", "nhận bản tin", "nhận tin mới", "đăng ký nhận tin mới")
	unfollowPhrases = phraseSet("hủy theo dõi", "bỏ theo dõi", "ngừng theo dõi", "dừng theo dõi", "thôi theo dõi",
		"hủy đăng ký nhận tin", "hủy nhận tin", "ngừng nhận tin", "dừng nhận tin", "không nhận tin nữa", "hủy đăng ký theo dõi", "hủy đăng ký")
	listPhrases = phraseSet("tin mới", "bản tin", "bản tin mới", "xem tin mới", "xem bản tin", "có tin gì mới", "có tin gì mới không",
		"tin tức mới", "tin mới nhất", "có bản tin nào", "có bản tin nào không", "có tin mới không")
	commandFillers = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields("a ạ à nhe nhé nha nhá voi với cho toi tôi minh mình em muon muốn giup giúp oi ơi ad ban bạn xin vui long lòng hay hãy di đi nao nào") {
		commandFillers[vntext.Fold(w)] = true
	}
}

func phraseSet(ps ...string) map[string]bool {
	m := map[string]bool{}
	for _, p := range ps {
		m[commandText(p)] = true
	}
	return m
}

// commandText is a message reduced for command matching: folded words
// without fillers, joined by one space.
func commandText(s string) string {
	var out []string
	for _, w := range vntext.FoldTokens(vntext.Tokens(s)) {
		if !commandFillers[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

type command int

const (
	cmdNone command = iota
	cmdList
	cmdRead
	cmdFollow
	cmdUnfollow
)

// parseCommand recognises the service's commands in a message.
func parseCommand(m bot.Message) (command, string) {
	text := m.Text
	if m.Kind == bot.KindPayload {
		text = m.Payload
	}
	text = strings.TrimSpace(text)
	switch {
	case strings.HasPrefix(text, PayloadRead):
		return cmdRead, strings.TrimPrefix(text, PayloadRead)
	case text == PayloadList:
		return cmdList, ""
	case text == PayloadUnfollow:
		return cmdUnfollow, ""
	case text == PayloadFollow:
		return cmdFollow, ""
	case strings.HasPrefix(text, PayloadFollow+":"):
		return cmdFollow, strings.TrimPrefix(text, PayloadFollow+":")
	}
	if m.Kind != bot.KindText || utf8.RuneCountInString(text) > 60 {
		return cmdNone, ""
	}
	c := commandText(text)
	switch {
	case listPhrases[c]:
		return cmdList, ""
	case unfollowPhrases[c]:
		return cmdUnfollow, ""
	case followPhrases[c]:
		return cmdFollow, ""
	}
	return cmdNone, ""
}

// Middleware is the service in front of the engine on the chat channels:
// "tin mới" lists the current announcements, a tap reads one, "theo dõi" /
// "đăng ký nhận tin" follows the topic of the last answer (or every
// announcement), "hủy theo dõi" stops; every other message goes to the
// engine, and its reply gets the announcements pending for this follower
// (once) and, for an answer about a guide a current announcement names,
// one line with its title and a way to read it.
func (s *Service) Middleware() bot.Middleware { return s.middleware(true) }

// Annotate is Middleware without following (for /api/v1/ask, which has no
// channel to deliver to): the announcement line on answers, "tin mới" and
// reading an announcement.
func (s *Service) Annotate() bot.Middleware { return s.middleware(false) }

func (s *Service) middleware(follow bool) bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, m bot.Message) (bot.Reply, error) {
			if m.Kind == bot.KindAgentEcho {
				return next(ctx, m)
			}
			now := s.cfg.Now()
			switch cmd, arg := parseCommand(m); cmd {
			case cmdList:
				return s.listReply(now), nil
			case cmdRead:
				if a, ok := s.published(arg, now); ok {
					return s.readReply(a, now), nil
				}
				return bot.Reply{Action: bot.ActionGreeting, Text: "Bản tin này không còn nữa. Nhắn \"tin mới\" để xem các bản tin đang có hiệu lực."}, nil
			case cmdFollow:
				if follow {
					return s.followReply(ctx, m, arg, now)
				}
			case cmdUnfollow:
				if follow {
					return s.unfollowReply(ctx, m)
				}
			}
			rep, err := next(ctx, m)
			if err != nil || rep.Action == bot.ActionSilent {
				return rep, err
			}
			var delivered []string
			if follow {
				if delivered, err = s.deliverPending(ctx, m, &rep, now); err != nil {
					return bot.Reply{}, err
				}
			}
			s.addLine(&rep, now, delivered)
			return rep, nil
		}
	}
}

// addLine adds one line naming the newest current announcement about the
// answered guide, with an option to read it.
func (s *Service) addLine(rep *bot.Reply, now time.Time, skip []string) {
	if rep.Action != bot.ActionAnswer || rep.GuideID == "" {
		return
	}
	var about []Announcement
	for _, a := range s.Current(now) {
		if a.About(rep.GuideID) && !slices.Contains(skip, a.ID) {
			about = append(about, a)
		}
	}
	if len(about) == 0 {
		return
	}
	a := about[0]
	line := "Bản tin: “" + a.Title + "” – bấm \"Đọc bản tin\" hoặc nhắn \"tin mới\" để đọc."
	if len(about) > 1 {
		line = fmt.Sprintf("Bản tin: “%s” và %d bản tin khác về thủ tục này – nhắn \"tin mới\" để đọc.", a.Title, len(about)-1)
	}
	rep.Text = strings.TrimRight(rep.Text, "\n") + "\n\n" + line
	rep.Options = append(rep.Options, bot.Option{Label: "Đọc bản tin", Payload: PayloadRead + a.ID})
}

// deliverPending adds to rep the announcements waiting for this follower
// and marks them delivered with message m (a message answered again after
// a crash carries the same ones). It also keeps the follower's last message
// time, the start of their reply window.
func (s *Service) deliverPending(ctx context.Context, m bot.Message, rep *bot.Reply, now time.Time) ([]string, error) {
	var ids []string
	err := s.updateFollower(ctx, followerKey(m.Conversation()), func(f *Follower, found bool) (bool, error) {
		ids = nil
		if !found {
			return false, nil
		}
		write := false
		if t := lastUser(m, now, f.LastUser); t.Sub(f.LastUser) >= touchInterval {
			f.LastUser, write = t, true
		}
		switch {
		case f.Delivered != nil && f.Delivered.MsgID == m.ID && m.ID != "":
			ids = f.Delivered.IDs
		case len(f.Pending) > 0:
			ids = f.Pending
			f.Pending = nil
			f.Delivered = &Delivery{MsgID: m.ID, IDs: ids}
			write = true
		}
		return write, nil
	})
	if err != nil {
		return nil, fmt.Errorf("news: pending announcements: %w", err)
	}
	var parts []string
	var shown []string
	for _, id := range ids {
		a, ok := s.published(id, now)
		if !ok || !a.Current(now) {
			continue // withdrawn or expired since: old news is not delivered
		}
		shown = append(shown, id)
		parts = append(parts, "“"+a.Title+"” ("+a.Period()+")\n"+clip(a.Body, pendingRunes))
	}
	if len(parts) > 0 {
		rep.Text = strings.TrimRight(rep.Text, "\n") + "\n\n— Bản tin về thủ tục bạn theo dõi —\n" + strings.Join(parts, "\n\n")
	}
	return shown, nil
}

func (s *Service) listReply(now time.Time) bot.Reply {
	cur := s.Current(now)
	if len(cur) == 0 {
		return bot.Reply{Action: bot.ActionGreeting, Text: "Hiện chưa có bản tin nào đang có hiệu lực. Bạn nhắn \"đăng ký nhận tin\" để nhận bản tin khi có."}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Bản tin đang có hiệu lực (%d):", len(cur))
	r := bot.Reply{Action: bot.ActionGreeting}
	for i, a := range cur {
		if i == listShown {
			fmt.Fprintf(&b, "\n\n(còn %d bản tin nữa)", len(cur)-listShown)
			break
		}
		fmt.Fprintf(&b, "\n\n%d. %s (%s)\n%s", i+1, a.Title, a.Period(), clip(a.Body, summaryRunes))
		r.Options = append(r.Options, bot.Option{Label: fmt.Sprintf("Đọc bản tin %d", i+1), Payload: PayloadRead + a.ID})
	}
	r.Text = b.String()
	return r
}

func (s *Service) readReply(a Announcement, now time.Time) bot.Reply {
	var b strings.Builder
	b.WriteString(a.Title + "\n(" + a.Period())
	if !a.Current(now) {
		b.WriteString("; đã hết hiệu lực")
	}
	b.WriteString(")\n\n" + clip(a.Body, pushRunes))
	r := bot.Reply{Action: bot.ActionGreeting}
	var titles []string
	for _, g := range a.Guides {
		t := s.title(g)
		titles = append(titles, t)
		r.Options = append(r.Options, bot.Option{Label: t, Payload: bot.PayloadGuide + g})
	}
	if len(titles) > 0 {
		b.WriteString("\n\nThủ tục liên quan: " + strings.Join(titles, "; ") + ".")
		r.Options = append(r.Options, bot.Option{Label: "Theo dõi", Payload: PayloadFollow + ":" + a.Guides[0]})
	}
	r.Text = b.String()
	return r
}

func (s *Service) followReply(ctx context.Context, m bot.Message, guide string, now time.Time) (bot.Reply, error) {
	if guide == "" && s.cfg.Sessions != nil {
		sess, err := s.cfg.Sessions.Load(ctx, m.Conversation())
		if err != nil {
			return bot.Reply{}, fmt.Errorf("news: session: %w", err)
		}
		guide = sess.LastGuide
	}
	if guide != "" && !s.exists(guide) {
		guide = ""
	}
	if guide == "" {
		guide = AllGuides
	}
	added, err := s.follow(ctx, m, guide)
	if err != nil {
		return bot.Reply{}, err
	}
	var b strings.Builder
	topic := "thủ tục “" + s.title(guide) + "”"
	if guide == AllGuides {
		topic = "mọi bản tin về thủ tục hành chính"
	}
	if added {
		b.WriteString("Bạn đã đăng ký theo dõi " + topic + ". ")
	} else {
		b.WriteString("Bạn đã theo dõi " + topic + " từ trước. ")
	}
	b.WriteString("Khi có bản tin mới, mình gửi cho bạn " + s.pushNote(m.Channel) + "; nếu không, mình gửi kèm câu trả lời lần tới bạn nhắn tin. " +
		"Mình không gửi tin quảng cáo. Nhắn \"hủy theo dõi\" để dừng.")
	r := bot.Reply{Action: bot.ActionGreeting, Options: []bot.Option{{Label: "Hủy theo dõi", Payload: PayloadUnfollow}}}
	var titles []string
	for _, a := range s.Current(now) {
		if guide == AllGuides || a.About(guide) {
			titles = append(titles, "“"+a.Title+"”")
		}
	}
	if len(titles) > 0 {
		b.WriteString("\n\nĐang có bản tin: " + strings.Join(titles, ", ") + " – nhắn \"tin mới\" để đọc.")
	}
	r.Text = b.String()
	return r, nil
}

// pushNote says when an announcement reaches a follower on ch at once
// (the channel's PushNote).
func (s *Service) pushNote(ch bot.Channel) string {
	if in, ok := s.cfg.Channels.Get(ch); ok && in.PushNote != "" {
		return in.PushNote
	}
	return "khi bạn nhắn tin"
}

func (s *Service) unfollowReply(ctx context.Context, m bot.Message) (bot.Reply, error) {
	had, err := s.unfollow(ctx, m.Conversation())
	if err != nil {
		return bot.Reply{}, err
	}
	if !had {
		return bot.Reply{Action: bot.ActionGreeting, Text: "Bạn chưa theo dõi thủ tục nào. Muốn nhận bản tin, nhắn \"đăng ký nhận tin\"."}, nil
	}
	return bot.Reply{Action: bot.ActionGreeting, Text: "Đã hủy theo dõi: mình sẽ không gửi bản tin cho bạn nữa. Muốn nhận lại, nhắn \"đăng ký nhận tin\"."}, nil
}

// clip cuts s to at most n runes at a word boundary, adding "…".
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}
