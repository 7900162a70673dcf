package editor

import (
	"errors"
	"fmt"
	"strings"

	"botdvc/knowledge"
)

// The admin pages are in Vietnamese; knowledge.ParseGuide reports problems in
// English (for botctl lint and the API). viFormats says each of its messages
// in Vietnamese, keyed by the message's format (knowledge.ParseError.Format);
// TestEveryParseMessageHasVietnamese reads knowledge/parse.go to keep it
// complete.
var viFormats = map[string]string{
	"invalid UTF-8 at byte %d of the line; save the file as UTF-8":                            "có ký tự không hợp lệ (không phải UTF-8) ở byte %d của dòng; hãy lưu tệp dạng UTF-8",
	`missing: the file must start with a line "---", then the YAML fields, then a line "---"`: `thiếu: tệp phải bắt đầu bằng một dòng "---", tiếp theo là các trường YAML, rồi một dòng "---"`,
	`not closed: add a line "---" after the last field`:                                       `chưa đóng: thêm một dòng "---" sau trường cuối cùng`,
	"YAML syntax: %s": "lỗi cú pháp YAML: %s",
	"must be a set of fields (key: value), one per line":                                                "phải là các trường dạng “tên: giá trị”, mỗi trường một dòng",
	"field names must be plain words":                                                                   "tên trường phải là một từ viết liền",
	"duplicate field (first at line %d)":                                                                "trường bị lặp (đã có ở dòng %d)",
	"required field is missing":                                                                         "trường bắt buộc, không được để trống",
	"required field is empty":                                                                           "trường bắt buộc đang để trống",
	"give at least %d aliases (the words people really use), found %d":                                  "cần ít nhất %d tên gọi khác (cách người dân thực sự gọi), mới có %d",
	"id %q does not match the file name %q (want id %q or rename the file)":                             "mã %q không khớp tên tệp %q (mã phải là %q, hoặc đổi tên tệp)",
	"%q is not a valid id: use lowercase ASCII words joined by '-' (e.g. dang-ky-khai-sinh)":            "%q không phải mã hợp lệ: dùng chữ thường không dấu nối bằng dấu '-' (ví dụ dang-ky-khai-sinh)",
	"%q is not a source: use %q or %q":                                                                  "%q không phải nguồn hợp lệ: dùng %q hoặc %q",
	"%q is not a national procedure code (like \"1.001193\")":                                           "%q không phải mã thủ tục quốc gia (dạng \"1.001193\")",
	"%q is not a valid domain: use the manifest's domain, lowercase words joined by '-' (e.g. ho-tich)": "%q không phải lĩnh vực hợp lệ: dùng mã lĩnh vực trong danh mục, chữ thường không dấu nối bằng dấu '-' (ví dụ ho-tich)",
	"%q is not an online level: use %q, %q or %q":                                                       "%q không phải mức trực tuyến: dùng %q, %q hoặc %q",
	"%q %s": "%q %s",
	"%q is not a date: write YYYY-MM-DD (e.g. 2026-11-25)": "%q không phải ngày: viết năm-tháng-ngày, ví dụ 2026-11-25",
	"%q is not a valid guide id":                           "%q không phải mã hướng dẫn hợp lệ",
	"unknown field%s":                                      "không có trường này trong mẫu hướng dẫn%s",
	"want a single text, got a list":                       "cần một đoạn văn bản, không phải danh sách",
	"want a single text, got a set of fields (is a ':' inside the text? quote it)": "cần một đoạn văn bản, không phải nhóm trường (nếu văn bản có dấu ':', hãy đặt cả đoạn trong ngoặc kép)",
	"want a single text":                       "cần một đoạn văn bản",
	"want a list (lines starting with \"- \")": "cần một danh sách (các dòng bắt đầu bằng \"- \")",
	"each list item must be a single text (is a ':' inside the item? quote it)": "mỗi mục phải là một đoạn văn bản (nếu mục có dấu ':', hãy đặt mục trong ngoặc kép)",
	"empty list item":                                          "có mục trống trong danh sách",
	"want a list of items with %s":                             "cần danh sách các mục có %s",
	"each item must have the fields %s":                        "mỗi mục phải có các trường %s",
	"unknown field %q in item (want %s)":                       "trường %q không có trong mục (dùng %s)",
	"duplicate field %q in item":                               "trường %q bị lặp trong mục",
	"each item needs both q (the question) and a (the answer)": "mỗi mục cần cả q (câu hỏi) và a (câu trả lời)",
	"each item needs a channel (Trực tiếp, Trực tuyến, Dịch vụ bưu chính)": "mỗi mục cần channel (Trực tiếp, Trực tuyến, Dịch vụ bưu chính)",
	fmtUnknownRelated: "không có hướng dẫn nào mã %q (kiểm tra lại mã trong danh sách hướng dẫn)",
}

// fmtUnknownRelated is the store's own problem: a related id that names no guide.
const fmtUnknownRelated = "unknown guide id %q"

