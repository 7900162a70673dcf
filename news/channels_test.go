package news

import (
	"testing"

	"botdvc/pipeline"
)

// TestEveryChannelIsKnown: every channel the pipeline carries tells its
// followers when an announcement reaches them (windowText, with the rule in
// Service.inWindow; doc/architecture.md, "Adding a channel").
func TestEveryChannelIsKnown(t *testing.T) {
	unknown := windowText("")
	for _, ch := range pipeline.Channels {
		if windowText(ch) == unknown {
			t.Errorf("channel %q has no delivery sentence (windowText) or rule (Service.inWindow); see doc/architecture.md, Adding a channel", ch)
		}
	}
}
