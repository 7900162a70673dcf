package complaint

import (
	"testing"

	"botdvc/pipeline"
)

// TestEveryChannelIsKnown: every channel the pipeline carries has its name
// on the complaints desk (doc/architecture.md, "Adding a channel").
func TestEveryChannelIsKnown(t *testing.T) {
	for _, ch := range pipeline.Channels {
		if _, ok := channelName(ch); !ok {
			t.Errorf("channel %q has no name on the complaints desk (channelName); see doc/architecture.md, Adding a channel", ch)
		}
	}
}
