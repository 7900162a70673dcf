package complaint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"botdvc/bot"
)

// Intake returns the chat middleware, placed after the hotline's (a
// conversation with staff stays with staff) and before the engine and the
// outcome recorder (a complaint's turns are not questions). For each
// message it:
//
//   - sends answers that waited for the channel's window (the citizen just
//     wrote, so the window is open) and notes the time of the message;
//   - takes "hài lòng" / "chưa hài lòng" after an answer;
//   - answers "tra cứu phản ánh PA-…" (status, and the answer itself in the
//     conversation that filed the complaint);
//   - continues a complaint being told, or starts one;
//
// and hands everything else to next. Errors are NATS errors: the pipeline
// retries the message.
func (d *Desk) Intake() bot.Middleware {
	in := &intake{d: d}
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, m bot.Message) (bot.Reply, error) {
			if m.Kind == bot.KindAgentEcho || m.Kind == bot.KindFollow || m.UserID == "" {
				return next(ctx, m)
			}
			r, handled, err := in.handle(ctx, m)
			if err != nil {
				return bot.Reply{}, fmt.Errorf("complaint.Intake: %w", err)
			}
			if handled {
				return r, nil
			}
			return next(ctx, m)
		}
	}
}

func (in *intake) handle(ctx context.Context, m bot.Message) (bot.Reply, bool, error) {
	d := in.d
	conv := m.Conversation()
	at := m.Time
	if at.IsZero() {
		at = d.cfg.Now()
	}
	cv, _, err := d.convGet(ctx, conv)
	known := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return bot.Reply{}, false, err
	}
	if known {
		// A redelivered "gửi": the complaint was filed, give its code again.
		if cv.FiledMsg != "" && cv.FiledMsg == m.ID {
			c, err := d.Get(ctx, cv.FiledCode)
			if err == nil {
				return in.filedReply(c), true, nil
			}
		}
		if cv, err = in.touch(ctx, m, at); err != nil {
			return bot.Reply{}, false, err
		}
		if r, ok, err := in.satisfaction(ctx, m, cv); err != nil || ok {
			return r, ok, err
		}
	}
	if r, ok, err := in.lookup(ctx, m, cv); err != nil || ok {
		return r, ok, err
	}
	dr, rev, err := d.draftGet(ctx, conv)
	if err != nil {
		return bot.Reply{}, false, err
	}
	if dr == nil {
		if !startsComplaint(m) {
			return bot.Reply{}, false, nil
		}
		dr, r := in.start(m)
		dr.LastMsg, dr.LastReply = m.ID, &r
		if err := d.draftPut(ctx, conv, dr, 0); err != nil {
			return bot.Reply{}, false, err
		}
		return r, true, nil
	}
	if dr.LastMsg != "" && dr.LastMsg == m.ID && dr.LastReply != nil {
		return *dr.LastReply, true, nil // redelivered: the same reply, the draft already moved
	}
	var files []File
	if m.Kind == bot.KindAttachment {
		files = d.keepFiles(ctx, m)
	}
	r, v := in.step(dr, m, files)
	switch v {
	case cancel:
		for _, f := range dr.Files {
			if f.Object != "" {
				_ = d.st.files.Delete(ctx, f.Object)
			}
		}
		if err := d.draftDelete(ctx, conv); err != nil {
			return bot.Reply{}, false, err
		}
		return r, true, nil
	case file:
		c, err := d.file(ctx, Filing{ID: "chat:" + string(m.Channel) + ":" + m.ID, Source: SourceChat,
			Channel: m.Channel, UserID: m.UserID, LastUser: at, Text: dr.Text, Procedure: dr.Procedure,
			ProcedureID: dr.ProcedureID, Place: dr.Place, When: dr.When, Contact: dr.Contact, Consent: dr.Consent, Files: dr.Files})
		if err != nil {
			return bot.Reply{}, false, err
		}
		if _, err := d.convUpdate(ctx, m.Channel, m.UserID, func(cv *conversation) bool {
			if !containsCode(cv.Codes, c.Code) {
				cv.Codes = append(cv.Codes, c.Code)
				if len(cv.Codes) > maxConvCodes {
					cv.Codes = cv.Codes[len(cv.Codes)-maxConvCodes:]
				}
			}
			cv.FiledMsg, cv.FiledCode = m.ID, c.Code
			if at.After(cv.LastUser) {
				cv.LastUser = at
			}
			return true
		}); err != nil {
			return bot.Reply{}, false, err
		}
		if err := d.draftDelete(ctx, conv); err != nil {
			return bot.Reply{}, false, err
		}
		return in.filedReply(c), true, nil
	}
	dr.LastMsg, dr.LastReply = m.ID, &r
	if err := d.draftPut(ctx, conv, dr, rev); err != nil {
		return bot.Reply{}, false, err
	}
	return r, true, nil
}

