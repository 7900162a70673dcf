package complaint

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
)

func mustContain(t *testing.T, r bot.Reply, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Text, w) {
			t.Fatalf("reply lacks %q:\n%s", w, r.Text)
		}
	}
}

func codeOf(t *testing.T, r bot.Reply) string {
	t.Helper()
	code, valid, found := FindCode(r.Text)
	if !found || !valid {
		t.Fatalf("no valid code in %q", r.Text)
	}
	return code
}

// A first message that says everything: nothing is asked again but the
// consent for the phone number it holds.
func TestIntakeRichFirstMessage(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(t, clk)
	c := newChat(t, d, clk, bot.Zalo, "zalo-user-1")
	r := c.say("Tôi muốn phản ánh cán bộ phường Cầu Giấy hẹn đi hẹn lại nhiều lần khi tôi làm căn cước cho con, hôm qua lại bảo thiếu giấy tờ. SĐT của tôi 0912 345 678")
	mustContain(t, r, "ghi lại phản ánh", "số điện thoại kết thúc bằng 678", "đồng ý")
	if strings.Contains(r.Text, "0912") {
		t.Errorf("the reply repeats the phone number: %s", r.Text)
	}
	r = c.tap(payloadYes)
	mustContain(t, r, "Mình đọc lại", "Cấp thẻ căn cước", "phường Cầu Giấy", "hôm qua", "kết thúc bằng 678", "\"gửi\"")
	r = c.say("gửi")
	code := codeOf(t, r)
	mustContain(t, r, "10 ngày làm việc", "15/06/2026", "tra cứu phản ánh "+code)
	got, err := d.Get(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if got.ProcedureID != "cap-the-can-cuoc-lan-dau" || got.Place != "phường Cầu Giấy" || got.When != "hôm qua" ||
		got.Contact != "0912345678" || !got.Consent || got.Status != StatusReceived || got.Channel != bot.Zalo {
		t.Errorf("case = %+v", got)
	}
	if strings.Contains(got.Text, "0912") || !strings.Contains(got.Text, "[số điện thoại]") {
		t.Errorf("text not redacted: %q", got.Text)
	}
	// After filing, the conversation is the engine's again.
	if r := c.say("đăng ký khai sinh cần giấy tờ gì"); r.Text != "engine" {
		t.Errorf("after filing: %q", r.Text)
	}
}

// A thin start asks what happened; "bỏ qua", a typed option number, "không"
// move on; extra text at the read-back is added; "hủy" files nothing.
func TestIntakeAsksSkipsCancels(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(t, clk)
	c := newChat(t, d, clk, bot.Web, "web-session-0123456789")
	mustContain(t, c.say("tôi muốn phản ánh"), "chuyện gì đã xảy ra")
	mustContain(t, c.say("cán bộ tiếp dân thái độ quát nạt, không hướng dẫn gì cho người dân"), "thủ tục nào")
	mustContain(t, c.say("bỏ qua"), "phường, xã nào")
	mustContain(t, c.say("ở xã Minh Quang"), "khi nào")
	mustContain(t, c.say("1"), "số điện thoại hoặc email") // option 1 is "Bỏ qua"
	r := c.say("không")
	mustContain(t, r, "Mình đọc lại", "quát nạt", "xã Minh Quang", "Thủ tục, cơ quan: không nêu", "Liên hệ: không để lại")
	mustContain(t, c.say("hôm đó rất đông người chờ"), "hôm đó rất đông người chờ")
	mustContain(t, c.say("hủy"), "đã hủy")
	if n := len(d.List(Filter{})); n != 0 {
		t.Errorf("%d complaints filed after hủy", n)
	}
	if r := c.say("cảm ơn"); r.Text != "engine" {
		t.Errorf("after hủy: %q", r.Text)
	}
}

// Questions about how to complain, and ordinary questions, go to the engine.
func TestIntakeLeavesQuestions(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(t, clk)
	c := newChat(t, d, clk, bot.Web, "web-session-0123456789")
	for _, q := range []string{"làm sao gửi kiến nghị về thủ tục rườm rà", "phản ánh ở đâu", "đăng ký khai sinh cần giấy tờ gì", "xin chào"} {
		if r := c.say(q); r.Text != "engine" {
			t.Errorf("%q went to the intake: %q", q, r.Text)
		}
	}
}

// A redelivered message gets the same reply and does not move the draft;
// a redelivered "gửi" gets the same code.
func TestIntakeRedelivery(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(t, clk)
	c := newChat(t, d, clk, bot.Messenger, "psid-1")
	c.say("Tôi muốn phản ánh cán bộ tiếp dân ở phường Hoàn Kiếm gây khó dễ khi đăng ký tạm trú, hôm qua")
	m := bot.Message{ID: "dup-1", Text: "bỏ qua"}
	r1, r2 := c.msg(m), c.msg(m)
	if r1.Text != r2.Text {
		t.Fatalf("redelivery answered differently:\n%s\n---\n%s", r1.Text, r2.Text)
	}
	mustContain(t, r1, "Mình đọc lại")
	send := bot.Message{ID: "send-1", Text: "gửi"}
	code1, code2 := codeOf(t, c.msg(send)), codeOf(t, c.msg(send))
	if code1 != code2 || len(d.List(Filter{})) != 1 {
		t.Fatalf("redelivered gửi: %s, %s, %d complaints", code1, code2, len(d.List(Filter{})))
	}
}

// A photo sent during the intake is kept in the object store.
func TestIntakeKeepsAttachments(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nfake receipt")
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/receipt.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}))
	defer files.Close()
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(t, clk)
	c := newChat(t, d, clk, bot.Messenger, "psid-2")
	c.say("Tôi muốn phản ánh phường Cầu Giấy thu tiền ngoài quy định khi làm căn cước cho con hôm qua")
	r := c.msg(bot.Message{Kind: bot.KindAttachment, Attachments: []bot.Attachment{
		{Type: "image", URL: files.URL + "/receipt.png"}, {Type: "image", URL: files.URL + "/missing.png"}}})
	mustContain(t, r, "đã lưu 2 tệp")
	c.say("không")
	code := codeOf(t, c.say("gửi"))
	got, _ := d.Get(context.Background(), code)
	if len(got.Files) != 2 || got.Files[0].Object == "" || got.Files[0].MIME != "image/png" || got.Files[1].Error == "" || got.Files[1].URL == "" {
		t.Fatalf("files = %+v", got.Files)
	}
	b, err := d.st.files.GetBytes(context.Background(), got.Files[0].Object)
	if err != nil || string(b) != string(png) {
		t.Fatalf("stored file: %q %v", b, err)
	}
}

