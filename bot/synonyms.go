package bot

import "strings"

// synonyms rewrites folded words so that the many ways citizens name one
// thing match the one way guides name it. The same rewrite runs over the
// question and over guide titles, aliases and FAQ questions, so a rule can
// never make a guide unreachable: both sides move together.
type synonyms struct {
	rules map[string][]rule // by first word
}

type rule struct {
	from []string
	to   []string
}

// defaultSynonyms are abbreviations and colloquial names. An empty target
// drops the phrase (it carries no procedure meaning).
var defaultSynonyms = [][2]string{
	{"thủ tục", ""}, {"cho hỏi", ""}, {"xin hỏi", ""}, {"làm ơn", ""}, {"cho em hỏi", ""}, {"cho mình hỏi", ""}, {"cho tôi hỏi", ""},
	{"cccd", "căn cước"}, {"cmnd", "căn cước"}, {"cmt", "căn cước"}, {"căn cước công dân", "căn cước"},
	{"chứng minh nhân dân", "căn cước"}, {"chứng minh thư", "căn cước"}, {"thẻ căn cước công dân", "thẻ căn cước"},
	{"gplx", "giấy phép lái xe"}, {"bằng lái xe", "giấy phép lái xe"}, {"bằng lái", "giấy phép lái xe"},
	{"dk", "đăng ký"}, {"đk", "đăng ký"}, {"dky", "đăng ký"}, {"dki", "đăng ký"}, {"ks", "khai sinh"}, {"gks", "giấy khai sinh"},
	{"bhyt", "bảo hiểm y tế"}, {"bhxh", "bảo hiểm xã hội"}, {"tncn", "thu nhập cá nhân"}, {"tnhh", "trách nhiệm hữu hạn"},
	{"dvc", "dịch vụ công"}, {"dvcqg", "dịch vụ công quốc gia"}, {"tthc", "hành chính"}, {"mst", "mã số thuế"},
	{"passport", "hộ chiếu"}, {"pasport", "hộ chiếu"}, {"ô tô", "oto"}, {"xe hơi", "oto"}, {"sdt", "số điện thoại"}, {"sđt", "số điện thoại"},
	{"ubnd", "ủy ban nhân dân"}, {"lltp", "lý lịch tư pháp"}, {"pass", "mật khẩu"}, {"password", "mật khẩu"},
	{"đkkd", "đăng ký kinh doanh"}, {"hkd", "hộ kinh doanh"}, {"gcn", "giấy chứng nhận"}, {"qsdđ", "quyền sử dụng đất"},
	{"giấy chứng nhận quyền sử dụng đất", "sổ đỏ"}, {"sổ hồng", "sổ đỏ"},
}

func newSynonyms(pairs [][2]string) *synonyms {
	s := &synonyms{rules: map[string][]rule{}}
	for _, p := range pairs {
		from := words(fold(p[0]))
		if len(from) == 0 {
			continue
		}
		var to []string
		if p[1] != "" {
			to = words(fold(p[1]))
		}
		s.rules[from[0]] = append(s.rules[from[0]], rule{from, to})
	}
	for k, rs := range s.rules { // longest phrase first
		for i := 1; i < len(rs); i++ {
			for j := i; j > 0 && len(rs[j].from) > len(rs[j-1].from); j-- {
				rs[j], rs[j-1] = rs[j-1], rs[j]
			}
		}
		s.rules[k] = rs
	}
	return s
}

// rewrite applies the longest matching rule at each position, left to right.
func (s *synonyms) rewrite(ws []string) []string {
	out := make([]string, 0, len(ws)+4)
	for i := 0; i < len(ws); {
		applied := false
		for _, r := range s.rules[ws[i]] {
			if i+len(r.from) <= len(ws) && strings.Join(ws[i:i+len(r.from)], " ") == strings.Join(r.from, " ") {
				out = append(out, r.to...)
				i += len(r.from)
				applied = true
				break
			}
		}
		if !applied {
			out = append(out, ws[i])
			i++
		}
	}
	return out
}
