package complaint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// The intake: a complaint told in chat, on any channel. It starts when the
// engine's recognition says a message is a complaint (bot.IsComplaint) or
// the citizen says so ("tôi muốn phản ánh…"). Everything the first message
// already says is read from it (procedure, commune or ward, when, a phone
// number or e-mail), and only what is missing is asked, one question at a
// time, each with "bỏ qua" (skip) and "hủy" (cancel). Then the complaint is
// read back, and "gửi" files it and gives the code. Photos and files sent
// meanwhile are kept with it.

// Fields of a draft, in the order they are asked.
const (
	fieldWhat      = "what"
	fieldProcedure = "procedure"
	fieldPlace     = "place"
	fieldWhen      = "when"
	fieldContact   = "contact"
	fieldConsent   = "consent"
	fieldConfirm   = "confirm"
)

// draft is a complaint being told, the value of "i.<hash>" in BucketIntake.
// Text is redacted; Contact (raw) is only set once the citizen gave it for
// this purpose; Offered is a contact found in the text, awaiting consent.
type draft struct {
	ID          string       `json:"id"` // message id that started it
	Text        string       `json:"text"`
	Procedure   string       `json:"procedure,omitempty"`
	ProcedureID string       `json:"procedure_id,omitempty"`
	Place       string       `json:"place,omitempty"`
	When        string       `json:"when,omitempty"`
	Contact     string       `json:"contact,omitempty"`
	Consent     bool         `json:"consent,omitempty"`
	Offered     string       `json:"offered,omitempty"`
	Files       []File       `json:"files,omitempty"`
	Asked       string       `json:"asked"`
	Done        []string     `json:"done,omitempty"` // fields answered or skipped
	Tries       int          `json:"tries,omitempty"`
	Options     []bot.Option `json:"options,omitempty"` // offered with the last question (a typed number picks one)
	LastMsg     string       `json:"last_msg,omitempty"`
	LastReply   *bot.Reply   `json:"last_reply,omitempty"` // for a redelivered message
	Started     time.Time    `json:"started"`
}

func (d *draft) done(f string) bool { return slices.Contains(d.Done, f) }

func (d *draft) finish(f string) {
	if !d.done(f) {
		d.Done = append(d.Done, f)
	}
	d.Tries = 0
}

// Option payloads of the intake. Typed words work the same (see command).
const (
	payloadStart   = "phan-anh:bat-dau"
	payloadSkip    = "phan-anh:bo-qua"
	payloadCancel  = "phan-anh:huy"
	payloadSend    = "phan-anh:gui"
	payloadYes     = "phan-anh:dong-y"
	payloadNo      = "phan-anh:khong"
	payloadLookup  = "phan-anh:tra-cuu"
	intakeKeyStart = "i."
)

// command is what a message says to the intake besides its text.
type command int

const (
	cmdNone command = iota
	cmdCancel
	cmdSkip
	cmdSend
	cmdYes
	cmdNo
)

var commands = map[string]command{
	"huy": cmdCancel, "huy bo": cmdCancel, "huy phan anh": cmdCancel, "thoi": cmdCancel, "thoi khong gui": cmdCancel,
	"khong gui nua": cmdCancel, "khong phan anh nua": cmdCancel, "dung lai": cmdCancel, "cancel": cmdCancel, "stop": cmdCancel, "huy a": cmdCancel,
	"bo qua": cmdSkip, "bo qua cau nay": cmdSkip, "skip": cmdSkip, "khong biet": cmdSkip, "khong nho": cmdSkip, "khong ro": cmdSkip,
	"qua": cmdSkip, "khong co": cmdSkip, "bo qua a": cmdSkip, "khong de lai": cmdSkip, "khong de lai lien he": cmdSkip,
	"gui": cmdSend, "gui di": cmdSend, "gui nhe": cmdSend, "gui phan anh": cmdSend, "dong y gui": cmdSend, "ok gui": cmdSend,
	"xac nhan": cmdSend, "gui luon": cmdSend, "send": cmdSend, "gui a": cmdSend, "xac nhan gui": cmdSend,
	"co": cmdYes, "dong y": cmdYes, "ok": cmdYes, "oke": cmdYes, "duoc": cmdYes, "vang": cmdYes, "yes": cmdYes, "co a": cmdYes,
	"dong y a": cmdYes, "vang dong y": cmdYes, "co dong y": cmdYes, "u": cmdYes,
	"khong": cmdNo, "ko": cmdNo, "k": cmdNo, "khong dong y": cmdNo, "no": cmdNo, "khong can": cmdNo, "khong a": cmdNo,
}