// Staff answer: it goes to the citizen's channel at once when the window
// allows, "tra cứu" shows it in that conversation only, "hài lòng" is kept.
func TestAnswerLookupAndSatisfaction(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, out := MustOpenDesk(t, clk)
	ctx := context.Background()
	c := newChat(t, d, clk, bot.Zalo, "zalo-user-2")
	c.say("Tôi muốn phản ánh phường Hồng Hà trả kết quả đăng ký khai sinh chậm 5 ngày so với giấy hẹn, tuần trước")
	c.say("bỏ qua")
	code := codeOf(t, c.say("gửi"))
	if _, err := d.SetStatus(ctx, code, "lan", StatusRequest{Status: StatusForwarded, Agency: "UBND phường Hồng Hà"}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.say("tra cứu phản ánh "+code), "đã chuyển cơ quan xử lý", "UBND phường Hồng Hà", "Hạn trả lời")
	clk.Add(48 * time.Hour)
	const answer = "UBND phường Hồng Hà đã kiểm tra, xin lỗi bạn và trả kết quả ngày 10/6. Liên hệ bộ phận một cửa: 024 3825 1234."
	if _, err := d.Answer(ctx, code, "lan", answer); err != nil {
		t.Fatal(err)
	}
	sent := out.all()
	if len(sent) != 1 || sent[0].Channel != bot.Zalo || sent[0].UserID != "zalo-user-2" || sent[0].Staff != "lan" ||
		!strings.Contains(sent[0].Reply.Text, answer) || len(sent[0].Reply.Options) != 2 {
		t.Fatalf("sent = %+v", sent)
	}
	got, _ := d.Get(ctx, code)
	if got.Status != StatusAnswered || got.Delivered.IsZero() || !got.OnTime() {
		t.Errorf("case after answer: %+v", got)
	}
	mustContain(t, c.say("tra cứu phản ánh "+code), "Trả lời:", "xin lỗi bạn")
	other := newChat(t, d, clk, bot.Web, "someone-else-0123456789")
	r := other.say("tra cứu phản ánh " + code)
	mustContain(t, r, "đã trả lời", "đã được gửi cho người phản ánh")
	if strings.Contains(r.Text, "xin lỗi bạn") {
		t.Errorf("another conversation sees the unpublished answer: %s", r.Text)
	}
	mustContain(t, c.say("hài lòng"), "Cảm ơn")
	if got, _ := d.Get(ctx, code); got.Satisfied != "yes" {
		t.Errorf("satisfied = %q", got.Satisfied)
	}
	// A wrong digit is caught by the check digit.
	bad := code[:len(code)-1] + string('0'+(code[len(code)-1]-'0'+1)%10)
	mustContain(t, c.say("tra cứu phản ánh "+bad), "không đúng")
}

