package news

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 12, 3, 9, 0, 0, 0, hanoi)

func TestBuild(t *testing.T) {
	exists := func(id string) bool { return id == "cap-doi-the-can-cuoc" || id == "dang-ky-thuong-tru" }
	cases := []struct {
		name   string
		in     Input
		fields []string // fields with problems; none means valid
	}{
		{"minimal", Input{Title: "Tiêu đề", Body: "Nội dung"}, nil},
		{"full", Input{Title: " Đổi  căn cước ", Body: "A\r\n\r\nB", Guides: []string{"cap-doi-the-can-cuoc", "cap-doi-the-can-cuoc"}, From: "2026-12-01", Until: "2026-12-31"}, nil},
		{"empty", Input{}, []string{"title", "body"}},
		{"long title", Input{Title: strings.Repeat("a", MaxTitle+1), Body: "x"}, []string{"title"}},
		{"long body", Input{Title: "t", Body: strings.Repeat("á", MaxBody+1)}, []string{"body"}},
		{"unknown guide", Input{Title: "t", Body: "b", Guides: []string{"khong-co"}}, []string{"guides"}},
		{"bad guide id", Input{Title: "t", Body: "b", Guides: []string{"Cấp đổi"}}, []string{"guides"}},
		{"bad from", Input{Title: "t", Body: "b", From: "1/12/2026"}, []string{"from"}},
		{"bad until", Input{Title: "t", Body: "b", Until: "tomorrow"}, []string{"until"}},
		{"until before from", Input{Title: "t", Body: "b", From: "2026-12-10", Until: "2026-12-01"}, []string{"until"}},
		{"moment", Input{Title: "t", Body: "b", From: "2026-12-01T08:00:00+07:00", Until: "2026-12-01T17:00:00+07:00"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := c.in.Build(testNow, exists)
			var ve *ValidationError
			if len(c.fields) == 0 {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("want a ValidationError, got %v (%+v)", err, a)
			}
			var got []string
			for _, p := range ve.Problems {
				if p.Message == "" {
					t.Errorf("problem without message on %s", p.Field)
				}
				got = append(got, p.Field)
			}
			if strings.Join(got, ",") != strings.Join(c.fields, ",") {
				t.Errorf("problems on %v, want %v: %v", got, c.fields, ve)
			}
		})
	}
}

func TestBuildPeriod(t *testing.T) {
	a, err := Input{Title: "t", Body: "b", Guides: []string{"x", "x"}, From: "2026-12-01", Until: "2026-12-31"}.Build(testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Guides) != 1 {
		t.Errorf("guides %v: duplicates kept", a.Guides)
	}
	if got := a.Period(); got != "từ 01/12/2026 đến hết 31/12/2026" {
		t.Errorf("period %q", got)
	}
	last := time.Date(2026, 12, 31, 23, 59, 0, 0, hanoi)
	if !a.Current(last) || a.Current(last.Add(time.Minute)) || a.Current(time.Date(2026, 11, 30, 23, 59, 0, 0, hanoi)) {
		t.Error("the period is the whole of 1 to 31 December, Hà Nội time")
	}
	if in := a.Input(); in.From != "2026-12-01" || in.Until != "2026-12-31" {
		t.Errorf("Input() = %+v, want the days back", in)
	}
	b, _ := Input{Title: "t", Body: "b"}.Build(testNow, nil)
	if !b.From.Equal(testNow) || !b.Until.IsZero() || !b.Current(testNow.AddDate(5, 0, 0)) {
		t.Errorf("empty from/until: %+v", b)
	}
}

func TestDecodeInput(t *testing.T) {
	for _, bad := range []string{``, `[]`, `{"title": 1}`, `{"titel": "x"}`, `{"title":"a"} {}`, "{\"title\":\"\xff\"}"} {
		if _, err := DecodeInput([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
	in, err := DecodeInput([]byte(`{"title":"T","body":"B","guides":["a-b"],"from":"2026-12-01","until":""}`))
	if err != nil || in.Title != "T" || len(in.Guides) != 1 {
		t.Fatalf("%+v %v", in, err)
	}
}

func FuzzDecodeInput(f *testing.F) {
	f.Add([]byte(`{"title":"Đổi căn cước","body":"Từ 1/1","guides":["cap-doi-the-can-cuoc"],"from":"2026-12-01","until":"2026-12-31"}`))
	f.Add([]byte(`{"from":"2026-02-30"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := DecodeInput(b)
		if err != nil {
			return
		}
		a, err := in.Build(testNow, nil)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Build failed without problems: %v", err)
			}
			return
		}
		if a.Title == "" || a.Body == "" || (!a.Until.IsZero() && !a.Until.After(a.From)) {
			t.Fatalf("invalid announcement accepted: %+v", a)
		}
		_ = a.Period()
		if _, err := a.Input().Build(testNow, nil); err != nil {
			t.Fatalf("Input() of a valid announcement does not build: %v", err)
		}
	})
}

func TestCommands(t *testing.T) {
	cases := map[string]command{
		"tin mới":               cmdList,
		"Tin moi":               cmdList,
		"có tin gì mới không ạ": cmdList,
		"theo dõi":              cmdFollow,
		"theo doi nhe":          cmdFollow,
		"đăng ký nhận tin":      cmdFollow,
		"hủy theo dõi":          cmdUnfollow,
		"huy theo doi":          cmdUnfollow,
		"theo dõi hồ sơ của tôi ở đâu":  cmdNone,
		"tin mới về căn cước là gì":     cmdNone,
		"đăng ký khai sinh":             cmdNone,
		"làm sao theo dõi hồ sơ đã nộp": cmdNone,
	}
	for text, want := range cases {
		if got, _ := parseCommand(msg(text)); got != want {
			t.Errorf("%q: %v, want %v", text, got, want)
		}
	}
}