var payloadCommands = map[string]command{payloadCancel: cmdCancel, payloadSkip: cmdSkip, payloadSend: cmdSend,
	payloadYes: cmdYes, payloadNo: cmdNo}

// command reads the message's command: a tapped option, a typed number
// picking one of the options offered, or typed words.
func (d *draft) command(m bot.Message) command {
	p := m.Payload
	if p == "" {
		if n, err := strconv.Atoi(strings.TrimSpace(m.Text)); err == nil && n >= 1 && n <= len(d.Options) {
			p = d.Options[n-1].Payload
		}
	}
	if c, ok := payloadCommands[p]; ok {
		return c
	}
	return commands[strings.Join(words(m.Text), " ")]
}

var (
	optCancel = bot.Option{Label: "Hủy phản ánh", Payload: payloadCancel}
	optSkip   = bot.Option{Label: "Bỏ qua", Payload: payloadSkip}
)

// next asks for the first missing field, or reads the complaint back.
func (in *intake) next(d *draft) bot.Reply {
	q := func(field, text string, opts ...bot.Option) bot.Reply {
		d.Asked, d.Options = field, opts
		return bot.Reply{Action: bot.ActionClarify, Text: text, Options: opts}
	}
	switch {
	case !d.done(fieldWhat) && thin(d.Text):
		if d.Tries > 0 {
			return q(fieldWhat, "Mình cần biết sự việc để chuyển đúng cán bộ xử lý. Bạn kể ngắn gọn giúp mình chuyện gì đã xảy ra nhé (hoặc nhắn \"hủy\").", optCancel)
		}
		return q(fieldWhat, "Bạn kể ngắn gọn giúp mình sự việc: chuyện gì đã xảy ra, ở bộ phận nào?", optCancel)
	case !d.done(fieldProcedure) && d.Procedure == "":
		return q(fieldProcedure, "Việc này liên quan đến thủ tục nào (ví dụ: làm căn cước, đăng ký khai sinh) hoặc cơ quan nào?", optSkip, optCancel)
	case !d.done(fieldPlace) && d.Place == "":
		return q(fieldPlace, "Việc xảy ra ở phường, xã nào? Bạn ghi tên phường, xã hiện nay (sau sắp xếp từ 1/7/2025); tên cũ cũng được.", optSkip, optCancel)
	case !d.done(fieldWhen) && d.When == "":
		return q(fieldWhen, "Việc xảy ra khi nào (ngày, hoặc khoảng thời gian)?", optSkip, optCancel)
	case d.Offered != "" && !d.done(fieldConsent):
		return q(fieldConsent, "Trong tin nhắn bạn có nêu "+maskContact(d.Offered)+". Bạn có đồng ý để cán bộ xử lý phản ánh dùng thông tin này để liên hệ với bạn khi cần không?",
			bot.Option{Label: "Đồng ý", Payload: payloadYes}, bot.Option{Label: "Không", Payload: payloadNo})
	case d.Contact == "" && !d.done(fieldContact) && !d.done(fieldConsent):
		if d.Tries > 0 {
			return q(fieldContact, "Mình chưa thấy số điện thoại hay email trong tin nhắn. Bạn nhắn lại số điện thoại hoặc email, hoặc nhắn \"bỏ qua\" nếu không muốn để lại.",
				bot.Option{Label: "Không để lại", Payload: payloadSkip}, optCancel)
		}
		return q(fieldContact, "Bạn có muốn để lại số điện thoại hoặc email để cán bộ liên hệ khi cần làm rõ không? Nếu có, bạn nhắn số hoặc email: chỉ cán bộ xử lý phản ánh được xem. Nếu không, nhắn \"bỏ qua\"; bạn vẫn nhận câu trả lời tại đây và tra cứu được bằng mã phản ánh.",
			bot.Option{Label: "Không để lại", Payload: payloadSkip}, optCancel)
	}
	d.Asked, d.Options = fieldConfirm, []bot.Option{{Label: "Gửi phản ánh", Payload: payloadSend}, optCancel}
	return bot.Reply{Action: bot.ActionClarify, Text: readBack(d), Options: d.Options}
}

