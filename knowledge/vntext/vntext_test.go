package vntext

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Đăng ký khai sinh", "đăng ký khai sinh"},
		{"upper case", "CĂN CƯỚC BỊ MẤT", "căn cước bị mất"},
		{"new tone placement oa", "hoà giải", "hòa giải"},
		{"old tone placement oa", "hòa giải", "hòa giải"},
		{"new tone placement uy", "Thuỷ", "thủy"},
		{"new tone placement oe", "sức khoẻ", "sức khỏe"},
		{"closed syllable keeps 2nd vowel", "hoàn thành, huýt", "hoàn thành, huýt"},
		{"misplaced on closed syllable", "hòan", "hoàn"},
		{"qu onset", "qúy, quý", "quý, quý"},
		{"qu onset with i", "qui định", "quy định"},
		{"gi onset", "gìa, giường, gì", "già, giường, gì"},
		{"i/y variants", "đăng kí, lí lịch, kĩ thuật", "đăng ký, lý lịch, kỹ thuật"},
		{"i/y kept after other onsets", "vi phạm, bi, thi", "vi phạm, bi, thi"},
		{"i kept in closed syllable", "kim, lìm", "kim, lìm"},
		{"three vowels", "ngoaì, khuyủ", "ngoài, khuỷu"},
		{"marked vowel wins", "nguời, nguòi", "nguời, nguòi"},
		{"uo with horn", "ngừơi, được", "người, được"},
		{"NFD input", norm.NFD.String("Việt Nam hoà"), "việt nam hòa"},
		{"VN-combining input", "Vi" + "ê\u0323" + "t", "việt"},
		{"eth look-alike", "Ðăng ký", "đăng ký"},
		{"punctuation kept", "CT01/CT07 (mẫu)?", "ct01/ct07 (mẫu)?"},
		{"two tone marks left alone", "hóaà", "hóaà"},
		{"english word", "Online", "online"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToneVariantsAgree(t *testing.T) {
	pairs := [][2]string{{"hoà", "hòa"}, {"thuỷ", "thủy"}, {"quý", "qúy"}, {"khoẻ", "khỏe"},
		{"Hoá đơn", "hóa đơn"}, {"uỷ ban", "ủy ban"}, {"đăng kí", "đăng ký"}, {"xoá", "xóa"}}
	for _, p := range pairs {
		if a, b := Normalize(p[0]), Normalize(p[1]); a != b {
			t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"accented", "Đăng ký thường trú", "dang ky thuong tru"},
		{"đ", "đường Đê La Thành", "duong de la thanh"},
		{"unaccented already", "lam lai can cuoc", "lam lai can cuoc"},
		{"upper", "CĂN CƯỚC", "can cuoc"},
		{"NFD", norm.NFD.String("Giấy phép lái xe"), "giay phep lai xe"},
		{"stray combining mark", "a\u0301\u0301b", "ab"},
		{"i/y", "dang ki", "dang ky"},
		{"numbers", "Nghị định 123/2015/NĐ-CP", "nghi dinh 123/2015/nd-cp"},
		{"other latin", "café", "cafe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHasDiacritics(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"lam lai cccd", false}, {"làm lại", true}, {"dk", false}, {"đk", true}, {"Ðk", true},
		{norm.NFD.String("bán"), true}, {"", false}, {"CT07 2024", false},
	}
	for _, tt := range tests {
		if got := HasDiacritics(tt.in); got != tt.want {
			t.Errorf("HasDiacritics(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTokensAndBigrams(t *testing.T) {
	got := Tokens("Cấp lại CCCD (mẫu CT01)? 123/2015/NĐ-CP")
	want := []string{"cấp", "lại", "cccd", "mẫu", "ct01", "123", "2015", "nđ", "cp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
	if got := Tokens("  ,.  "); len(got) != 0 {
		t.Errorf("Tokens(punctuation) = %q, want none", got)
	}
	bi := Bigrams(Tokens("Khai sinh cho Con"))
	if w := []string{"khai_sinh", "sinh_cho", "cho_con"}; !reflect.DeepEqual(bi, w) {
		t.Errorf("Bigrams = %q, want %q", bi, w)
	}
	if Bigrams([]string{"một"}) != nil {
		t.Error("Bigrams of one token should be nil")
	}
}

func TestExpand(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"cccd", "lam lai cccd bi mat o dau", "lam lai căn cước bi mat o dau"},
		{"cccd upper", "CCCD hết hạn", "căn cước hết hạn"},
		{"cmnd", "đổi cmnd sang căn cước", "đổi căn cước sang căn cước"},
		{"long form", "căn cước công dân gắn chip", "căn cước gắn chip"},
		{"long form unaccented", "can cuoc cong dan", "căn cước"},
		{"dk ks", "dk ks can j", "đăng ký khai sinh can gì"},
		{"đk", "đk tạm trú", "đăng ký tạm trú"},
		{"dky", "dky ket hon", "đăng ký ket hon"},
		{"ks in context giấy", "giấy ks bị mất", "giấy khai sinh bị mất"},
		{"ks without context untouched", "đặt phòng ks gần hồ gươm", "đặt phòng ks gần hồ gươm"},
		{"gplx", "đổi gplx hạng b2", "đổi giấy phép lái xe hạng b2"},
		{"bằng lái unaccented", "mat bang lai xe may", "mat giấy phép lái xe may"},
		{"sổ đỏ unaccented", "lam so do lan dau", "lam giấy chứng nhận quyền sử dụng đất lan dau"},
		{"số đó is not sổ đỏ", "số đó là bao nhiêu", "số đó là bao nhiêu"},
		{"sổ hồng", "sang tên sổ hồng", "sang tên giấy chứng nhận quyền sử dụng đất"},
		{"hộ khẩu", "nhập hộ khẩu cho con", "nhập thường trú cho con"},
		{"hk with context", "nhập hk cho con", "nhập thường trú cho con"},
		{"hk without context", "hk bt gì", "hk bt gì"},
		{"chat shorthand", "ko dc a", "không được a"},
		{"k and bn", "mat bn tien k", "mat bao nhiêu tien không"},
		{"onl", "nop ho so onl", "nop ho so trực tuyến"},
		{"vneid", "VNeID mức 2", "định danh điện tử mức 2"},
		{"bhyt bhxh", "bhyt và bhxh", "bảo hiểm y tế và bảo hiểm xã hội"},
		{"tthc dvc", "tthc tren dvc", "thủ tục hành chính tren dịch vụ công"},
		{"lltp gpxd mst sdt", "lltp gpxd mst sdt", "lý lịch tư pháp giấy phép xây dựng mã số thuế số điện thoại"},
		{"đc", "có đc không", "có được không"},
		{"khai sanh", "giấy khai sanh", "giấy khai sinh"},
		{"rút with words between", "rút được tiền bảo hiểm xã hội", "hưởng bảo hiểm xã hội một lần được tiền bảo hiểm xã hội"},
		{"rút tiền bhxh", "rút tiền bhxh", "hưởng bảo hiểm xã hội một lần tiền bảo hiểm xã hội"},
		{"rút without insurance untouched", "rút hồ sơ đăng ký xe", "rút hồ sơ đăng ký xe"},
		{"nhận lương hưu", "chuyển nơi nhận lương hưu", "chuyển nơi hưởng lương hưu"},
		{"lĩnh trợ cấp", "lĩnh trợ cấp thất nghiệp", "hưởng trợ cấp thất nghiệp"},
		{"gia hạn a licence", "gia hạn bằng lái b2", "đổi giấy phép lái xe b2"},
		{"gia hạn tạm trú untouched", "gia hạn tạm trú", "gia hạn tạm trú"},
		{"nghỉ đẻ", "nghỉ đẻ được mấy tháng", "nghỉ thai sản được mấy tháng"},
		{"de is not đẻ", "lam the nao de nghi", "lam the nao de nghi"},
		{"nothing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(Expand(Tokens(tt.in)), " ")
			if got != tt.want {
				t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestContentWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cho em hỏi làm lại cccd ở đâu ạ", "làm lại căn cước"},
		{"cho em hoi lam lai can cuoc o dau a", "lam lai can cuoc a"},
		{"Thủ tục đăng ký kết hôn gồm những gì", "đăng ký kết hôn gồm"},
		{"dk tam tru online duoc khong", "đăng ký tam tru trực tuyến"},
		{"xin bản sao giấy khai sinh", "xin bản sao giấy khai sinh"},
		{"lam the can cuoc lan dau", "lam the can cuoc lan dau"},
		{"ạ", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(ContentWords(tt.in), " "); got != tt.want {
			t.Errorf("ContentWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if !IsStopWord("ạ") || IsStopWord("khai") {
		t.Error("IsStopWord wrong for ạ or khai")
	}
}

func TestParseDictErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no arrow", "# c\ncccd căn cước", "line 2: missing"},
		{"empty to", "cccd =>  ", "line 1: nothing after"},
		{"empty from", ", cccd => căn cước", "line 1: empty phrase"},
		{"bad context", "ks => khai sinh ; when: dk", "line 1: expected"},
		{"empty context", "ks => khai sinh ; if: dk,,", "line 1: empty context"},
		{"duplicate", "cccd => căn cước\n\nCCCD => thẻ", "line 3: \"cccd\" already defined on line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDict(tt.src)
			if err == nil || !errors.Is(err, ErrBadRule) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseDict(%q) error = %v, want ErrBadRule containing %q", tt.src, err, tt.want)
			}
		})
	}
}

func TestDictWith(t *testing.T) {
	d, err := DefaultDict().With("# editor additions\nct3 => chứng thực\nks => khai sinh ; if: xin\n")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != DefaultDict().Len()+1 {
		t.Errorf("Len = %d, want %d (one new rule, one replaced)", d.Len(), DefaultDict().Len()+1)
	}
	if got := strings.Join(d.Expand(Tokens("xin ks ct3")), " "); got != "xin khai sinh chứng thực" {
		t.Errorf("merged Expand = %q", got)
	}
	if got := strings.Join(d.Expand(Tokens("giấy ks")), " "); got != "giấy ks" {
		t.Errorf("replaced rule still applies old context: %q", got)
	}
	if _, err := DefaultDict().With("broken"); !errors.Is(err, ErrBadRule) {
		t.Errorf("With(broken) error = %v, want ErrBadRule", err)
	}
	if got := strings.Join(DefaultDict().Expand(Tokens("ct3")), " "); got != "ct3" {
		t.Errorf("With modified the default dict: %q", got)
	}
}

func TestSynonyms(t *testing.T) {
	s := DefaultDict().Synonyms()
	if got := s["cccd"]; !reflect.DeepEqual(got, []string{"căn cước"}) {
		t.Errorf(`Synonyms()["cccd"] = %q`, got)
	}
	if _, ok := s["ks"]; ok {
		t.Error("context rule ks exported as a plain synonym")
	}
	if got := s["sổ đỏ"]; len(got) != 1 {
		t.Errorf(`Synonyms()["sổ đỏ"] = %q`, got)
	}
}

func TestConcurrentUse(t *testing.T) {
	in := []string{"Hoà giải THUỶ LỢI", norm.NFD.String("Đăng ký khai sinh"), "dk ks can j", "cho em hỏi sổ đỏ ạ"}
	want := make([]string, len(in))
	for i, s := range in {
		want[i] = Fold(s) + "|" + strings.Join(ContentWords(s), " ")
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				i := n % len(in)
				if got := Fold(in[i]) + "|" + strings.Join(ContentWords(in[i]), " "); got != want[i] {
					t.Errorf("concurrent result %q, want %q", got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzAnalysis(f *testing.F) {
	for _, s := range []string{"Đăng ký khai sinh", "hoà thuỷ qúy", norm.NFD.String("Việt Nam"), "dk ks can j",
		"CCCD/CMND 123/2015/NĐ-CP", "\xff\xfe", "a\u0301\u0301", "gìa qui kí", "ngoaì khuyủ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if utf8.ValidString(s) && Normalize(n) != n {
			t.Errorf("Normalize not idempotent: %q → %q → %q", s, n, Normalize(n))
		}
		fo := Fold(s)
		if utf8.ValidString(s) && Fold(fo) != fo {
			t.Errorf("Fold not idempotent: %q → %q → %q", s, fo, Fold(fo))
		}
		if utf8.ValidString(s) && HasDiacritics(fo) {
			t.Errorf("Fold(%q) = %q still has diacritics", s, fo)
		}
		toks := Tokens(s)
		for _, tok := range toks {
			if tok == "" {
				t.Errorf("empty token from %q", s)
			}
		}
		_ = Expand(toks)
		_ = Bigrams(toks)
		_ = ContentWords(s)
		for _, tok := range FoldTokens(toks) {
			if tok == "" {
				t.Errorf("a token of %q folds to nothing", s)
			}
			if TelexFold(tok) == "" {
				t.Errorf("TelexFold(%q) is empty", tok)
			}
		}
		_ = AnalyzeQuery(s)
	})
}

func FuzzParseDict(f *testing.F) {
	for _, s := range []string{defaultSynonyms, "cccd => căn cước", "ks => khai sinh ; if: dk, giấy", "a =>", "=>", ";", "x => y ; if:", "# c\n\n", "a, , b => c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		d, err := ParseDict(src)
		if err != nil {
			if !errors.Is(err, ErrBadRule) {
				t.Errorf("ParseDict error %v does not wrap ErrBadRule", err)
			}
			return
		}
		_ = d.Expand(Tokens(src))
		_ = d.Synonyms()
		if _, err := DefaultDict().With(src); err != nil {
			t.Errorf("With(%q) failed after ParseDict succeeded: %v", src, err)
		}
	})
}

func TestTelexFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"dangw", "dang"}, {"kys", "ky"}, {"ddaay", "day"}, {"thuowngf", "thuong"}, {"ddawng", "dang"},
		{"khai", "khai"}, {"cccd", "cccd"}, {"ký", "ký"}, {"b2", "b2"}, {"", ""}, {"s", "s"}, {"w", "u"}, {"ks", "ks"}, {"gplx", "gplx"},
	}
	for _, tt := range tests {
		if got := TelexFold(tt.in); got != tt.want {
			t.Errorf("TelexFold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
