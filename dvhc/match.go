package dvhc

import (
	"strings"
	"sync"

	"botdvc/knowledge/vntext"
)

// A question is read in passes over its words (normalised, and folded):
//
//  1. a unit word (phường, xã, thị trấn, đặc khu; p., tt.) followed by a
//     known name, old or new, the longest that fits: "phường Dịch Vọng Hậu";
//  2. a district word (quận, huyện, thị xã, thành phố; q.) or a province
//     word (tỉnh, thành phố, tp) followed by a known district or province;
//  3. province names and then old district names standing alone ("Ba Vì",
//     "Thái Bình");
//  4. only when the question asks about the change (a cue such as "giờ
//     thuộc", "sáp nhập", "gồm những"): unit names standing alone, of two
//     words or more ("dich vong hau cu gio thuoc phuong nao").
//
// A word typed with diacritics must match the name's word exactly; a word
// typed without them matches by its folded form. "phương" (direction) is
// therefore not "phường", while "phuong" is.
//
// What is left once the places, the cues and the filler words are taken out
// is the residual: a question with no residual is about the unit change
// itself; one with a residual ("... đăng ký tạm trú ở đâu") is about a
// procedure and goes to the answer engine.

// Mention is a unit named in a question.
type Mention struct {
	Kind     Kind   // from the unit word; KindUnknown when the name stood alone
	Name     string // folded name
	Typed    string // the words as typed (normalised)
	UnitWord bool
	start    int
	end      int
}

// Analysis is what a question says about units and places.
type Analysis struct {
	Mentions  []Mention
	Districts []string // folded district names, without the district word
	Provinces []string // provinces (as the file names them) the question names, old names mapped to new
	// Cue reports words that ask about the change ("giờ thuộc", "sáp
	// nhập", "cũ", "mới", "gồm những"); Reverse, words that ask what a new
	// unit was formed from ("gồm những phường nào").
	Cue, Reverse bool
	// Old and New report "cũ" and "mới" next to a named unit.
	Old, New bool
	// Residual are the words left that may name a procedure.
	Residual []string
	// Number is the message when it is only a number (picking an option), else 0.
	Number int
}

type phrase struct {
	folded []string
	exact  []string // normalised form typed with diacritics, nil when only an abbreviation
	kind   Kind
	minLen int // shortest name (in words) the word may introduce
}

func ph(s string, k Kind, minLen int, abbrev bool) phrase {
	p := phrase{folded: strings.Fields(vntext.Fold(s)), kind: k, minLen: minLen}
	if !abbrev {
		p.exact = vntext.Tokens(s)
	}
	return p
}

var (
	unitPhrases = []phrase{
		ph("thị trấn", ThiTran, 1, false), ph("đặc khu", DacKhu, 1, false), ph("phường", Phuong, 1, false),
		ph("xã", Xa, 1, false), ph("tt", ThiTran, 2, true), ph("p", Phuong, 2, true),
	}
	districtPhrases = []phrase{
		ph("thị xã", Huyen, 1, false), ph("quận", Huyen, 1, false), ph("huyện", Huyen, 1, false),
		ph("thành phố", Huyen, 1, false), ph("q", Huyen, 1, true), ph("tp", Huyen, 1, true),
	}
	provincePhrases = []phrase{ph("tỉnh", KindUnknown, 1, false), ph("thành phố", KindUnknown, 1, false), ph("tp", KindUnknown, 1, true)}
)

