package catalog

import (
	"bytes"
	"compress/gzip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"botdvc/knowledge"
)

// realFile is the national catalogue snapshot shared by the project.
const realFile = "../../../shared/data/dvcqg-procedures.jsonl.gz"

// The strings below are cells of real records of that file (NFC).

func TestParseMethods(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []knowledge.Method
		ok   bool
	}{
		{
			name: "1.010048 descriptions name other channels",
			in:   "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến5 Ngày làm việcMiễn phí+ Trực tuyến: nộp hồ sơ trực tuyến qua Cổng dịch vụ công quốc gia hoặc Cổng dịch vụ công Bộ Công anDịch vụ bưu chính5 Ngày làm việcMiễn phí+ Dịch vụ bưu chính: gửi hồ sơ qua dịch vụ bưu chính công ích đến Cục Quản lý xuất nhập cảnh.Trực tiếp5 Ngày làm việcMiễn phí+ Trực tiếp: nộp hồ sơ trực tiếp tại trụ sở Cục Quản lý xuất nhập cảnh.",
			want: []knowledge.Method{
				{Channel: "Trực tuyến", Duration: "5 Ngày làm việc", Fee: "Miễn phí", Note: "+ Trực tuyến: nộp hồ sơ trực tuyến qua Cổng dịch vụ công quốc gia hoặc Cổng dịch vụ công Bộ Công an"},
				{Channel: "Dịch vụ bưu chính", Duration: "5 Ngày làm việc", Fee: "Miễn phí", Note: "+ Dịch vụ bưu chính: gửi hồ sơ qua dịch vụ bưu chính công ích đến Cục Quản lý xuất nhập cảnh."},
				{Channel: "Trực tiếp", Duration: "5 Ngày làm việc", Fee: "Miễn phí", Note: "+ Trực tiếp: nộp hồ sơ trực tiếp tại trụ sở Cục Quản lý xuất nhập cảnh."},
			},
			ok: true,
		},
		{
			name: "2.000012 bare-digit time runs into the amount",
			in:   "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp120 VNĐ(20.000 vnđ /tờ khai)",
			want: []knowledge.Method{
				{Channel: "Trực tuyến", Duration: "1", Fee: "20 VNĐ (20.000 vnđ /tờ khai)"},
				{Channel: "Trực tiếp", Duration: "1", Fee: "20 VNĐ (20.000 vnđ /tờ khai)"},
			},
			ok: true,
		},
		{
			name: "1.009825 time Không, fee Không có thông tin",
			in:   "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếpKhôngKhông có thông tinTại Trung tâm phục vụ hành chính công cấp tỉnh, xãTrực tuyếnKhôngKhông có thông tinQua Cổng dịch vụ công Quốc gia",
			want: []knowledge.Method{
				{Channel: "Trực tiếp", Duration: "Không", Fee: "Không có thông tin", Note: "Tại Trung tâm phục vụ hành chính công cấp tỉnh, xã"},
				{Channel: "Trực tuyến", Duration: "Không", Fee: "Không có thông tin", Note: "Qua Cổng dịch vụ công Quốc gia"},
			},
			ok: true,
		},
		{
			name: "1.004884 fee note kept: set by the provincial council",
			in:   "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5Miễn phí(Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh, thành phố trực thuộc Trung ương quyết định. Phí cấp bản sao Giấy khai sinh (nếu có yêu cầu) thực hiện theo quy định tại Thông tư số 281/2016/TT-BTC ngày 14/11/2016 của Bộ Tài chính.)",
			want: []knowledge.Method{
				{Channel: "Trực tiếp", Duration: "5", Fee: "Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh, thành phố trực thuộc Trung ương quyết định. Phí cấp bản sao Giấy khai sinh (nếu có yêu cầu) thực hiện theo quy định tại Thông tư số 281/2016/TT-BTC ngày 14/11/2016 của Bộ Tài chính.)"},
			},
			ok: true,
		},
		{
			name: "1.014900 fee with Phí : prefix and amount",
			in:   "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việc50,000 Việt Nam Đồng(Phí : 50.000 Đồng - 50.000đ/tem “AB”.)+ Trực tiếp: nộp hồ sơ",
			want: []knowledge.Method{
				{Channel: "Trực tiếp", Duration: "5 Ngày làm việc", Fee: "50,000 Việt Nam Đồng (Phí : 50.000 Đồng - 50.000đ/tem “AB”.)", Note: "+ Trực tiếp: nộp hồ sơ"},
			},
			ok: true,
		},
		{
			name: "Lệ phí : prefix",
			in:   "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp60 Ngày làm việcLệ phí : 50.000 Đồng",
			want: []knowledge.Method{{Channel: "Trực tiếp", Duration: "60 Ngày làm việc", Fee: "Lệ phí : 50.000 Đồng"}},
			ok:   true,
		},
		{name: "empty", in: "", ok: true},
		{name: "no information", in: "Không có thông tin", ok: true},
		{
			name: "1.009824 free-text time is not understood",
			in:   "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếpHệ thống giải quyết thủ tục hành chính ngành Thuế thực hiện phản hồi tự động thông qua phương thức điện tử.Không có thông tinTại Trung tâm phục vụ hành chính công cấp tỉnh, xã",
			ok:   false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseMethods(tt.in)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMethods = %#v, %v\nwant %#v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSplitLegalBasis(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{
			name: "1.000178",
			in:   "Tên văn bản pháp lýMã văn bảnHướng dẫn xử lý khiếu nại, kiến nghị, phản ánh; giải quyết khiếu nại và quản lý công tác giải quyết khiếu nại trong công an nhân dân68/2013/TT-BCALuật Khiếu nại  năm 201102/2011/QH13Quy định quy trình giải quyết khiếu nại trong công an nhân dân11/2015/TT-BCANghị định 05/2012/NĐ-CP05/2012/NĐ-CP",
			want: []string{
				"Hướng dẫn xử lý khiếu nại, kiến nghị, phản ánh; giải quyết khiếu nại và quản lý công tác giải quyết khiếu nại trong công an nhân dân (68/2013/TT-BCA)",
				"Luật Khiếu nại năm 2011 (02/2011/QH13)",
				"Quy định quy trình giải quyết khiếu nại trong công an nhân dân (11/2015/TT-BCA)",
				"Nghị định 05/2012/NĐ-CP",
			},
		},
		{
			name: "number inside the name followed by a space stays in the name",
			in:   "Tên văn bản pháp lýMã văn bảnThông tư 85/2019/TT-BTC hướng dẫn về phí và lệ phí85/2019/TT-BTCThông tư số64/2025/TT-BCT",
			want: []string{"Thông tư 85/2019/TT-BTC hướng dẫn về phí và lệ phí", "Thông tư số 64/2025/TT-BCT"},
		},
		{
			name: "multi-ministry circular",
			in:   "Tên văn bản pháp lýMã văn bảnHướng dẫn cơ chế quản lý tài chính đào tạo lái xe72/2011/TTLT-BTC-BGTVT",
			want: []string{"Hướng dẫn cơ chế quản lý tài chính đào tạo lái xe (72/2011/TTLT-BTC-BGTVT)"},
		},
		{name: "none", in: "Không có thông tin", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitLegalBasis(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitLegalBasis =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{
			name: "1.002010 template file and quantities",
			in:   "--Tên giấy tờMẫu đơn, tờ khaiSố lượngDự thảo Điều lệ của công ty luật1 bản chínhGiấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư.0 bản chính,1 bản saoGiấy đề nghị đăng ký hoạt động theo mẫu thống nhấtMẫu TP-LS-02-sđ.docx1 bản chính",
			want: []string{
				"Dự thảo Điều lệ của công ty luật (1 bản chính)",
				"Giấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư. (1 bản sao)",
				"Giấy đề nghị đăng ký hoạt động theo mẫu thống nhất (1 bản chính)",
			},
		},
		{
			name: "1.003133 a name that starts with a quantity",
			in:   "--Tên giấy tờMẫu đơn, tờ khaiSố lượng01 bản sao có chứng thực giấy tờ chứng minh người đại diện.0 bản chính,1 bản saoTờ khai đề nghị cấp giấy thông hành (mẫu M01a)1 bản chính",
			want: []string{
				"01 bản sao có chứng thực giấy tờ chứng minh người đại diện. (1 bản sao)",
				"Tờ khai đề nghị cấp giấy thông hành (mẫu M01a) (1 bản chính)",
			},
		},
		{
			name: "1.001193 group heading and bullets",
			in:   "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Văn bản ủy quyền (được chứng thực).1 bản chínhTrường hợp đã nộp bản điện tử Giấy chứng sinh thì không phải nộp bản giấy.0 bản chính* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượngHộ chiếu hoặc thẻ căn cước1 bản chính",
			want: []string{
				"Giấy tờ phải nộp:",
				"Văn bản ủy quyền (được chứng thực). (1 bản chính)",
				"Trường hợp đã nộp bản điện tử Giấy chứng sinh thì không phải nộp bản giấy.",
				"Giấy tờ phải xuất trình:",
				"Hộ chiếu hoặc thẻ căn cước (1 bản chính)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitDocuments(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitDocuments =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSplitSteps(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"Bước markers", "Bước 1: Nộp hồ sơ\n\nChi tiết.\nBước 2: Nhận kết quả", []string{"Bước 1: Nộp hồ sơ\n\nChi tiết.", "Bước 2: Nhận kết quả"}},
		{"dashed Bước", "- Bước 1: Nộp.\n- Bước 2: Nhận.", []string{"Bước 1: Nộp.", "Bước 2: Nhận."}},
		{"lettered", "a) Nộp hồ sơ:\n+ trực tiếp\nb) Trả kết quả", []string{"a) Nộp hồ sơ:\n+ trực tiếp", "b) Trả kết quả"}},
		{"dashes (1.001193)", "- Nếu lựa chọn hình thức nộp hồ sơ trực tiếp, nộp tại Trung tâm.  \n- Nếu lựa chọn hình thức nộp hồ sơ trực tuyến, truy cập Cổng.\nNgười yêu cầu cung cấp thông tin.", []string{"Nếu lựa chọn hình thức nộp hồ sơ trực tiếp, nộp tại Trung tâm.", "Nếu lựa chọn hình thức nộp hồ sơ trực tuyến, truy cập Cổng.\nNgười yêu cầu cung cấp thông tin."}},
		{"one paragraph", "Nộp hồ sơ tại cơ quan.", []string{"Nộp hồ sơ tại cơ quan."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitSteps(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitSteps =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Khiếu nại, tố cáo":       "khieu-nai-to-cao",
		"Hộ tịch":                 "ho-tich",
		"Đường bộ":                "duong-bo",
		"Quản lý xuất nhập cảnh ": "quan-ly-xuat-nhap-canh",
		"":                        "",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOnlineLevel(t *testing.T) {
	online := []knowledge.Method{{Channel: ChannelInPerson}, {Channel: ChannelOnline}}
	inPerson := []knowledge.Method{{Channel: ChannelInPerson}}
	if got := OnlineLevel("Đăng ký xe tạm thời thực hiện bằng dịch vụ công  trực  tuyến toàn trình", "", inPerson); got != knowledge.OnlineFull {
		t.Errorf("title says toàn trình: got %q", got)
	}
	if got := OnlineLevel("Đăng ký khai sinh", "", online); got != knowledge.OnlinePartial {
		t.Errorf("online channel: got %q", got)
	}
	if got := OnlineLevel("Đăng ký khai sinh", "", inPerson); got != knowledge.OnlineNone {
		t.Errorf("no online channel: got %q", got)
	}
	if got := OnlineLevel("Đăng ký khai sinh", "", nil); got != "" {
		t.Errorf("no channel listed: got %q, want unknown", got)
	}
}

// record builds a JSON line with the given fields.
func record(code, title string) string {
	return `{"ma_thu_tuc": "` + code + `", "ten_thu_tuc": "` + title + `", "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x", "linh_vuc": "Hộ tịch", "cap_thuc_hien": "Cấp xã", "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp1 Ngày làm việcMiễn phí"}`
}

func TestRead(t *testing.T) {
	// "Đăng ký" in NFD, as some real records have it.
	nfd := "Đa\u0306ng ky\u0301 khai sinh"
	lines := []string{
		record("1.001193", nfd),
		`{"ma_thu_tuc": "1.000002", "ten_thu_tuc": "Cắt ngang`,
		record("", "Không có mã"),
		record("1.000003", ""),
		record("1.001193", "Lặp mã"),
		"",
		record("1.000004", "Thủ tục khác"),
		`["not", "an", "object"]`,
		record("abc", "Mã sai"),
	}
	input := strings.Join(lines, "\n") + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(input))
	zw.Close()

	for name, data := range map[string][]byte{"plain": []byte(input), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			var calls []int
			gs, probs, err := Read(bytes.NewReader(data), func(n int) { calls = append(calls, n) })
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 2 || gs[0].ID != "tthc-1-001193" || gs[1].ID != "tthc-1-000004" {
				t.Fatalf("guides = %+v", gs)
			}
			if gs[0].Title != "Đăng ký khai sinh" || !norm.NFC.IsNormalString(gs[0].Title) {
				t.Errorf("title not NFC: %q", gs[0].Title)
			}
			g := gs[0]
			if g.Source != knowledge.SourceCatalog || g.Domain != "ho-tich" || g.Level != "cấp xã" || g.Online != knowledge.OnlineNone ||
				g.Fee != "Miễn phí" || g.Duration != "1 Ngày làm việc" || !g.Reviewed.Equal(Snapshot) {
				t.Errorf("guide fields: %+v", g)
			}
			want := []struct {
				line   int
				code   string
				reason string
			}{
				{2, "", "not a JSON record"},
				{3, "", "no ma_thu_tuc"},
				{4, "1.000003", "no ten_thu_tuc"},
				{5, "1.001193", "code already read on line 1"},
				{8, "", "not a catalogue record"},
				{9, "abc", "not a procedure code"},
			}
			if len(probs) != len(want) {
				t.Fatalf("problems = %v, want %d", probs, len(want))
			}
			for i, w := range want {
				p := probs[i]
				if p.Line != w.line || p.Code != w.code || !strings.Contains(p.Reason, w.reason) || !p.Dropped {
					t.Errorf("problem %d = %+v, want line %d code %q reason ~%q", i, p, w.line, w.code, w.reason)
				}
			}
			if len(calls) == 0 || calls[len(calls)-1] != 9 {
				t.Errorf("progress calls = %v, want a last call with 9", calls)
			}
		})
	}
}

func TestReadEmpty(t *testing.T) {
	if _, _, err := Read(strings.NewReader("\n\n"), nil); err == nil {
		t.Error("Read of an empty input: no error")
	}
}

// TestRealCatalogue reads the shared snapshot and checks counts and known
// records.
func TestRealCatalogue(t *testing.T) {
	if _, err := os.Stat(realFile); err != nil {
		t.Skipf("catalogue not available: %v", err)
	}
	gs, probs, err := ReadFile(realFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2642 {
		t.Errorf("%d guides, want 2642", len(gs))
	}
	dropped := 0
	for _, p := range probs {
		if p.Dropped {
			dropped++
		}
		t.Logf("problem: %s", p)
	}
	if dropped != 0 || len(probs) > 5 {
		t.Errorf("%d problems (%d dropped); want at most 5, none dropped", len(probs), dropped)
	}
	by := map[string]knowledge.Guide{}
	for _, g := range gs {
		by[g.Code] = g
		if !knowledge.ValidID(g.ID) || g.Title == "" || g.SourceURL == "" {
			t.Errorf("%s: id %q title %q url %q", g.Code, g.ID, g.Title, g.SourceURL)
		}
		for _, s := range append([]string{g.Title, g.Fee, g.Agency, g.Eligibility, g.Where, g.Body}, g.Documents...) {
			if !norm.NFC.IsNormalString(s) {
				t.Errorf("%s: text not NFC: %q", g.Code, s)
				break
			}
		}
		// Every catalogue guide can be written as a guide file and read back.
		back, err := knowledge.ParseGuide(g.ID+".md", knowledge.FormatGuide(g))
		if err != nil {
			t.Errorf("%s: formatted guide does not parse: %v", g.Code, err)
		} else if back.Path = ""; !reflect.DeepEqual(stripLines(back), g) {
			t.Errorf("%s: round trip changed the guide", g.Code)
		}
	}

	g, ok := by["1.001193"]
	if !ok {
		t.Fatal("1.001193 missing")
	}
	if g.ID != "tthc-1-001193" || g.Title != "Thủ tục đăng ký khai sinh" || g.Domain != "ho-tich" || g.Level != "cấp xã" || g.Online != knowledge.OnlinePartial {
		t.Errorf("1.001193: %q %q %q %q %q", g.ID, g.Title, g.Domain, g.Level, g.Online)
	}
	if len(g.Methods) != 3 || g.Methods[0].Channel != ChannelOnline || g.Fee != "Miễn phí" {
		t.Errorf("1.001193 methods %+v fee %q", g.Methods, g.Fee)
	}
	if g.Body != "## Kết quả\n\nGiấy khai sinh" {
		t.Errorf("1.001193 body %q", g.Body)
	}
	if !strings.HasPrefix(g.SourceURL, "https://dichvucong.gov.vn/") {
		t.Errorf("1.001193 url %q", g.SourceURL)
	}

	g = by["1.000178"]
	if want := []string{
		"Hướng dẫn xử lý khiếu nại, kiến nghị, phản ánh; giải quyết khiếu nại và quản lý công tác giải quyết khiếu nại trong công an nhân dân (68/2013/TT-BCA)",
		"Luật Khiếu nại năm 2011 (02/2011/QH13)",
		"Quy định quy trình giải quyết khiếu nại trong công an nhân dân (11/2015/TT-BCA)",
		"Nghị định 05/2012/NĐ-CP",
	}; !reflect.DeepEqual(g.LegalBasis, want) {
		t.Errorf("1.000178 legal basis %q", g.LegalBasis)
	}
	if len(g.Documents) != 8 || len(g.Steps) != 5 || g.Duration != "60 Ngày làm việc" || g.Fee != "Không có thông tin" || g.Online != knowledge.OnlineNone {
		t.Errorf("1.000178: %d documents, %d steps, duration %q, fee %q, online %q", len(g.Documents), len(g.Steps), g.Duration, g.Fee, g.Online)
	}
	if g.Domain != "khieu-nai-to-cao" || g.Agency != "Bộ Công an" || g.Level != "cấp bộ" {
		t.Errorf("1.000178: %q %q %q", g.Domain, g.Agency, g.Level)
	}
	if g := by["1.013083"]; g.Online != knowledge.OnlineFull {
		t.Errorf("1.013083 (title says toàn trình) online = %q", g.Online)
	}
	if g := by["1.003133"]; !strings.HasPrefix(g.Fee, "Trực tuyến: 5,000 Việt Nam Đồng") || !strings.Contains(g.Fee, "; Trực tiếp: 40 Việt Nam Đồng") {
		t.Errorf("1.003133 fee per channel: %q", g.Fee)
	}
	if !Snapshot.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Snapshot = %v", Snapshot)
	}
}

// stripLines copies g through its exported fields only, dropping the field
// line numbers ParseGuide records (a catalogue guide has none).
func stripLines(g knowledge.Guide) knowledge.Guide {
	return knowledge.Guide{
		ID: g.ID, Code: g.Code, OtherCodes: g.OtherCodes, Title: g.Title, Aliases: g.Aliases,
		Domain: g.Domain, Agency: g.Agency, Level: g.Level, Online: g.Online, Fee: g.Fee,
		Duration: g.Duration, Where: g.Where, Documents: g.Documents, Steps: g.Steps,
		Eligibility: g.Eligibility, Methods: g.Methods, LegalBasis: g.LegalBasis,
		SourceURL: g.SourceURL, Reviewed: g.Reviewed, Related: g.Related, FAQ: g.FAQ,
		Body: g.Body, Source: g.Source, Path: g.Path,
	}
}

// BenchmarkReadCatalogue measures reading the whole shared snapshot.
func BenchmarkReadCatalogue(b *testing.B) {
	data, err := os.ReadFile(realFile)
	if err != nil {
		b.Skipf("catalogue not available: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		gs, _, err := Read(bytes.NewReader(data), nil)
		if err != nil || len(gs) == 0 {
			b.Fatal(err)
		}
	}
}

// FuzzCatalogRecord checks that ParseRecord never panics, that a guide it
// accepts has a valid id and code and NFC text, and that it can be written
// as a guide file and read back unchanged.
func FuzzCatalogRecord(f *testing.F) {
	f.Add([]byte(record("1.001193", "Đăng ký khai sinh")))
	f.Add([]byte(`{"ma_thu_tuc":"1.000178","ten_thu_tuc":"x","can_cu_phap_ly":"Tên văn bản pháp lýMã văn bảnLuật Khiếu nại  năm 201102/2011/QH13Nghị định 05/2012/NĐ-CP05/2012/NĐ-CP","thanh_phan_ho_so":"--Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn1 bản chính","trinh_tu_thuc_hien":"Bước 1: a\nBước 2: b","yeu_cau_dieu_kien":"Không có thông tin","ket_qua_xu_ly":"Quyết địnhMã: KQ.G01.00262Từ khóa"}`))
	f.Add([]byte(`{"ma_thu_tuc":"2.000012","ten_thu_tuc":" a\u0301 ","cach_thuc_thuc_hien":"Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp120 VNĐ(","detail_url":"ftp://x"}`))
	f.Add([]byte(`{"ma_thu_tuc":1}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, _, err := ParseRecord(data)
		if err != nil {
			return
		}
		if !knowledge.ValidID(g.ID) || !knowledge.ValidCode(g.Code) || g.Title == "" {
			t.Fatalf("accepted guide with id %q code %q title %q", g.ID, g.Code, g.Title)
		}
		for _, s := range append([]string{g.Title, g.Fee, g.Duration, g.Where, g.Eligibility, g.Body}, append(g.Documents, g.LegalBasis...)...) {
			if !norm.NFC.IsNormalString(s) {
				t.Fatalf("text not NFC: %q", s)
			}
		}
		back, _ := knowledge.ParseGuide(g.ID+".md", knowledge.FormatGuide(g))
		back.Path = ""
		if got := stripLines(back); !reflect.DeepEqual(got, g) {
			t.Fatalf("guide file round trip changed the guide\nbefore %#v\nafter  %#v", g, got)
		}
	})
}

// FuzzParseMethods checks that ParseMethods never panics and that every row
// it returns has a known channel and a fee.
func FuzzParseMethods(f *testing.F) {
	f.Add("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến5 Ngày làm việcMiễn phí+ Trực tuyến: nộpTrực tiếp5 Ngày làm việcMiễn phí")
	f.Add("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến140,000 Việt Nam Đồng(- Xe ô tô (từ 10 chỗ)Dịch vụ bưu chínhKhôngKhông có thông tin")
	f.Add("Trực tiếpPhí : 50.000 Đồng(((")
	f.Add("Trực tuyến1")
	f.Fuzz(func(t *testing.T, s string) {
		ms, _ := ParseMethods(s)
		for _, m := range ms {
			switch m.Channel {
			case ChannelInPerson, ChannelOnline, ChannelPost:
			default:
				t.Fatalf("unknown channel %q", m.Channel)
			}
			if m.Fee == "" {
				t.Fatalf("row without fee: %+v", m)
			}
		}
	})
}
