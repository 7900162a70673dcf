package editor

import (
	"testing"

	"botdvc/pipeline"
)

// TestEveryChannelIsKnown: every channel the pipeline carries has its own
// colour in the editors' charts (doc/architecture.md, "Adding a channel").
func TestEveryChannelIsKnown(t *testing.T) {
	for _, ch := range pipeline.Channels {
		if _, ok := channelColors[string(ch)]; !ok {
			t.Errorf("channel %q has no colour in the charts (channelColors); see doc/architecture.md, Adding a channel", ch)
		}
	}
}