// readBack is the complaint as it will be sent.
func readBack(d *draft) string {
	var b strings.Builder
	b.WriteString("Mình đọc lại phản ánh của bạn:\n")
	line := func(label, v, none string) {
		if v == "" {
			v = none
		}
		fmt.Fprintf(&b, "- %s: %s\n", label, v)
	}
	line("Nội dung", truncate(d.Text, 600), "")
	line("Thủ tục, cơ quan", d.Procedure, "không nêu")
	line("Phường, xã", d.Place, "không nêu")
	line("Thời gian", d.When, "không nêu")
	if d.Contact != "" {
		line("Liên hệ", maskContact(d.Contact)+" (chỉ cán bộ xử lý được xem)", "")
	} else {
		line("Liên hệ", "", "không để lại")
	}
	if n := len(d.Files); n > 0 {
		line("Tệp đính kèm", strconv.Itoa(n)+" tệp", "")
	}
	b.WriteString("\nNhắn \"gửi\" để gửi phản ánh, \"hủy\" để hủy, hoặc nhắn thêm nếu muốn bổ sung nội dung.")
	return b.String()
}

// intake holds what the steps need from the desk.
type intake struct{ d *Desk }

// learn reads every field it can from text into d (fields not yet known).
func (in *intake) learn(d *draft, text string) {
	if d.Procedure == "" && in.d.cfg.Guides != nil {
		if g, ok := matchProcedure(text, in.d.cfg.Guides()); ok {
			d.Procedure, d.ProcedureID = g.Title, g.ID
		}
	}
	if d.Place == "" {
		d.Place = in.place(text)
	}
	if d.When == "" {
		d.When = findWhen(text)
	}
	if d.Contact == "" && d.Offered == "" && !d.done(fieldConsent) {
		d.Offered = findContact(text)
	}
}

// place finds a commune or ward in text: through Config.Places (current
// names, old ones normalised) when set, else "phường/xã X" as written.
func (in *intake) place(text string) string {
	if in.d.cfg.Places != nil {
		if p, ok := in.d.cfg.Places(text); ok {
			return p
		}
	}
	return findPlace(text)
}

// verdict is what the middleware does with the draft after a step.
type verdict int

const (
	keep verdict = iota
	cancel
	file
)

