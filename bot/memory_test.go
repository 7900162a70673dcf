package bot

import (
	"context"
	"testing"
	"time"
)

func TestMemorySessionsTTL(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ms := NewMemorySessions(30 * time.Minute)
	ms.Now = func() time.Time { return now }

	if s, err := ms.Load(ctx, "web:1"); err != nil || s.LastGuide != "" {
		t.Fatalf("fresh Load = %+v, %v; want zero session", s, err)
	}
	s := Session{LastGuide: "dang-ky-khai-sinh", Options: []string{"a", "b"}}
	if err := ms.Save(ctx, "web:1", s); err != nil {
		t.Fatal(err)
	}
	s.Options[0] = "changed" // the store keeps its own copy
	now = now.Add(29 * time.Minute)
	got, _ := ms.Load(ctx, "web:1")
	if got.LastGuide != "dang-ky-khai-sinh" || got.Options[0] != "a" {
		t.Fatalf("Load before TTL = %+v", got)
	}
	now = now.Add(2 * time.Minute)
	if got, _ := ms.Load(ctx, "web:1"); got.LastGuide != "" {
		t.Fatalf("Load after TTL = %+v, want zero session", got)
	}
}