func containsCode(codes []string, code string) bool {
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// filedReply tells the citizen the code and what happens next.
func (in *intake) filedReply(c Case) bot.Reply {
	text := fmt.Sprintf("Đã gửi phản ánh của bạn. Mã phản ánh: %s.\n\nCán bộ sẽ xem xét và trả lời trong %d ngày làm việc, chậm nhất ngày %s. Câu trả lời sẽ được gửi cho bạn tại đây; bạn cũng có thể nhắn \"tra cứu phản ánh %s\" bất cứ lúc nào để xem tình trạng.",
		c.Code, in.d.cfg.Days, c.Deadline.In(Hanoi).Format("02/01/2006"), c.Code)
	return bot.Reply{Action: bot.ActionAnswer, Text: text}
}

// touch notes the citizen's message time and sends the answers that waited
// for the window.
func (in *intake) touch(ctx context.Context, m bot.Message, at time.Time) (conversation, error) {
	d := in.d
	var due []pending
	cv, err := d.convUpdate(ctx, m.Channel, m.UserID, func(cv *conversation) bool {
		due = append(due[:0], cv.Pending...)
		if !at.After(cv.LastUser) && len(cv.Pending) == 0 {
			return false
		}
		if at.After(cv.LastUser) {
			cv.LastUser = at
		}
		return true
	})
	if err != nil {
		return cv, err
	}
	for _, p := range due {
		if err := d.send(ctx, m.Channel, m.UserID, p.Code, p.Text, p.Staff, at); err != nil {
			return cv, err
		}
		if _, err := d.markDelivered(ctx, p.Code); err != nil && !errors.Is(err, ErrNotFound) {
			return cv, err
		}
	}
	if len(due) > 0 {
		cv, _, err = d.convGet(ctx, m.Conversation())
	}
	return cv, err
}

// satisfaction takes the answer to "hài lòng?".
func (in *intake) satisfaction(ctx context.Context, m bot.Message, cv conversation) (bot.Reply, bool, error) {
	code, yes, ok := parseSatisfaction(m)
	if !ok {
		return bot.Reply{}, false, nil
	}
	if code == "" { // typed: about the last answer, within the window
		if cv.Rating == "" || in.d.cfg.Now().Sub(cv.Asked) > ratingWindow {
			return bot.Reply{}, false, nil
		}
		code = cv.Rating
	}
	if !containsCode(cv.Codes, code) {
		return bot.Reply{}, false, nil // not this conversation's complaint
	}
	if _, err := in.d.Rate(ctx, code, yes); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrState) || errors.Is(err, ErrBadCode) {
			return bot.Reply{}, false, nil
		}
		return bot.Reply{}, false, err
	}
	if _, err := in.d.convUpdate(ctx, m.Channel, m.UserID, func(c *conversation) bool {
		if c.Rating != code {
			return false
		}
		c.Rating = ""
		return true
	}); err != nil {
		return bot.Reply{}, false, err
	}
	text := "Cảm ơn bạn đã cho biết. Ý kiến của bạn được ghi lại để đánh giá chất lượng trả lời phản ánh."
	if !yes {
		text = "Cảm ơn bạn đã cho biết. Ý kiến chưa hài lòng của bạn được ghi lại và báo cáo cùng phản ánh. Nếu muốn phản ánh tiếp, bạn nhắn \"phản ánh\" kèm mã " + code + " và nội dung."
	}
	return bot.Reply{Action: bot.ActionAnswer, Text: text}, true, nil
}

// lookupCues say "look up my complaint".
var lookupCues = [][]string{{"tra", "cuu", "phan", "anh"}, {"kiem", "tra", "phan", "anh"}, {"xem", "phan", "anh"},
	{"tinh", "trang", "phan", "anh"}, {"phan", "anh", "cua", "toi"}, {"tra", "cuu", "kien", "nghi"}}

