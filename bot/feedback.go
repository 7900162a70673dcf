package bot

// Feedback is a citizen's tap on "Hữu ích" or "Chưa hữu ích" under an
// answer. The reply to the tap carries it (Reply.Feedback) so that the
// outcome recorder can count it and put a "down" into the editors' gap
// report with the question it was about.
type Feedback struct {
	Vote     string // "up" or "down"
	Question string // the question the answer was for, redacted; "" when unknown
	GuideID  string // the guide of that answer
	Aspect   Aspect // its aspect
}

// Feedback votes.
const (
	VoteUp   = "up"
	VoteDown = "down"
)

// feedback answers a feedback tap. A "down" asks what else the citizen
// needs; a second "down" in a row offers a person. A second tap on the same
// answer is thanked but not counted again.
func (e *Engine) feedback(s *Session, payload string) Reply {
	vote := VoteUp
	if payload == PayloadFeedbackDown {
		vote = VoteDown
	}
	if s.Voted {
		return Reply{Action: ActionGreeting, Text: "Mình đã ghi nhận ý kiến của bạn về câu trả lời này. Cảm ơn bạn!"}
	}
	s.Voted = true
	fb := &Feedback{Vote: vote, Question: s.Question, GuideID: s.LastGuide, Aspect: s.LastAspect}
	if vote == VoteUp {
		s.Downs = 0
		return Reply{Action: ActionGreeting, Text: "Cảm ơn bạn! Bạn cần hỏi thêm gì cứ nhắn mình nhé.", Feedback: fb}
	}
	s.Downs++
	if s.Downs >= 2 {
		s.Downs = 0
		text := "Xin lỗi, mình chưa giúp được bạn. Bạn có muốn gặp tổng đài viên không?"
		if e.HotlinePhone != "" {
			text += " Bạn cũng có thể gọi tổng đài " + e.HotlinePhone + "."
		}
		return Reply{Action: ActionClarify, Text: text, Feedback: fb, Options: []Option{
			{Label: "Gặp tổng đài viên", Payload: PayloadPerson},
			{Label: "Hỏi câu khác", Payload: PayloadMenu},
		}}
	}
	r := Reply{Action: ActionClarify, Text: "Xin lỗi vì câu trả lời chưa giúp được bạn. Bạn cần thông tin gì khác?", Feedback: fb}
	if g, ok := e.lib.Get(s.LastGuide); ok {
		for _, o := range answerOptions(g, s.LastAspect, true, "") {
			if o.Payload != PayloadFeedbackUp && o.Payload != PayloadFeedbackDown {
				r.Options = append(r.Options, o)
			}
		}
	}
	r.Options = append(r.Options, Option{Label: "Hỏi thủ tục khác", Payload: PayloadMenu})
	return r
}
