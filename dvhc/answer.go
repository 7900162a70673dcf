package dvhc

import (
	"fmt"
	"strings"
)

// Legal basis cited in answers. Documents issued before the reorganisation
// stay valid: Điều 10 of Nghị quyết 190/2025/QH15, which Điều 14 of Nghị
// quyết 76/2025/UBTVQH15 (the 2025 arrangement of administrative units)
// applies to papers of citizens; a căn cước card may be reissued on request
// when its data changed because of the arrangement (điểm đ khoản 1 Điều 24
// Luật Căn cước 2023).
const (
	papersRule = "Điều 10 Nghị quyết 190/2025/QH15; Điều 14 Nghị quyết 76/2025/UBTVQH15"
	cardRule   = "điểm đ khoản 1 Điều 24 Luật Căn cước 2023"
	effective  = "01/7/2025"
	// MaxChoices is how many units an ask-back lists; beyond it the
	// citizen is asked to name the province or district.
	MaxChoices = 8
)

// Text returns the reply for a resolved question: where an old unit went,
// what a new unit was formed from, the ask-back, or what became of an old
// district. It returns "" for None.
func (d *Directory) Text(r Result) string {
	switch r.Outcome {
	case OldUnit:
		return d.oldText(r)
	case NewUnit:
		return d.newText(r)
	case Ask:
		return askText(r)
	case District:
		return d.districtText(r)
	}
	return ""
}

func (d *Directory) oldText(r Result) string {
	o := r.Old
	var b strings.Builder
	where := o.Province
	switch {
	case len(o.Into) == 1:
		u := o.Into[0]
		fmt.Fprintf(&b, "%s (cũ, %s) từ ngày %s thuộc %s.", o.sentence(), where, effective, u.Label())
		if others := otherParts(u, o); len(others) > 0 {
			fmt.Fprintf(&b, " %s được hợp thành từ %s và %s.", upperFirst(u.Label()), o.Label(), joinVi(others))
		}
	case o.Split:
		fmt.Fprintf(&b, "%s (cũ, %s) từ ngày %s được chia vào %d đơn vị mới:", o.sentence(), where, effective, len(o.Into))
		for _, u := range o.Into {
			share := "một phần"
			if u == o.Remainder {
				share = "phần còn lại"
			}
			fmt.Fprintf(&b, "\n- %s (%s)", u.Label(), share)
		}
		b.WriteString("\nNhà bạn thuộc đơn vị nào tùy theo đường phố, thôn, tổ dân phố: xem cách kiểm tra ở dưới.")
	default:
		fmt.Fprintf(&b, "%s (%s) có tên trong danh sách sáp nhập của %d đơn vị mới:", o.sentence(), where, len(o.Into))
		for _, u := range o.Into {
			fmt.Fprintf(&b, "\n- %s", u.Label())
		}
		b.WriteString("\nĐơn vị cũ có thể đã được chia cho các đơn vị này, hoặc là các đơn vị cùng tên ở những huyện cũ khác nhau; nhà bạn thuộc đơn vị nào tùy theo địa chỉ: xem cách kiểm tra ở dưới.")
	}
	b.WriteString("\n\n")
	b.WriteString(meaning(o.Into, o.Province))
	b.WriteString(elsewhere(r.Elsewhere))
	return b.String()
}

// sentence names an old unit inside a sentence: "Phường Minh Khai, quận
// Hai Bà Trưng".
func (o *Old) sentence() string {
	s := Part{Kind: o.Kind, Name: o.Name}.Label()
	if o.District != "" {
		s += ", " + o.District
	}
	return s
}

// otherParts returns the labels of u's parts other than o.
func otherParts(u *Unit, o *Old) []string {
	var out []string
	for _, p := range u.Parts {
		if p.Kind == o.Kind && p.Name == o.Name && p.District == o.District {
			continue
		}
		out = append(out, p.Label())
	}
	return out
}

func (d *Directory) newText(r Result) string {
	u := r.Unit
	var b strings.Builder
	if u.Unchanged {
		fmt.Fprintf(&b, "%s (%s) giữ nguyên, không sáp nhập với đơn vị nào trong đợt sắp xếp từ ngày %s.", upperFirst(u.Label()), u.Province, effective)
	} else {
		fmt.Fprintf(&b, "%s (%s) được thành lập từ ngày %s trên cơ sở %d đơn vị cũ:", upperFirst(u.Label()), u.Province, effective, len(u.Parts))
		for _, p := range u.Parts {
			fmt.Fprintf(&b, "\n- %s", p.Label())
			o := d.byKey[oldKey(u.Province, p)]
			switch {
			case p.Remainder && len(p.Others) > 0:
				fmt.Fprintf(&b, " (phần còn lại; phần khác vào %s)", joinVi(p.Others))
			case p.Remainder:
				b.WriteString(" (phần còn lại)")
			case o != nil && o.Split && len(o.Into) > 1:
				b.WriteString(" (một phần)")
			}
		}
	}
	b.WriteString("\n\n")
	b.WriteString(meaning([]*Unit{u}, u.Province))
	b.WriteString(elsewhere(r.Elsewhere))
	return b.String()
}

