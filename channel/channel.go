// Package channel describes a channel (Zalo OA, Messenger, the web chat…)
// to the parts of the service that are not its adapter: the hotline
// console, the announcements, the complaints desk, the editors' charts and
// the pipeline (its outbound subjects, its dedup ids). Each adapter package returns
// its Info when it opens (webhooks.Channel); cmd/botd collects them into a
// Registry and hands it to those parts, which ask it instead of switching
// on a channel's id. It imports only the standard library and bot, so the
// domain packages can depend on it without depending on any adapter.
package channel

import (
	"time"

	"botdvc/bot"
)

// Window is a channel's reply window for one conversation, counted from
// the citizen's last message. Zero times mean no limit (the web chat).
type Window struct {
	// Standard is the end of the ordinary window: after it a reply needs
	// something more (Messenger: the HUMAN_AGENT tag; Zalo: it may be
	// billed).
	Standard time.Time `json:"standard,omitzero"`
	// Final is the last moment a reply can be delivered at all; replies
	// after it are refused before they reach the platform.
	Final time.Time `json:"final,omitzero"`
}

// Info is what the service knows about one channel besides its adapter.
// Only ID and Label are required; a nil function means the channel has
// nothing to say there (no platform window, no announcements pushed, no
// free-message count).
type Info struct {
	ID bot.Channel
	// UniqueIDs tells that the platform makes its message ids unique
	// across all the channel's users (Zalo's msg_id, Messenger's mid), so
	// the pipeline drops a redelivered message by channel and id alone
	// (its dedup id "zalo:<msg_id>"). False, the safe default, is for ids
	// a client chooses (the web chat's browser), unique only per user: the
	// dedup id then also holds a hash of the user id, so two users may both
	// send a message "1".
	UniqueIDs bool
	// Label names the channel for staff: the hotline console, botctl, the
	// complaints desk ("Zalo").
	Label string
	// LongLabel names it where Label could be confused with something else
	// (the complaints desk lists the web form beside the web chat); Label
	// when empty.
	LongLabel string
	// Color is the channel's colour in the editors' charts ("#0068ff").
	Color string
	// Window returns the platform's reply window for a citizen who last
	// wrote at last; nil: the platform sets none.
	Window func(last time.Time) Window
	// PastStandard is the console's short tag on a ticket whose standard
	// window has passed ("quá 24 giờ: gửi kèm HUMAN_AGENT").
	PastStandard string
	// Note is the console's line about a ticket's reply window now, for
	// the citizen userID (w is the ticket's window).
	Note func(userID string, w Window, now time.Time) string
	// FreeLeft returns how many free messages the platform still allows
	// the citizen userID (known false: this instance does not know).
	FreeLeft func(userID string) (left int, known bool)
	// Push returns until when a message the citizen did not ask for (an
	// announcement to a follower) reaches them, if they last wrote at
	// last; nil: never, it waits for their next message.
	Push func(last time.Time) time.Time
	// PushNote finishes the announcements' sentence "Khi có bản tin mới,
	// mình gửi cho bạn …" with when that is ("ngay nếu bạn đã nhắn cho
	// trang trong vòng 24 giờ trước đó").
	PushNote string
}

// Registry is the channels the service carries, in the order they were
// registered (which is also the order of their outbound subjects). A nil
// *Registry is empty. It is not changed after it is built, so it is safe
// for concurrent use.
type Registry struct {
	list []Info
	byID map[bot.Channel]int
}

// NewRegistry returns a registry of the channels given; a later Info with
// the same ID replaces an earlier one, in the earlier one's place.
func NewRegistry(infos ...Info) *Registry {
	r := &Registry{byID: map[bot.Channel]int{}}
	for _, in := range infos {
		if i, ok := r.byID[in.ID]; ok {
			r.list[i] = in
			continue
		}
		r.byID[in.ID] = len(r.list)
		r.list = append(r.list, in)
	}
	return r
}

// Get returns the channel ch, and whether it is registered.
func (r *Registry) Get(ch bot.Channel) (Info, bool) {
	if r == nil {
		return Info{}, false
	}
	i, ok := r.byID[ch]
	if !ok {
		return Info{}, false
	}
	return r.list[i], true
}

// All returns every channel, in registration order.
func (r *Registry) All() []Info {
	if r == nil {
		return nil
	}
	return append([]Info(nil), r.list...)
}

// IDs returns every channel's id, in registration order.
func (r *Registry) IDs() []bot.Channel {
	var ids []bot.Channel
	for _, in := range r.All() {
		ids = append(ids, in.ID)
	}
	return ids
}

// Label names ch for staff: its Label, or its id when it has none or is
// not registered.
func (r *Registry) Label(ch bot.Channel) string {
	if in, ok := r.Get(ch); ok && in.Label != "" {
		return in.Label
	}
	return string(ch)
}

// Window returns ch's reply window for a citizen who last wrote at last:
// zero (no limit) when the channel sets none or is not registered.
func (r *Registry) Window(ch bot.Channel, last time.Time) Window {
	if in, ok := r.Get(ch); ok && in.Window != nil {
		return in.Window(last)
	}
	return Window{}
}