// cue phrases, folded.
var (
	forwardCues = foldAll("giờ thuộc", "nay thuộc", "bây giờ thuộc", "hiện thuộc", "hiện nay thuộc", "giờ là", "nay là",
		"bây giờ là", "giờ về", "sáp nhập", "sát nhập", "sắp xếp", "nhập vào", "gộp vào", "gộp với", "hợp nhất", "đổi tên",
		"tên mới", "phường mới", "xã mới", "đơn vị mới", "thuộc phường nào", "thuộc xã nào", "là phường nào", "là xã nào",
		"về phường nào", "về xã nào", "địa chỉ mới", "còn không", "còn tồn tại", "sau sáp nhập", "cũ")
	reverseCues = foldAll("gồm những", "gồm các", "bao gồm", "gồm phường", "gồm xã", "từ những", "từ các", "hợp thành",
		"ghép từ", "sáp nhập từ", "được sáp nhập từ", "gộp từ", "trước đây là", "trước kia là", "phường cũ nào", "xã cũ nào",
		"những phường nào", "những xã nào", "các phường nào", "các xã nào", "gồm những gì")
	oldWords = foldAll("cũ", "trước đây", "trước kia", "ngày trước", "hồi trước")
	newWords = foldAll("mới")
	// fillers are words that say nothing about a procedure in a question
	// about a unit: pronouns, particles, "where", "now", unit and place
	// words. Folded.
	fillers = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields(`toi minh em anh chi ban bac co chu ong ba nha o song dang hien tai gio bay nay cu moi
		truoc day kia sau thi la thuoc ve vao cua nao dau nop ho so lam thu tuc giay to dia chi ten doi sap sat nhap hop nhat gop
		xep chuyen roi chua khong ko k kg co phai duoc nhung cac gom bao tu don vi hanh chinh phuong xa thi tran quan huyen tinh
		thanh pho tp a oi nhe nhe vay the sao biet cho hoi xin giup voi va hay hoac ah a u uh ad admin shop dac khu con ton tai
		cua minh the nao nhu ra sao tim tra cuu xem kiem kiem tra muon can hoi noi duoc khong nhi nha ha giup voi e tren duoi
		trong ngoai day do kia luc ngay thang nam 2025 2024 1 7 01 07 tuc chinh xac cu the phan con lai mot rat la sao nay
		the thi vay roi tat ca toan bo nhieu it mot hai ba bon nam`) {
		fillers[w] = true
	}
}

func foldAll(ss ...string) [][]string {
	out := make([][]string, len(ss))
	for i, s := range ss {
		out[i] = strings.Fields(vntext.Fold(s))
	}
	return out
}

// Analyse reads a question.
func (d *Directory) Analyse(text string) Analysis {
	toks := vntext.Tokens(text)
	f := vntext.FoldTokens(toks)
	a := Analysis{}
	if len(f) == 1 {
		if n := atoi(f[0]); n > 0 && n < 100 {
			a.Number = n
		}
	}
	used := make([]bool, len(f))
	mark := func(i, j int) {
		for k := i; k < j; k++ {
			used[k] = true
		}
	}
	free := func(i, j int) bool {
		if j > len(f) {
			return false
		}
		for k := i; k < j; k++ {
			if used[k] {
				return false
			}
		}
		return true
	}
	// Cues first: they are read over every word, places or not.
	a.Reverse = anyPhrase(f, reverseCues)
	a.Cue = a.Reverse || anyPhrase(f, forwardCues)

	// 1. unit word + name.
	for i := 0; i < len(f); i++ {
		p, n := matchPhrase(toks, f, i, unitPhrases)
		if n == 0 || !free(i, i+n) {
			continue
		}
		if f[i] == "xa" && i+n < len(f) && f[i+n] == "hoi" { // "xã hội" is society, not a unit
			continue
		}
		if l := d.nameAt(toks, f, i+n, p.minLen, free, d.unitNames); l > 0 {
			a.Mentions = append(a.Mentions, Mention{Kind: p.kind, Name: strings.Join(f[i+n:i+n+l], " "),
				Typed: strings.Join(toks[i+n:i+n+l], " "), UnitWord: true, start: i, end: i + n + l})
			mark(i, i+n+l)
			i += n + l - 1
		}
	}
	// 2. province word / district word + name.
	for i := 0; i < len(f); i++ {
		if p, n := matchPhrase(toks, f, i, provincePhrases); n > 0 && free(i, i+n) {
			if l, prov := d.provinceAt(toks, f, i+n, free); l > 0 {
				a.Provinces = appendNew(a.Provinces, prov)
				mark(i, i+n+l)
				continue
			}
			_ = p
		}
		if _, n := matchPhrase(toks, f, i, districtPhrases); n > 0 && free(i, i+n) {
			if l := d.nameAt(toks, f, i+n, 1, free, d.districtNames); l > 0 {
				a.Districts = appendNew(a.Districts, strings.Join(f[i+n:i+n+l], " "))
				mark(i, i+n+l)
			}
		}
	}
	// 3. bare province names, then bare district names (two words or more).
	for i := 0; i < len(f); i++ {
		if l, prov := d.provinceAt(toks, f, i, free); l > 0 && (l >= 2 || a.Cue) {
			a.Provinces = appendNew(a.Provinces, prov)
			mark(i, i+l)
		}
	}
	for i := 0; i < len(f); i++ {
		if l := d.nameAt(toks, f, i, 2, free, d.districtNames); l > 0 {
			a.Districts = appendNew(a.Districts, strings.Join(f[i:i+l], " "))
			mark(i, i+l)
		}
	}
	// 4. bare unit names, only when the question asks about the change.
	if a.Cue {
		for i := 0; i < len(f); i++ {
			if l := d.nameAt(toks, f, i, 2, free, d.unitNames); l > 0 {
				a.Mentions = append(a.Mentions, Mention{Name: strings.Join(f[i:i+l], " "), Typed: strings.Join(toks[i:i+l], " "), start: i, end: i + l})
				mark(i, i+l)
				i += l - 1
			}
		}
	}
	// "cũ" / "mới" right after a mention.
	for _, m := range a.Mentions {
		a.Old = a.Old || phraseAt(f, m.end, oldWords)
		a.New = a.New || phraseAt(f, m.end, newWords)
	}
	for _, c := range append(append([][]string{}, forwardCues...), reverseCues...) {
		for i := 0; i+len(c) <= len(f); i++ {
			if equal(f[i:i+len(c)], c) {
				mark(i, i+len(c))
			}
		}
	}
	for i, w := range f {
		if !used[i] && !fillers[w] {
			a.Residual = append(a.Residual, w)
		}
	}
	return a
}