func askText(r Result) string {
	var b strings.Builder
	where := "Trước đây"
	if r.Province != "" {
		where = "Ở " + r.Province + " trước đây"
	}
	if len(r.Choices) > MaxChoices {
		fmt.Fprintf(&b, "%s có %d đơn vị tên %s. Bạn nhắn thêm tên tỉnh và huyện, quận cũ giúp mình, ví dụ: \"xã %s huyện ... tỉnh ...\".",
			where, len(r.Choices), r.Name, r.Name)
		return b.String()
	}
	fmt.Fprintf(&b, "%s có %d đơn vị tên %s. Bạn hỏi đơn vị nào (thuộc quận, huyện nào trước đây)? Nhắn số thứ tự hoặc bấm chọn:\n", where, len(r.Choices), r.Name)
	for i, c := range r.Choices {
		fmt.Fprintf(&b, "\n%d. %s", i+1, c.Label)
		if c.Detail != "" {
			b.WriteString(": " + c.Detail)
		}
	}
	return b.String()
}

func (d *Directory) districtText(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Từ ngày %s không còn cấp quận, huyện: chính quyền địa phương còn hai cấp (tỉnh, thành phố và phường, xã). "+
		"Các phường, xã, thị trấn của %s trước đây nay thuộc các phường, xã mới của %s.", effective, r.District, r.Province)
	name := districtName(r.District)
	for _, u := range d.byNew[foldName(name)] {
		if u.Province == r.Province && !u.Unchanged {
			var parts []string
			for _, p := range u.Parts {
				parts = append(parts, p.Label())
			}
			fmt.Fprintf(&b, " Có %s (mới) mang tên này, gồm: %s.", u.Label(), joinVi(parts))
		}
	}
	b.WriteString("\n\nBạn nhắn tên phường, xã cũ để mình tra đơn vị mới, ví dụ: \"phường Phúc Xá cũ giờ thuộc phường nào\".")
	return b.String()
}

// meaning tells a citizen what the change means for them: papers, where to
// submit now, how to check the exact unit, and the scam warning.
func meaning(units []*Unit, province string) string {
	var names []string
	for _, u := range units {
		names = append(names, u.Label())
	}
	centre := "Trung tâm Phục vụ hành chính công " + joinOr(names)
	if len(units) > 1 {
		centre += " (nơi quản lý địa chỉ của bạn)"
	}
	scope := "trong tỉnh"
	if province == HaNoi || strings.HasPrefix(province, "TP") || isCity(province) {
		scope = "trong thành phố"
	}
	var b strings.Builder
	b.WriteString("Với bạn, điều này có nghĩa là:\n")
	fmt.Fprintf(&b, "- Giấy tờ đã cấp (căn cước, giấy khai sinh, sổ đỏ, đăng ký xe...) vẫn dùng được đến khi hết hạn; "+
		"không bắt buộc đổi chỉ vì tên đơn vị hành chính thay đổi (%s). Muốn thẻ căn cước ghi tên mới thì bạn đề nghị cấp đổi khi có nhu cầu (%s).\n", papersRule, cardRule)
	fmt.Fprintf(&b, "- Nộp hồ sơ từ nay: %s; nhiều thủ tục nộp được trực tuyến hoặc ở bất kỳ phường, xã nào %s.\n", centre, scope)
	fmt.Fprintf(&b, "- Kiểm tra địa chỉ chính xác: xem mục thông tin cư trú trên ứng dụng VNeID, hoặc hỏi Công an, Trung tâm Phục vụ hành chính công %s.\n", joinOr(names))
	b.WriteString("- Cảnh giác: cơ quan nhà nước không gọi điện, nhắn tin yêu cầu chuyển tiền, cài ứng dụng lạ hay đọc mã OTP để \"cập nhật địa chỉ sau sáp nhập\".\n")
	if province == HaNoi {
		b.WriteString("Căn cứ: " + hanoiResolution + ".")
	} else {
		b.WriteString("Căn cứ: Nghị quyết của Ủy ban Thường vụ Quốc hội về sắp xếp các đơn vị hành chính cấp xã của " + province + " năm 2025.")
	}
	return b.String()
}

// isCity reports the centrally governed cities (thành phố) among provinces.
func isCity(p string) bool {
	switch p {
	case "Hải Phòng", "Đà Nẵng", "Huế", "Cần Thơ":
		return true
	}
	return false
}

func elsewhere(provs []string) string {
	if len(provs) == 0 {
		return ""
	}
	return "\n\n(Tên này còn có ở: " + strings.Join(provs, ", ") + ". Nếu bạn hỏi nơi khác, nhắn kèm tên tỉnh, thành phố.)"
}

// Note is one short line naming the new unit(s) of an old unit, added to an
// answer about a procedure that mentions the old unit. "" when r is not one
// old unit.
func Note(r Result) string {
	if r.Outcome != OldUnit {
		return ""
	}
	o := r.Old
	var names []string
	for _, u := range o.Into {
		names = append(names, u.Label())
	}
	s := fmt.Sprintf("Lưu ý: %s (cũ) từ ngày %s thuộc %s", o.sentence(), effective, joinOr(names))
	if len(names) > 1 {
		s += ", tùy địa chỉ"
	}
	return s + "; hồ sơ nộp tại Trung tâm Phục vụ hành chính công của đơn vị mới."
}

// joinVi joins with commas and "và" before the last.
func joinVi(xs []string) string { return joinWith(xs, " và ") }

// joinOr joins with commas and "hoặc" before the last.
func joinOr(xs []string) string { return joinWith(xs, " hoặc ") }

func joinWith(xs []string, last string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + last + xs[len(xs)-1]
}
