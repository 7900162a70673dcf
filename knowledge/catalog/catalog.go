package catalog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"botdvc/knowledge"
)

// Snapshot is the Reviewed date given to every catalogue guide: 1 July 2026.
// The records carry no date of their own; the data README says the portal
// was read "in June–July 2026", and this is the start of the later month,
// so a guide never claims to be fresher than the data.
var Snapshot = time.Date(2026, time.July, 1, 0, 0, 0, 0, time.UTC)

// IDPrefix starts the id of every catalogue guide: "tthc-" and the code with
// dots as hyphens ("1.001193" becomes "tthc-1-001193").
const IDPrefix = "tthc-"

// maxLine bounds one JSON record (the largest real record is under 200 kB).
const maxLine = 16 << 20

// ErrNoRecords is returned when the input holds no records at all.
var ErrNoRecords = errors.New("no records")

// Problem is a record that could not be turned into a guide, or was turned
// into one with parts missing. Dropped tells which: a dropped record is not
// in the result; a kept one is, and Reason says what is missing.
type Problem struct {
	Line    int    // 1-based line of the record in the input
	Code    string // ma_thu_tuc when it could be read
	Reason  string
	Dropped bool
}

// String returns "line N (code): reason".
func (p Problem) String() string {
	what := "kept"
	if p.Dropped {
		what = "dropped"
	}
	if p.Code != "" {
		return fmt.Sprintf("line %d (%s): %s: %s", p.Line, p.Code, what, p.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", p.Line, what, p.Reason)
}

// Record is one line of the catalogue file, with the portal's section names.
// Unknown fields are ignored.
type Record struct {
	Code        string `json:"ma_thu_tuc"`
	DetailURL   string `json:"detail_url"`
	Title       string `json:"ten_thu_tuc"`
	Decision    string `json:"so_quyet_dinh"`
	Level       string `json:"cap_thuc_hien"`
	Kind        string `json:"loai_thu_tuc"`
	Domain      string `json:"linh_vuc"`
	Applicants  string `json:"doi_tuong_thuc_hien"`
	Authority   string `json:"co_quan_co_tham_quyen"`
	Address     string `json:"dia_chi_tiep_nhan"`
	Delegated   string `json:"co_quan_duoc_uy_quyen"`
	Cooperating string `json:"co_quan_phoi_hop"`
	Related     string `json:"thu_tuc_lien_quan"`
	Steps       string `json:"trinh_tu_thuc_hien"`
	Methods     string `json:"cach_thuc_thuc_hien"`
	Documents   string `json:"thanh_phan_ho_so"`
	LegalBasis  string `json:"can_cu_phap_ly"`
	Executing   string `json:"co_quan_thuc_hien"`
	Conditions  string `json:"yeu_cau_dieu_kien"`
	Result      string `json:"ket_qua_xu_ly"`
	Ministry    string `json:"bo_nganh"`
	FormalityID string `json:"formality_id"`
	RawText     string `json:"raw_text"`
}

// ReadFile reads a catalogue file; it is gunzipped when its name ends in .gz
// or its content starts with the gzip magic bytes.
func ReadFile(path string, progress func(done int)) ([]knowledge.Guide, []Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog.ReadFile: %w", err)
	}
	defer f.Close()
	gs, probs, err := Read(f, progress)
	if err != nil {
		return gs, probs, fmt.Errorf("catalog.ReadFile %s: %w", path, err)
	}
	return gs, probs, nil
}

// Read reads catalogue records, one JSON object per line (gzip-compressed or
// not: the magic bytes decide), and returns a guide for every record that
// could be read, in input order, with the problems found. Records without a
// code or a title, lines that are not JSON and repeated codes are dropped
// and reported; records with parts that cannot be parsed are kept and
// reported. progress, when not nil, is called with the number of lines read
// so far, every 100 lines and at the end. err is set only when the input
// cannot be read, or holds no record at all.
func Read(r io.Reader, progress func(done int)) ([]knowledge.Guide, []Problem, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("catalog.Read: gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 256<<10), maxLine)
	var (
		guides []knowledge.Guide
		probs  []Problem
		seen   = map[string]int{}
		line   int
	)
	for sc.Scan() {
		line++
		data := bytes.TrimSpace(sc.Bytes())
		if len(data) == 0 {
			continue
		}
		g, warns, err := ParseRecord(data)
		if err != nil {
			probs = append(probs, Problem{Line: line, Code: g.Code, Reason: err.Error(), Dropped: true})
		} else if first, dup := seen[g.Code]; dup {
			probs = append(probs, Problem{Line: line, Code: g.Code, Reason: fmt.Sprintf("code already read on line %d", first), Dropped: true})
		} else {
			seen[g.Code] = line
			guides = append(guides, g)
			for _, w := range warns {
				probs = append(probs, Problem{Line: line, Code: g.Code, Reason: w})
			}
		}
		if progress != nil && line%100 == 0 {
			progress(line)
		}
	}
	if progress != nil {
		progress(line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line %d longer than %d bytes: %w", line+1, maxLine, err)
		}
		return guides, probs, fmt.Errorf("catalog.Read: %w", err)
	}
	if len(guides) == 0 && len(probs) == 0 {
		return nil, nil, fmt.Errorf("catalog.Read: %w", ErrNoRecords)
	}
	return guides, probs, nil
}

// ParseRecord turns one JSON record into a catalogue guide. err is set when
// the record cannot become a guide (not a JSON object, no code, no title, a
// malformed code); the returned guide then carries the code when it was
// readable. warnings name parts that could not be parsed and were left out.
//
// Field mapping (doc/guide-format.md has the full table): ID from the code,
// Title ten_thu_tuc, Agency co_quan_co_tham_quyen, Level cap_thuc_hien
// lowercased, Domain the slug of linh_vuc, SourceURL detail_url, LegalBasis
// from can_cu_phap_ly, Documents from thanh_phan_ho_so, Steps from
// trinh_tu_thuc_hien, Methods from cach_thuc_thuc_hien with Fee, Duration and
// Online summarised from them, Where from co_quan_thuc_hien and
// dia_chi_tiep_nhan, Eligibility from doi_tuong_thuc_hien and
// yeu_cau_dieu_kien, Reviewed = Snapshot. All text is NFC.
func ParseRecord(data []byte) (knowledge.Guide, []string, error) {
	var rec Record
	g := knowledge.Guide{Source: knowledge.SourceCatalog}
	if err := json.Unmarshal(data, &rec); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return g, nil, fmt.Errorf("not a JSON record: %v (at byte %d)", syn, syn.Offset)
		}
		return g, nil, fmt.Errorf("not a catalogue record: %v", err)
	}
	nfc := func(s string) string { return tidy(norm.NFC.String(s)) }
	g.Code = strings.TrimSpace(rec.Code)
	if g.Code == "" {
		return g, nil, errors.New("no ma_thu_tuc (procedure code)")
	}
	if !knowledge.ValidCode(g.Code) {
		return g, nil, fmt.Errorf("ma_thu_tuc %q is not a procedure code", g.Code)
	}
	g.Title = strings.Join(strings.Fields(nfc(rec.Title)), " ")
	if g.Title == "" {
		return g, nil, errors.New("no ten_thu_tuc (title)")
	}
	g.ID = IDPrefix + strings.ReplaceAll(g.Code, ".", "-")
	var warns []string

	g.Agency = nfc(rec.Authority)
	g.Level = lowerFirst(nfc(rec.Level))
	g.Domain = Slug(norm.NFC.String(rec.Domain))
	if u := strings.TrimSpace(rec.DetailURL); u != "" {
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			g.SourceURL = u
		} else {
			warns = append(warns, fmt.Sprintf("detail_url %q is not a web address; left out", u))
		}
	} else {
		warns = append(warns, "no detail_url")
	}
	g.LegalBasis = SplitLegalBasis(norm.NFC.String(rec.LegalBasis))
	g.Documents = SplitDocuments(norm.NFC.String(rec.Documents))
	g.Steps = SplitSteps(norm.NFC.String(rec.Steps))

	methods, ok := ParseMethods(norm.NFC.String(rec.Methods))
	if !ok {
		warns = append(warns, "cach_thuc_thuc_hien: rows not understood; channels, fee and time may be incomplete")
	}
	g.Methods = methods
	g.Fee = summarise(methods, func(m knowledge.Method) string { return m.Fee })
	g.Duration = summarise(methods, func(m knowledge.Method) string { return m.Duration })
	g.Online = OnlineLevel(g.Title, norm.NFC.String(rec.Methods), methods)

	var where []string
	if ex := nfc(rec.Executing); informative(ex) {
		where = append(where, "Cơ quan thực hiện: "+ex)
	}
	if addr := nfc(rec.Address); informative(addr) {
		where = append(where, "Địa chỉ tiếp nhận: "+addr)
	}
	g.Where = strings.Join(where, "\n")

	var elig []string
	if who := nfc(rec.Applicants); informative(who) {
		elig = append(elig, "Đối tượng thực hiện: "+who)
	}
	if cond := nfc(rec.Conditions); informative(cond) {
		elig = append(elig, "Yêu cầu, điều kiện:\n"+cond)
	}
	g.Eligibility = strings.Join(elig, "\n\n")

	var body []string
	if res := Result(norm.NFC.String(rec.Result)); res != "" {
		body = append(body, "## Kết quả\n\n"+res)
	}
	if rel := nfc(rec.Related); informative(rel) {
		body = append(body, "## Thủ tục liên quan\n\n"+rel)
	}
	g.Body = strings.Join(body, "\n\n")
	g.Reviewed = Snapshot
	return g, warns, nil
}

// OnlineLevel derives the online service level of a catalogue record:
//   - "toàn trình" when the title or the cach_thuc_thuc_hien text says
//     "toàn trình" (the portal names fully online procedures so);
//   - "một phần" when Trực tuyến is among the channels: the record does not
//     say whether the result or an original must still be handled in
//     person, so the weaker claim is made;
//   - "không" when channels are listed and none is Trực tuyến;
//   - "" (unknown) when the record lists no channel at all.
func OnlineLevel(title, methodsText string, methods []knowledge.Method) string {
	flat := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	if strings.Contains(flat(title), "toàn trình") || strings.Contains(flat(methodsText), "toàn trình") {
		return knowledge.OnlineFull
	}
	if len(methods) == 0 {
		return "" // no channel listed: unknown, not "không"
	}
	for _, m := range methods {
		if m.Channel == ChannelOnline {
			return knowledge.OnlinePartial
		}
	}
	return knowledge.OnlineNone
}

// informative reports whether a catalogue cell says something: not empty
// and not "Không có thông tin" / "Không" / "Không có".
func informative(s string) bool {
	switch strings.TrimRight(strings.TrimSpace(s), ".") {
	case "", "Không có thông tin", "Không", "Không có", "Không quy định":
		return false
	}
	return true
}