// viArgs says in Vietnamese the English fragments ParseGuide passes as
// arguments (checkURL's reasons, the unknown field's suggestion, YAML's
// syntax errors).
var viArgs = []struct{ en, vi string }{
	{"is not a URL: it contains spaces", "không phải đường dẫn: có dấu cách"},
	{"is not a web address: it must start with https:// (or http://)", "không phải địa chỉ web: phải bắt đầu bằng https:// (hoặc http://)"},
	{"is not a URL", "không phải đường dẫn"},
	{"has no host name", "thiếu tên miền"},
	{"mapping values are not allowed in this context", "dấu ':' không được dùng ở đây (văn bản có dấu ':' thì đặt cả đoạn trong ngoặc kép)"},
	{"found character that cannot start any token", "có ký tự không được đứng đầu (thường là phím Tab: hãy thụt lề bằng dấu cách)"},
	{"did not find expected key", "thụt lề không đúng: chỗ này cần một tên trường"},
	{"did not find expected '-' indicator", "thụt lề không đúng trong danh sách: thiếu dấu '- '"},
	{"could not find expected ':'", "thiếu dấu ':' sau tên trường"},
	{"found unexpected end of stream", "phần đầu tệp kết thúc giữa chừng (thiếu dấu ngoặc kép đóng?)"},
	{"block sequence entries are not allowed in this context", "không được bắt đầu danh sách (\"- \") ở đây"},
}

func viArg(a any) any {
	s, ok := a.(string)
	if !ok {
		return a
	}
	for _, t := range viArgs {
		if strings.Contains(s, t.en) {
			return t.vi
		}
	}
	if q, ok := strings.CutPrefix(s, " (did you mean "); ok { // suggest()
		return " (có phải " + strings.TrimSuffix(q, "?)") + "?)"
	}
	if list, ok := strings.CutPrefix(s, "; known fields: "); ok {
		return "; các trường có: " + list
	}
	return a
}

// fieldLabels are the form's names of the front matter fields.
var fieldLabels = map[string]string{
	"id": "Mã hướng dẫn", "source": "Nguồn", "code": "Mã thủ tục quốc gia", "other_codes": "Mã thủ tục khác",
	"title": "Tên thủ tục", "aliases": "Tên gọi khác", "domain": "Lĩnh vực", "agency": "Cơ quan giải quyết",
	"level": "Cấp thực hiện", "online": "Trực tuyến", "fee": "Phí, lệ phí", "duration": "Thời hạn giải quyết",
	"where": "Nơi nộp", "documents": "Hồ sơ", "steps": "Các bước", "eligibility": "Đối tượng, điều kiện",
	"methods": "Cách thức thực hiện", "legal_basis": "Căn cứ pháp lý", "source_url": "Đường dẫn chính thức",
	"reviewed": "Ngày rà soát", "related": "Hướng dẫn liên quan", "faq": "Câu hỏi thường gặp",
	"front matter": "Phần đầu tệp (YAML)", "body": "Nội dung", "file": "Tệp",
}

// fieldLabel returns "Phí, lệ phí (fee)" for "fee".
func fieldLabel(f string) string {
	base, sub, _ := strings.Cut(f, ".") // methods.fee, faq.q
	if l, ok := fieldLabels[base]; ok {
		if sub != "" {
			return l + " (" + f + ")"
		}
		if f == "front matter" || f == "body" || f == "file" {
			return l
		}
		return l + " (" + f + ")"
	}
	return f
}

// problemVi says one validation problem in Vietnamese: its line, field
// (with the form's label) and message.
func problemVi(p error) problemView {
	var pe *knowledge.ParseError
	if !errors.As(p, &pe) {
		return problemView{Message: p.Error()}
	}
	msg := pe.Msg
	if vi, ok := viFormats[pe.Format]; ok {
		args := make([]any, len(pe.Args))
		for i, a := range pe.Args {
			args[i] = viArg(a)
		}
		msg = fmt.Sprintf(vi, args...)
	}
	return problemView{Line: pe.Line, Field: pe.Field, Label: fieldLabel(pe.Field), Message: msg}
}

// problemsVi says every problem of a validation error in Vietnamese, one a line.
func problemsVi(ve *ValidationError) string {
	var b strings.Builder
	for i, p := range ve.Problems {
		v := problemVi(p)
		if i > 0 {
			b.WriteString("; ")
		}
		if v.Line > 0 {
			fmt.Fprintf(&b, "dòng %d: ", v.Line)
		}
		if v.Label != "" {
			b.WriteString(v.Label + ": ")
		}
		b.WriteString(v.Message)
	}
	return b.String()
}

// errorVi says an error of the store to an editor: validation problems and
// the store's own errors in Vietnamese, anything else as a generic notice
// (the details are logged, not shown).
func errorVi(err error) string {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return problemsVi(ve)
	case errors.Is(err, ErrConflict):
		return "hướng dẫn vừa được người khác thay đổi; hãy tải lại trang."
	case errors.Is(err, ErrNoDraft):
		return "chưa có bản nháp."
	case errors.Is(err, errRetiredRevision):
		return "phiên bản này là lần gỡ hướng dẫn; hãy chọn một phiên bản có nội dung."
	case errors.Is(err, knowledge.ErrNotFound):
		return "không tìm thấy hướng dẫn hoặc phiên bản."
	}
	return "lỗi hệ thống, vui lòng thử lại."
}
