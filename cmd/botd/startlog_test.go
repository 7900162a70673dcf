package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"botdvc/hotline"
)

// TestStartLogEffectiveValues: the start line shows the values in force,
// not the unset settings (issue 15: hotline_hours="" and workers=0).
func TestStartLogEffectiveValues(t *testing.T) {
	c, err := LoadConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("botd starting", "config", c)
	var line struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if got := line.Config["hotline_hours"]; got != hotline.DefaultHoursSpec {
		t.Errorf("hotline_hours = %v, want %q", got, hotline.DefaultHoursSpec)
	}
	if got, _ := line.Config["workers"].(float64); got < 1 || int(got) != c.EffectiveWorkers() {
		t.Errorf("workers = %v, want the effective %d", line.Config["workers"], c.EffectiveWorkers())
	}
	if _, err := hotline.ParseHours(hotline.DefaultHoursSpec); err != nil {
		t.Fatal(err)
	}
	if hotline.DefaultHours().String() != mustHours(t, hotline.DefaultHoursSpec).String() {
		t.Error("DefaultHoursSpec does not say DefaultHours")
	}
	c.Workers = 3
	if c.EffectiveWorkers() != 3 {
		t.Errorf("EffectiveWorkers with BOT_WORKERS=3: %d", c.EffectiveWorkers())
	}
}

func mustHours(t *testing.T, s string) hotline.Hours {
	h, err := hotline.ParseHours(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestStartLogCatalogue: with BOT_CATALOG the log says what botd is doing
// while it reads and indexes (issue 15: seconds of silence) and names each
// record with a problem by line and code (issue 15: "problems=1").
func TestStartLogCatalogue(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "catalogue.jsonl")
	rec := func(code, title string) string {
		return `{"ma_thu_tuc": "` + code + `", "ten_thu_tuc": "` + title + `", "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x", "linh_vuc": "Hộ tịch", "cap_thuc_hien": "Cấp xã", "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp1 Ngày làm việcMiễn phí"}`
	}
	lines := []string{rec("1.000001", "Thủ tục thử một"), `{"ten_thu_tuc": "Không có mã"}`, rec("1.000003", "Thủ tục thử ba")}
	if err := os.WriteFile(cat, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", filepath.Join(dir, "data"), "-catalog", cat}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg)
	var logs bytes.Buffer
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	order := []string{
		`msg="loading the national catalogue" file=` + cat,
		`msg="catalogue record with a problem" line=2 code="" dropped=true problem="no ma_thu_tuc (procedure code)"`,
		`msg="catalogue loaded" procedures=2 problems=1`,
		`msg="opening the search index" guides=`,
		`msg="preparing the answer engine"`,
		`msg="applying the editors' published changes"`,
		`msg="botd ready"`,
	}
	at := 0
	for _, want := range order {
		i := strings.Index(logs.String()[at:], want)
		if i < 0 {
			t.Fatalf("log lacks %q (after the previous lines):\n%s", want, logs.String())
		}
		at += i
	}
}

// TestZaloAckBadSignatureSetting: ZALO_ACK_BAD_SIGNATURE reaches the Zalo
// webhook (issue 15: zalo.Config.AckBadSignature had no setting): a body
// whose signature does not verify is answered 200 and dropped.
func TestZaloAckBadSignatureSetting(t *testing.T) {
	env := map[string]string{
		"ZALO_APP_ID": "zalo-app", "ZALO_OA_SECRET": "oa-secret", "ZALO_ACCESS_TOKEN": "AT",
		"ZALO_API_URL": "http://127.0.0.1:9", "ZALO_OAUTH_URL": "http://127.0.0.1:9",
	}
	ts := fmt.Sprint(time.Now().UnixMilli())
	body := `{"event_name":"user_send_text","app_id":"zalo-app","sender":{"id":"ZUSER-9"},"recipient":{"id":"OA1"},"message":{"text":"xin chào","msg_id":"zmsg-ack-1"},"timestamp":"` + ts + `"}`
	sum := sha256.Sum256([]byte("zalo-app" + body + ts + "wrong-secret"))
	bad := "mac=" + hex.EncodeToString(sum[:])
	for _, c := range []struct {
		ack  string
		want int
	}{{"", 401}, {"true", 200}} {
		env["ZALO_ACK_BAD_SIGNATURE"] = c.ack
		m := MustRunMain(t, t.TempDir(), env)
		if code := postSigned(t, m.URL()+"/webhooks/zalo", "X-ZEvent-Signature", bad, body); code != c.want {
			t.Errorf("ZALO_ACK_BAD_SIGNATURE=%q: bad signature answered %d, want %d", c.ack, code, c.want)
		}
		mreq, _ := http.NewRequest("GET", m.URL()+"/metrics", nil)
		mreq.Header.Set("Authorization", "Bearer "+testMetricsToken)
		resp, err := http.DefaultClient.Do(mreq)
		if err != nil {
			t.Fatal(err)
		}
		metrics := readAll(resp)
		if strings.Contains(metrics, `bot_messages_in_total{channel="zalo",result="accepted"}`) {
			t.Errorf("a badly signed message was accepted")
		}
		if !strings.Contains(metrics, "bot_zalo_bad_signature_total 1") {
			t.Errorf("the bad signature was not counted")
		}
		m.Close()
	}
	if _, err := LoadConfig(nil, func(k string) string {
		if k == "ZALO_ACK_BAD_SIGNATURE" {
			return "maybe"
		}
		return ""
	}, io.Discard); err == nil || !strings.Contains(err.Error(), "ZALO_ACK_BAD_SIGNATURE") {
		t.Errorf("a bad value: %v", err)
	}
}

// TestHelpExitsZero: botd -h describes botd and is not an error (main exits 0 on flag.ErrHelp).
func TestHelpExitsZero(t *testing.T) {
	var out bytes.Buffer
	_, err := LoadConfig([]string{"-h"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"botd: the citizen help service", "botd healthcheck", "-hotline-hours", "($BOT_HOTLINE_HOURS)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q", want)
		}
	}
	if _, err := LoadConfig([]string{"-nope"}, func(string) string { return "" }, io.Discard); errors.Is(err, flag.ErrHelp) || !errors.Is(err, errUsage) {
		t.Errorf("a wrong flag: %v", err)
	}
}

// TestDataDirInUse: a second botd on a data directory in use stops at once
// with a message naming the holder (it used to wait for the index's file
// lock forever, silently, and ignore Ctrl-C); after the first closes, it starts.
func TestDataDirInUse(t *testing.T) {
	dir := t.TempDir()
	first := MustRunMain(t, dir, nil)
	cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	second := NewMain(cfg)
	second.Logger = slog.New(slog.DiscardHandler)
	done := make(chan error, 1)
	go func() { done <- second.Run(context.Background()) }()
	select {
	case err := <-done:
		second.Close()
		if err == nil || !strings.Contains(err.Error(), "is in use by another botd (pid "+fmt.Sprint(os.Getpid())+")") {
			t.Fatalf("second botd on the same data dir: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second botd on the same data dir still starting after 10s")
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third := MustRunMain(t, dir, nil)
	third.Close()
}