// step advances the draft with one message. files are the attachments of
// the message, already kept.
func (in *intake) step(d *draft, m bot.Message, files []File) (bot.Reply, verdict) {
	cmd := d.command(m)
	if cmd == cmdCancel {
		return bot.Reply{Action: bot.ActionAnswer, Text: "Mình đã hủy phản ánh, không gửi gì cả. Bạn cần hỏi về thủ tục nào cứ nhắn mình nhé."}, cancel
	}
	text := strings.TrimSpace(m.Text)
	if m.Kind == bot.KindPayload && cmd == cmdNone && strings.HasPrefix(m.Payload, "phan-anh:") {
		text = "" // an option of ours that does not apply now
	}
	if m.Kind == bot.KindAttachment || len(files) > 0 {
		d.Files = append(d.Files, files...)
		if len(d.Files) > maxFiles {
			d.Files = d.Files[:maxFiles]
		}
		note := "Mình đã lưu " + strconv.Itoa(len(files)) + " tệp đính kèm cùng phản ánh."
		if len(files) == 0 {
			note = "Tệp này không lưu được (mình chỉ lưu ảnh, tệp tài liệu)."
		}
		if text != "" { // a caption
			d.Text = joinText(d.Text, bot.Redact(text))
			in.learn(d, text)
		}
		r := in.next(d)
		r.Text = note + "\n\n" + r.Text
		return r, keep
	}
	if cmd == cmdSend && d.Asked != fieldConfirm {
		// "gửi" before the read-back: skip what is left, show the read-back.
		for _, f := range []string{fieldProcedure, fieldPlace, fieldWhen, fieldContact, fieldConsent} {
			d.finish(f)
		}
		if !thin(d.Text) {
			d.finish(fieldWhat)
		}
		return in.next(d), keep
	}
	switch d.Asked {
	case fieldWhat:
		if cmd == cmdSkip || cmd == cmdNo || text == "" {
			d.Tries++
			if d.Text != "" && d.Tries > 1 {
				d.finish(fieldWhat)
			}
			break
		}
		d.Text = joinText(d.Text, bot.Redact(text))
		in.learn(d, text)
		if !thin(d.Text) {
			d.finish(fieldWhat)
		} else {
			d.Tries++
			if d.Tries > 1 {
				d.finish(fieldWhat)
			}
		}
	case fieldProcedure:
		if cmd == cmdSkip || cmd == cmdNo || text == "" {
			d.finish(fieldProcedure)
			break
		}
		in.learn(d, text)
		if d.Procedure == "" {
			d.Procedure = clip(bot.Redact(text), maxField)
		}
		d.finish(fieldProcedure)
	case fieldPlace:
		if cmd == cmdSkip || cmd == cmdNo || text == "" {
			d.finish(fieldPlace)
			break
		}
		in.learn(d, text)
		if d.Place == "" {
			d.Place = clip(bot.Redact(text), maxField)
			if in.d.cfg.Places != nil {
				if p, ok := in.d.cfg.Places(d.Place); ok {
					d.Place = p
				}
			}
		}
		d.finish(fieldPlace)
	case fieldWhen:
		if cmd == cmdSkip || cmd == cmdNo || text == "" {
			d.finish(fieldWhen)
			break
		}
		if d.When = findWhen(text); d.When == "" {
			d.When = clip(bot.Redact(text), maxField)
		}
		d.finish(fieldWhen)
	case fieldConsent:
		switch {
		case cmd == cmdYes:
			d.Contact, d.Consent = d.Offered, true
		case findContact(text) != "":
			d.Contact, d.Consent = findContact(text), true // gave another one for this purpose
		case cmd == cmdNo || cmd == cmdSkip:
		default:
			d.Tries++
			if d.Tries < 2 {
				r := in.next(d)
				r.Text = "Bạn trả lời \"đồng ý\" hoặc \"không\" giúp mình nhé. " + r.Text
				return r, keep
			}
		}
		d.Offered = ""
		d.finish(fieldConsent)
		d.finish(fieldContact)
	case fieldContact:
		if cmd == cmdSkip || cmd == cmdNo {
			d.finish(fieldContact)
			break
		}
		if c := findContact(text); c != "" {
			// Given in answer to a question that says who sees it and why:
			// that is the consent.
			d.Contact, d.Consent = c, true
			d.finish(fieldContact)
			break
		}
		d.Tries++
		if d.Tries >= 2 {
			d.finish(fieldContact)
		}
	case fieldConfirm:
		switch {
		case cmd == cmdSend:
			return bot.Reply{}, file
		case cmd == cmdNone && text != "":
			d.Text = joinText(d.Text, bot.Redact(text))
			in.learn(d, text)
		}
	}
	return in.next(d), keep
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "\n" + b
}

// start opens a draft from the message that told the complaint.
func (in *intake) start(m bot.Message) (*draft, bot.Reply) {
	d := &draft{ID: m.ID, Started: in.d.cfg.Now()}
	if m.Kind == bot.KindText {
		d.Text = bot.Redact(strings.TrimSpace(m.Text))
		in.learn(d, m.Text)
	}
	r := in.next(d)
	r.Text = "Mình sẽ ghi lại phản ánh của bạn để chuyển đến cán bộ xử lý. Bạn nhắn \"bỏ qua\" nếu không muốn trả lời câu nào, \"hủy\" để dừng.\n\n" + r.Text
	return d, r
}

// explicitStarts are the openings that mean "I want to make a complaint"
// even when the engine reads the message as a question (it names a
// procedure: "tôi muốn phản ánh về thủ tục…").
var explicitStarts = [][]string{
	{"muon", "phan", "anh"}, {"muon", "kien", "nghi"}, {"muon", "khieu", "nai"}, {"muon", "gop", "y"},
	{"can", "phan", "anh"}, {"xin", "phan", "anh"}, {"gui", "phan", "anh"}, {"gui", "kien", "nghi"},
	{"phan", "anh", "viec"}, {"phan", "anh", "ve"}, {"kien", "nghi", "ve"},
}

