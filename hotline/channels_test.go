package hotline

import (
	"testing"

	"botdvc/bot"
	"botdvc/pipeline"
)

// TestEveryChannelIsKnown: every channel the pipeline carries has its name
// in the console and a decided reply window, so a new channel cannot reach
// staff as a raw id with no window (doc/architecture.md, "Adding a
// channel").
func TestEveryChannelIsKnown(t *testing.T) {
	windowless := map[bot.Channel]bool{bot.Web: true} // the web chat: no platform limit
	for _, ch := range pipeline.Channels {
		if _, ok := channelName(ch); !ok {
			t.Errorf("channel %q has no name in the console (channelName); see doc/architecture.md, Adding a channel", ch)
		}
		if w := WindowFor(ch, tuesdayMorning); w.Final.IsZero() != windowless[ch] {
			t.Errorf("channel %q: reply window %+v not decided (WindowFor; windowless here only if the platform has no limit)", ch, w)
		}
	}
}