// An answer after Messenger's 7-day window waits for the citizen's next
// message, then goes out with it.
func TestAnswerWaitsForWindow(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, out := MustOpenDesk(t, clk)
	ctx := context.Background()
	c := newChat(t, d, clk, bot.Messenger, "psid-3")
	c.say("Tôi muốn phản ánh cán bộ phường Tây Hồ thái độ không tốt khi tôi đăng ký tạm trú, sáng nay")
	c.say("bỏ qua")
	code := codeOf(t, c.say("gửi"))
	clk.Add(8 * 24 * time.Hour)
	if _, err := d.Answer(ctx, code, "lan", "Phường đã nhắc nhở cán bộ và xin lỗi bạn."); err != nil {
		t.Fatal(err)
	}
	if n := len(out.all()); n != 0 {
		t.Fatalf("sent outside the window: %d", n)
	}
	if got, _ := d.Get(ctx, code); !got.Delivered.IsZero() || got.Status != StatusAnswered {
		t.Fatalf("case: %+v", got)
	}
	if r := c.say("xin chào"); r.Text != "engine" {
		t.Errorf("the message itself is answered by the engine: %q", r.Text)
	}
	sent := out.all()
	if len(sent) != 1 || !strings.Contains(sent[0].Reply.Text, "nhắc nhở cán bộ") || sent[0].UserID != "psid-3" {
		t.Fatalf("sent = %+v", sent)
	}
	if got, _ := d.Get(ctx, code); got.Delivered.IsZero() {
		t.Errorf("not marked delivered")
	}
}

// An answer that cannot be put on the outbound stream is kept and goes out
// with the citizen's next message; Active tells the conversation has a
// complaint not yet closed.
func TestAnswerNotSentIsKept(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, out := MustOpenDesk(t, clk)
	ctx := context.Background()
	c := newChat(t, d, clk, bot.Web, "web-session-kept-012345")
	c.say("Tôi muốn phản ánh phường Hoàn Kiếm chậm trả kết quả đăng ký khai sinh, tuần trước")
	c.say("bỏ qua")
	code := codeOf(t, c.say("gửi"))
	if active, err := d.Active(ctx, bot.Web, "web-session-kept-012345"); err != nil || !active {
		t.Fatalf("Active = %v, %v", active, err)
	}
	out.setDown(true)
	if _, err := d.Answer(ctx, code, "lan", "Phường đã trả kết quả, xin lỗi bạn."); !errors.Is(err, ErrNotSent) {
		t.Fatalf("Answer with the stream down: %v, want ErrNotSent", err)
	}
	out.setDown(false)
	c.say("cảm ơn")
	if sent := out.all(); len(sent) != 1 || !strings.Contains(sent[0].Reply.Text, "xin lỗi bạn") {
		t.Fatalf("kept answer not sent with the next message: %+v", sent)
	}
	if got, _ := d.Get(ctx, code); got.Delivered.IsZero() {
		t.Error("not marked delivered")
	}
	if _, err := d.SetStatus(ctx, code, "lan", StatusRequest{Status: StatusClosed}); err != nil {
		t.Fatal(err)
	}
	if active, _ := d.Active(ctx, bot.Web, "web-session-kept-012345"); active {
		t.Error("Active after close")
	}
}