// howTo are words of a question about how to complain: the engine answers those.
var howTo = [][]string{{"lam", "sao"}, {"the", "nao"}, {"o", "dau"}, {"cach"}, {"huong", "dan"}, {"gui", "dau"},
	{"qua", "dau"}, {"kenh", "nao"}, {"duoc", "khong"}, {"co", "nen"}, {"the", "nao"}, {"sao", "de"}}

// startsComplaint reports whether a message opens a complaint.
func startsComplaint(m bot.Message) bool {
	if m.Payload == payloadStart {
		return true
	}
	if m.Kind != bot.KindText {
		return false
	}
	ws := words(m.Text)
	for _, h := range howTo {
		if findPhrase(ws, h) >= 0 {
			return false
		}
	}
	if j := strings.Join(ws, " "); j == "phan anh" || j == "kien nghi" || j == "gui phan anh" || j == "toi muon phan anh" {
		return true
	}
	for _, s := range explicitStarts {
		if findPhrase(ws, s) >= 0 {
			return true
		}
	}
	return bot.IsComplaint(m.Text)
}

func intakeKey(conv string) string { return intakeKeyStart + convHash(conv) }

func (d *Desk) draftGet(ctx context.Context, conv string) (*draft, uint64, error) {
	e, err := d.st.intake.Get(ctx, intakeKey(conv))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("intake: %v: %w", err, ErrUnavailable)
	}
	var dr draft
	if err := json.Unmarshal(e.Value(), &dr); err != nil {
		return nil, 0, nil
	}
	return &dr, e.Revision(), nil
}

func (d *Desk) draftPut(ctx context.Context, conv string, dr *draft, rev uint64) error {
	b, _ := json.Marshal(dr)
	var err error
	if rev == 0 {
		_, err = d.st.intake.Create(ctx, intakeKey(conv), b)
	} else {
		_, err = d.st.intake.Update(ctx, intakeKey(conv), b, rev)
	}
	if err != nil {
		return fmt.Errorf("intake: %v: %w", err, ErrUnavailable)
	}
	return nil
}

func (d *Desk) draftDelete(ctx context.Context, conv string) error {
	if err := d.st.intake.Purge(ctx, intakeKey(conv)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("intake: %v: %w", err, ErrUnavailable)
	}
	return nil
}

// keepFiles downloads a message's attachments into the object store. A
// file that cannot be downloaded is kept as its URL with the reason.
func (d *Desk) keepFiles(ctx context.Context, m bot.Message) []File {
	var out []File
	for i, a := range m.Attachments {
		if i == maxFiles {
			break
		}
		h := sha256.Sum256([]byte(string(m.Channel) + ":" + m.ID + ":" + strconv.Itoa(i)))
		f := File{Object: "f-" + hex.EncodeToString(h[:12]), Type: a.Type, Name: a.Name}
		if err := d.download(ctx, a.URL, &f); err != nil {
			f.Object, f.URL, f.Error = "", a.URL, err.Error()
			d.logger.Warn("attachment not kept", "channel", string(m.Channel), "type", a.Type, "err", err)
		}
		out = append(out, f)
	}
	return out
}

func (d *Desk) download(ctx context.Context, url string, f *File) error {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return errors.New("not an http(s) URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return errors.New("bad URL")
	}
	resp, err := d.cfg.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("download failed")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > d.cfg.MaxFile {
		return fmt.Errorf("file larger than %d MB", d.cfg.MaxFile>>20)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, d.cfg.MaxFile+1))
	if err != nil {
		return errors.New("download interrupted")
	}
	if int64(len(b)) > d.cfg.MaxFile {
		return fmt.Errorf("file larger than %d MB", d.cfg.MaxFile>>20)
	}
	f.MIME = resp.Header.Get("Content-Type")
	if f.MIME == "" {
		f.MIME = http.DetectContentType(b)
	}
	f.Size = int64(len(b))
	if _, err := d.st.files.PutBytes(ctx, f.Object, b); err != nil {
		return errors.New("store unavailable")
	}
	return nil
}
