package editor

import (
	"botdvc/internal/natstest"

	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"botdvc/knowledge"
)

const sampleGuide = `---
id: cap-phep-thu
title: Cấp phép thử nghiệm
aliases:
  - phép thử
  - giấy phép thử
  - thử nghiệm
domain: thu-nghiem
agency: Ủy ban nhân dân cấp xã
level: cấp xã
online: một phần
fee: Không mất phí.
duration: 3 ngày làm việc.
where: Trung tâm Phục vụ hành chính công cấp xã.
documents:
  - Tờ khai.
steps:
  - Nộp tờ khai.
eligibility: Mọi công dân.
legal_basis:
  - Luật Thử nghiệm
source_url: https://dichvucong.gov.vn/
reviewed: 2026-11-01
---
`

func withFee(md, fee string) string {
	return strings.Replace(md, "fee: Không mất phí.", "fee: "+fee, 1)
}

func TestStoreDraftPublishRollback(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	st, err := Open(ctx, js, map[string][]byte{"cap-phep-thu": []byte(sampleGuide)})
	if err != nil {
		t.Fatal(err)
	}

	// A draft does not change what citizens see.
	if _, err := st.SaveDraft(ctx, "cap-phep-thu", withFee(sampleGuide, "Lệ phí mới."), "bientap"); err != nil {
		t.Fatal(err)
	}
	g, ok, err := st.Current(ctx, "cap-phep-thu")
	if err != nil || !ok || g.Fee != "Không mất phí." {
		t.Fatalf("Current after draft = %q, %v, %v; want the bundled fee", g.Fee, ok, err)
	}

	rev, err := st.Publish(ctx, "cap-phep-thu", "bientap")
	if err != nil {
		t.Fatal(err)
	}
	if rev.Number != 1 {
		t.Errorf("first publish revision = %d, want 1", rev.Number)
	}
	if g, _, _ := st.Current(ctx, "cap-phep-thu"); g.Fee != "Lệ phí mới." {
		t.Errorf("Current after publish fee = %q", g.Fee)
	}
	if _, err := st.Draft(ctx, "cap-phep-thu"); !errors.Is(err, ErrNoDraft) {
		t.Errorf("draft after publish: err = %v, want ErrNoDraft", err)
	}
	if _, err := st.Publish(ctx, "cap-phep-thu", "bientap"); !errors.Is(err, ErrNoDraft) {
		t.Errorf("publish with no draft: err = %v, want ErrNoDraft", err)
	}

	hist, err := st.History(ctx, "cap-phep-thu")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Number != 0 || hist[1].Number != 1 || hist[1].Editor != "bientap" {
		t.Fatalf("history = %+v", hist)
	}

	rb, err := st.Rollback(ctx, "cap-phep-thu", 0, "truongphong")
	if err != nil {
		t.Fatal(err)
	}
	if rb.Number != 2 || rb.Action != ActionRollback {
		t.Errorf("rollback revision = %+v", rb)
	}
	if g, _, _ := st.Current(ctx, "cap-phep-thu"); g.Fee != "Không mất phí." {
		t.Errorf("after rollback fee = %q, want the bundled one", g.Fee)
	}

	if _, err := st.Retire(ctx, "cap-phep-thu", "truongphong"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Current(ctx, "cap-phep-thu"); ok {
		t.Error("retired guide still current")
	}
	if _, err := st.Rollback(ctx, "cap-phep-thu", 3, "x"); err == nil {
		t.Error("rollback to the retiring revision succeeded")
	}
	if _, err := st.Rollback(ctx, "cap-phep-thu", 1, "x"); err != nil {
		t.Errorf("rollback after retire: %v", err)
	}
	if _, ok, _ := st.Current(ctx, "cap-phep-thu"); !ok {
		t.Error("rollback did not restore the retired guide")
	}
}

func TestStoreRefusesInvalidDraft(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	st, err := Open(ctx, js, map[string][]byte{"cap-phep-thu": []byte(sampleGuide)})
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(sampleGuide, "reviewed: 2026-11-01", "reviewed: 2026-13-45", 1)
	_, err = st.SaveDraft(ctx, "cap-phep-thu", bad, "bientap")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("SaveDraft(bad date) err = %v, want *ValidationError", err)
	}
	var pe *knowledge.ParseError
	if !errors.As(ve.Problems[0], &pe) || pe.Line != 23 || pe.Field != "reviewed" {
		t.Errorf("problem = %v, want reviewed at line 23", ve.Problems[0])
	}
	unknown := strings.Replace(sampleGuide, "reviewed: 2026-11-01", "reviewed: 2026-11-01\nrelated:\n  - khong-ton-tai", 1)
	if _, err := st.SaveDraft(ctx, "cap-phep-thu", unknown, "bientap"); !errors.As(err, &ve) {
		t.Errorf("SaveDraft(unknown related) err = %v, want *ValidationError", err)
	}
	if _, err := st.Draft(ctx, "cap-phep-thu"); !errors.Is(err, ErrNoDraft) {
		t.Errorf("an invalid draft was stored: %v", err)
	}
	if g, ok, _ := st.Current(ctx, "cap-phep-thu"); !ok || g.Reviewed.Format("2006-01-02") != "2026-11-01" {
		t.Error("live guide changed by a refused draft")
	}
}

func TestFollowAppliesPublishedChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js := declaredJetStream(t)
	base := map[string][]byte{"cap-phep-thu": []byte(sampleGuide)}
	editorSide, err := Open(ctx, js, base)
	if err != nil {
		t.Fatal(err)
	}
	otherSide, err := Open(ctx, js, base) // a second instance on the same NATS
	if err != nil {
		t.Fatal(err)
	}
	g0, _ := knowledge.ParseGuide("cap-phep-thu.md", []byte(sampleGuide))
	lib := knowledge.NewLibrary(g0)
	ready := make(chan struct{})
	go otherSide.Follow(ctx, Target{Library: lib}, discard(), func() { close(ready) })
	<-ready

	if _, err := editorSide.SaveDraft(ctx, "cap-phep-thu", withFee(sampleGuide, "Bản nháp."), "a"); err != nil {
		t.Fatal(err)
	}
	// The draft must never reach the follower.
	time.Sleep(200 * time.Millisecond)
	if g, _ := lib.Get("cap-phep-thu"); g.Fee != "Không mất phí." {
		t.Fatalf("draft reached the live library: fee %q", g.Fee)
	}
	if _, err := editorSide.Publish(ctx, "cap-phep-thu", "a"); err != nil {
		t.Fatal(err)
	}
	natstest.CheckFor(t, time.Second, 10*time.Millisecond, func() error {
		if g, _ := lib.Get("cap-phep-thu"); g.Fee != "Bản nháp." {
			return errors.New("published fee not applied: " + g.Fee)
		}
		return nil
	})
	if _, err := editorSide.Retire(ctx, "cap-phep-thu", "a"); err != nil {
		t.Fatal(err)
	}
	natstest.CheckFor(t, time.Second, 10*time.Millisecond, func() error {
		if _, ok := lib.Get("cap-phep-thu"); ok {
			return errors.New("retired guide still in library")
		}
		return nil
	})
}

func TestFollowAppliesSynonyms(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js := declaredJetStream(t)
	st, err := Open(ctx, js, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	ready := make(chan struct{})
	go st.Follow(ctx, Target{Synonyms: func(r string) error { got <- r; return nil }}, discard(), func() { close(ready) })
	<-ready
	if err := st.SetSynonyms(ctx, "giấy chào đời => giấy khai sinh"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r != "giấy chào đời => giấy khai sinh" {
			t.Errorf("rules = %q", r)
		}
	case <-time.After(time.Second):
		t.Fatal("synonym rules not followed within a second")
	}
}