// lookup answers "tra cứu phản ánh PA-…", or a code alone. Without a code
// it lists the conversation's own complaints.
func (in *intake) lookup(ctx context.Context, m bot.Message, cv conversation) (bot.Reply, bool, error) {
	text := m.Text
	if m.Payload == payloadLookup {
		text = "tra cứu phản ánh"
	} else if m.Kind != bot.KindText {
		return bot.Reply{}, false, nil
	}
	code, valid, found := FindCode(text)
	ws := words(text)
	cue := false
	for _, c := range lookupCues {
		if findPhrase(ws, c) >= 0 {
			cue = true
			break
		}
	}
	alone := found && len(ws) <= 3 // "PA-4829-1736", "ma PA 4829 1736"
	switch {
	case found && !valid && (cue || alone):
		return bot.Reply{Action: bot.ActionAnswer, Text: "Mã " + code + " không đúng: có thể bạn gõ nhầm một chữ số. Mã phản ánh có dạng PA-1234-5678; bạn kiểm tra lại tin nhắn báo mã nhé."}, true, nil
	case found && (cue || alone):
		return in.lookupCode(ctx, m, cv, code)
	case cue:
		if len(cv.Codes) == 0 {
			return bot.Reply{Action: bot.ActionAnswer, Text: "Bạn nhắn giúp mình mã phản ánh (dạng PA-1234-5678), ví dụ: \"tra cứu phản ánh PA-1234-5678\". Mã có trong tin nhắn báo đã gửi phản ánh."}, true, nil
		}
		var b strings.Builder
		b.WriteString("Phản ánh bạn đã gửi từ cuộc trò chuyện này:\n")
		for i := len(cv.Codes) - 1; i >= 0 && i >= len(cv.Codes)-5; i-- {
			c, err := in.d.Get(ctx, cv.Codes[i])
			if err != nil {
				continue
			}
			fmt.Fprintf(&b, "- %s (gửi ngày %s): %s\n", c.Code, c.Created.In(Hanoi).Format("02/01/2006"), c.Status.Label())
		}
		b.WriteString("\nNhắn \"tra cứu phản ánh\" kèm mã để xem chi tiết và câu trả lời.")
		return bot.Reply{Action: bot.ActionAnswer, Text: b.String()}, true, nil
	}
	return bot.Reply{}, false, nil
}

func (in *intake) lookupCode(ctx context.Context, m bot.Message, cv conversation, code string) (bot.Reply, bool, error) {
	d := in.d
	own := containsCode(cv.Codes, code)
	v, err := d.View(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return bot.Reply{Action: bot.ActionAnswer, Text: "Không tìm thấy phản ánh " + code + ". Bạn kiểm tra lại mã nhé; phản ánh đã xử lý xong được lưu trong một thời gian nhất định."}, true, nil
	}
	if err != nil {
		return bot.Reply{}, false, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Phản ánh %s, gửi ngày %s: %s", v.Code, v.Created.In(Hanoi).Format("02/01/2006"), strings.ToLower(v.StatusLabel))
	if v.Agency != "" {
		fmt.Fprintf(&b, " (cơ quan xử lý: %s)", v.Agency)
	}
	b.WriteString(".")
	if !v.Deadline.IsZero() && v.Status.open() {
		if v.Overdue {
			fmt.Fprintf(&b, " Đã quá hạn trả lời (ngày %s); mình đã ghi nhận để cán bộ ưu tiên xử lý.", v.Deadline.In(Hanoi).Format("02/01/2006"))
		} else {
			fmt.Fprintf(&b, " Hạn trả lời: ngày %s.", v.Deadline.In(Hanoi).Format("02/01/2006"))
		}
	}
	answer := v.Answer
	if own {
		c, err := d.Get(ctx, code)
		if err == nil && c.Answer != "" {
			answer = c.Answer
			for _, p := range cv.Pending { // not sent yet: the answer as written
				if p.Code == code {
					answer = p.Text
				}
			}
		}
	}
	if answer != "" {
		b.WriteString("\n\nTrả lời:\n" + answer)
	} else if !own && v.Status == StatusAnswered {
		b.WriteString(" Câu trả lời đã được gửi cho người phản ánh.")
	}
	return bot.Reply{Action: bot.ActionAnswer, Text: b.String()}, true, nil
}