// unitNames returns the names of the old and new units that fold to key.
func (d *Directory) unitNames(key string) []string {
	if len(d.byOld[key]) == 0 && len(d.byNew[key]) == 0 {
		return nil
	}
	var out []string
	for _, o := range d.byOld[key] {
		out = append(out, o.Name)
	}
	for _, u := range d.byNew[key] {
		out = append(out, u.Name)
	}
	return out
}

// districtNames returns the names of old districts that fold to key.
func (d *Directory) districtNames(key string) []string { return d.districtIdx[key] }

// nameAt returns the length in words of the longest name at f[i:] that
// names() knows and whose words match as typed, or 0.
func (d *Directory) nameAt(toks, f []string, i, minLen int, free func(int, int) bool, names func(string) []string) int {
	for l := min(d.maxWords, len(f)-i); l >= minLen && l >= 1; l-- {
		if !free(i, i+l) {
			continue
		}
		for _, n := range names(strings.Join(f[i:i+l], " ")) {
			if typedMatches(toks[i:i+l], vntext.Tokens(n)) {
				return l
			}
		}
	}
	return 0
}

// provinceAt returns the length of a province name at f[i:] and the
// province it is now part of.
func (d *Directory) provinceAt(toks, f []string, i int, free func(int, int) bool) (int, string) {
	for l := min(4, len(f)-i); l >= 1; l-- {
		if !free(i, i+l) {
			continue
		}
		for _, p := range provinceIndex()[strings.Join(f[i:i+l], " ")] {
			if typedMatches(toks[i:i+l], p.toks) {
				return l, p.now
			}
		}
	}
	return 0, ""
}

type provinceName struct {
	toks []string // normalised words of the name
	now  string   // the province it is part of now
}

// provinceIndex maps folded province names, old and new, to provinces now.
var provinceIndex = sync.OnceValue(func() map[string][]provinceName {
	m := map[string][]provinceName{}
	for old, now := range oldProvinces {
		k := foldName(old)
		m[k] = append(m[k], provinceName{toks: vntext.Tokens(old), now: now})
	}
	return m
})

// typedMatches compares words typed with the words of a name: a word typed
// with diacritics must be the same word, one typed without matches by form.
func typedMatches(typed, name []string) bool {
	if len(typed) != len(name) {
		return false
	}
	for i := range typed {
		if vntext.HasDiacritics(typed[i]) && typed[i] != name[i] {
			return false
		}
	}
	return true
}

// matchPhrase finds one of ps at f[i:], honouring diacritics as typed.
func matchPhrase(toks, f []string, i int, ps []phrase) (phrase, int) {
	for _, p := range ps {
		n := len(p.folded)
		if i+n > len(f) || !equal(f[i:i+n], p.folded) {
			continue
		}
		if p.exact != nil && !typedMatches(toks[i:i+n], p.exact) {
			continue
		}
		if p.exact == nil && vntext.HasDiacritics(strings.Join(toks[i:i+n], "")) {
			continue
		}
		return p, n
	}
	return phrase{}, 0
}

func anyPhrase(f []string, ps [][]string) bool {
	for _, p := range ps {
		for i := 0; i+len(p) <= len(f); i++ {
			if equal(f[i:i+len(p)], p) {
				return true
			}
		}
	}
	return false
}

func phraseAt(f []string, i int, ps [][]string) bool {
	for _, p := range ps {
		if i+len(p) <= len(f) && equal(f[i:i+len(p)], p) {
			return true
		}
	}
	return false
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func appendNew(xs []string, s string) []string {
	if contains(xs, s) {
		return xs
	}
	return append(xs, s)
}

func atoi(s string) int {
	n := 0
	if s == "" || len(s) > 3 {
		return 0
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}
