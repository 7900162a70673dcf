package audit

import (
	"fmt"
	"strings"
)

// Message says what the finding is, in English (botctl audit).
func (f Finding) Message() string {
	switch f.Kind {
	case MissingCircular:
		if f.Other != "" {
			return fmt.Sprintf("legal basis lacks %s, which records on the same fee schedule (%s) cite with the fee%s: %s", f.Doc, f.Other, untilEN(f), list(f.Records))
		}
		return fmt.Sprintf("legal basis lacks %s, which records of the guide's codes cite%s: %s", f.Doc, untilEN(f), list(f.Records))
	case FeeRate:
		via := "records of the guide's codes"
		if f.Other != "" {
			via = "records on the same fee schedule (" + f.Other + ")"
		}
		return fmt.Sprintf("the fee does not mention the rate %s sets until %s in %s: %s", f.Doc, f.Date.Format("02/01/2006"), via, list(f.Records))
	case UnknownAmount:
		return fmt.Sprintf("%s đồng is given by no record of the guide's codes (%s): %q", thousands3(f.Amount), list(f.Records), f.Excerpt)
	case Replaced:
		return fmt.Sprintf("cites %s, which %s replaced (%s): %q", f.Doc, f.Other, sourceEN(f), f.Excerpt)
	case Amended:
		return fmt.Sprintf("cites %s but not %s, which amends it (%s)", f.Doc, f.Other, sourceEN(f))
	case RateEnded:
		return fmt.Sprintf("time limit %s is past: %q", f.Date.Format("02/01/2006"), f.Excerpt)
	case RateEnding:
		return fmt.Sprintf("time limit %s ends within the audit window; say what applies from %s and re-check then: %q", f.Date.Format("02/01/2006"), f.Date.AddDate(0, 0, 1).Format("02/01/2006"), f.Excerpt)
	case ReviewOld:
		return fmt.Sprintf("reviewed %s, more than 12 months ago", f.Date.Format("2006-01-02"))
	}
	return string(f.Kind)
}

// String is the finding as botctl audit prints it:
// "file:line: field: kind: message" (and "; explained: …" when the guide
// explains it).
func (f Finding) String() string {
	where := f.File
	if where == "" {
		where = f.Guide
	}
	s := fmt.Sprintf("%s:%d: %s: %s: %s", where, f.Line, f.Field, f.Kind, f.Message())
	if f.Explained != "" {
		s += "; explained: " + f.Explained
	}
	return s
}

// Vietnamese says what the finding is, for editors on the admin stale page.
func (f Finding) Vietnamese() string {
	switch f.Kind {
	case MissingCircular:
		if f.Other != "" {
			return fmt.Sprintf("Căn cứ pháp lý thiếu %s, văn bản mà các thủ tục cùng biểu phí (%s) dẫn cùng mức phí%s: %s.", f.Doc, f.Other, untilVI(f), list(f.Records))
		}
		return fmt.Sprintf("Căn cứ pháp lý thiếu %s, văn bản mà trang thủ tục cùng mã dẫn%s: %s.", f.Doc, untilVI(f), list(f.Records))
	case FeeRate:
		via := "các trang thủ tục cùng mã"
		if f.Other != "" {
			via = "các thủ tục cùng biểu phí (" + f.Other + ")"
		}
		return fmt.Sprintf("Mục lệ phí chưa nói mức thu theo %s (áp dụng đến hết %s) mà %s ghi: %s.", f.Doc, f.Date.Format("02/01/2006"), via, list(f.Records))
	case UnknownAmount:
		return fmt.Sprintf("Số tiền %s đồng không có trên trang thủ tục nào cùng mã (%s): «%s».", thousands3(f.Amount), list(f.Records), f.Excerpt)
	case Replaced:
		return fmt.Sprintf("Dẫn %s, văn bản đã được %s thay thế (%s): «%s».", f.Doc, f.Other, sourceVI(f), f.Excerpt)
	case Amended:
		return fmt.Sprintf("Dẫn %s nhưng chưa dẫn %s, văn bản sửa đổi nó (%s).", f.Doc, f.Other, sourceVI(f))
	case RateEnded:
		return fmt.Sprintf("Mốc thời hạn %s đã qua: «%s».", f.Date.Format("02/01/2006"), f.Excerpt)
	case RateEnding:
		return fmt.Sprintf("Mốc thời hạn %s sắp hết: cần ghi rõ từ %s áp dụng mức nào và rà soát lại khi đến hạn: «%s».", f.Date.Format("02/01/2006"), f.Date.AddDate(0, 0, 1).Format("02/01/2006"), f.Excerpt)
	case ReviewOld:
		return fmt.Sprintf("Rà soát lần cuối ngày %s, đã quá 12 tháng.", f.Date.Format("02/01/2006"))
	}
	return string(f.Kind)
}

func untilEN(f Finding) string {
	if f.Date.IsZero() {
		return ""
	}
	return " (a rate until " + f.Date.Format("02/01/2006") + ")"
}

func untilVI(f Finding) string {
	if f.Date.IsZero() {
		return ""
	}
	return " (mức thu áp dụng đến hết " + f.Date.Format("02/01/2006") + ")"
}

func sourceEN(f Finding) string {
	if strings.HasPrefix(f.Source, "record ") {
		return "catalogue records " + list(f.Records)
	}
	return "register: " + f.Source
}

func sourceVI(f Finding) string {
	if strings.HasPrefix(f.Source, "record ") {
		return "theo trang thủ tục " + list(f.Records)
	}
	return "nguồn: " + f.Source
}

// list names up to five codes and how many more.
func list(codes []string) string {
	if len(codes) <= 5 {
		return strings.Join(codes, ", ")
	}
	return fmt.Sprintf("%s (+%d)", strings.Join(codes[:5], ", "), len(codes)-5)
}

// thousands3 writes 200000 as "200.000".
func thousands3(v int64) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}
