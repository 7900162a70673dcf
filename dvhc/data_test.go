package dvhc

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

const sharedCSV = "../../shared/data/dvhc-2025.csv"

// TestBundledMatchesShared keeps the embedded copy equal to the shared file:
// when the shared file changes, run `go generate ./dvhc`.
func TestBundledMatchesShared(t *testing.T) {
	b, err := os.ReadFile(sharedCSV)
	if err != nil {
		t.Skipf("shared file not available: %v", err)
	}
	if !bytes.Equal(b, bundled) {
		t.Fatalf("dvhc/dvhc-2025.csv differs from %s: run `go generate ./dvhc`", sharedCSV)
	}
}

func mustLoad(tb testing.TB) *Directory {
	tb.Helper()
	d, err := Load()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestBundledCounts(t *testing.T) {
	d := mustLoad(t)
	if got := len(d.Units); got != 3321 {
		t.Errorf("units: %d, want 3321", got)
	}
	if got := len(d.Provinces()); got != 34 {
		t.Errorf("provinces: %d, want 34", got)
	}
	for _, o := range d.Olds {
		if len(o.Into) == 0 {
			t.Errorf("%s (%s) goes nowhere", o.Label(), o.Province)
		}
	}
}

// TestHanoiKinds: Hà Nội has 126 units since 1 July 2025, 51 phường and 75 xã.
func TestHanoiKinds(t *testing.T) {
	d := mustLoad(t)
	n := map[Kind]int{}
	for _, u := range d.Units {
		if u.Province == HaNoi {
			n[u.Kind]++
		}
	}
	if n[Phuong] != 51 || n[Xa] != 75 || n[KindUnknown] != 0 {
		t.Errorf("Hà Nội: %d phường, %d xã, %d unknown; want 51, 75, 0", n[Phuong], n[Xa], n[KindUnknown])
	}
}

// TestBundledProblems lists what the bundled file holds that is not a
// unit word + name: all reported with their line, none fatal.
func TestBundledProblems(t *testing.T) {
	_, probs, err := Parse(bytes.NewReader(bundled))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if p.Line < 2 || !strings.Contains(p.Msg, "no unit word") {
			t.Errorf("unexpected problem: %v", p)
		}
	}
	if len(probs) == 0 || len(probs) > 20 {
		t.Errorf("%d problems, want the handful of parts without a unit word", len(probs))
	}
}

func TestParseSplitUnit(t *testing.T) {
	d := mustLoad(t)
	os := d.OldNamed("Dịch Vọng Hậu")
	if len(os) != 1 {
		t.Fatalf("Dịch Vọng Hậu: %d old units", len(os))
	}
	o := os[0]
	if !o.Split || len(o.Into) != 2 || o.Into[0].Name != "Cầu Giấy" || o.Into[1].Name != "Nghĩa Đô" || o.Remainder.Name != "Nghĩa Đô" {
		t.Errorf("Dịch Vọng Hậu: split %v into %v, remainder %v", o.Split, names(o.Into), o.Remainder.Name)
	}
	// The remainder note names units that do not list the old unit.
	var md *Old
	for _, x := range d.OldNamed("Minh Khai") {
		if x.Province == HaNoi && x.District == "quận Bắc Từ Liêm" {
			md = x
		}
	}
	if md == nil || len(md.Into) != 4 {
		t.Fatalf("Minh Khai (quận Bắc Từ Liêm): %+v", md)
	}
}

func names(us []*Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}

func TestParseBadInput(t *testing.T) {
	cases := []struct {
		name, in string
		err      string // error substring; "" means parsed
		probLine int    // a problem expected at this line, 0 for none
	}{
		{"header only", "Tỉnh,\"Phường, xã mới\",\"Phường, xã trước sáp nhập\"\n", "", 0},
		{"bare quote", "Tỉnh,a,b\nHà Nội,X,\"Xã A\nHà Nội,\"Y,Z\n", "line", 0},
		{"wrong field count", "Tỉnh,a,b\nHà Nội,X\nHà Nội,Y,Xã Z\n", "", 2},
		{"empty name", "Tỉnh,a,b\nHà Nội,,Xã Z\n", "", 2},
		{"unbalanced bracket", "Tỉnh,a,b\nHà Nội,X,\"Xã A (phần còn lại sau khi sáp nhập vào xã Y, Xã B\"\n", "", 0},
		{"placeholder only", "Tỉnh,a,b\nHà Nội,X,\"-, Xã B\"\n", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, probs, err := Parse(strings.NewReader(c.in))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.probLine > 0 {
				found := false
				for _, p := range probs {
					found = found || p.Line == c.probLine
				}
				if !found {
					t.Errorf("no problem at line %d: %v", c.probLine, probs)
				}
			}
			for _, u := range d.Units {
				if u.Name == "" || u.Province == "" {
					t.Errorf("unit without name: %+v", u)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(string(bundled[:2000]))
	f.Add("Tỉnh,a,b\nHà Nội,X,\"Phường A (quận B) (phần còn lại sau khi sáp nhập vào phường X, phường Y), Xã C\"\n")
	f.Add("a,b,c\n\"\",\"(\",\")\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		d, _, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, u := range d.Units {
			if u.Name == "" || u.Province == "" {
				t.Fatalf("unit without name: %+v", u)
			}
		}
		for _, o := range d.Olds {
			if len(o.Into) == 0 {
				t.Fatalf("old unit with no successor: %+v", o)
			}
			if _, ok := d.OldByKey(o.Key()); !ok {
				t.Fatalf("old unit not found by its key %q", o.Key())
			}
		}
		// Anything parsed can be asked about without a panic.
		for _, u := range d.Units {
			r := d.Resolve(d.Analyse("phường " + u.Name + " gồm những phường nào"))
			_ = d.Text(r)
		}
	})
}

func FuzzAnalyse(f *testing.F) {
	for _, s := range []string{"phường Dịch Vọng Hậu cũ giờ thuộc phường nào", "xa hoi", "1", "p. phúc xá", "quận 5", "tp hcm phuong 1 cu", ""} {
		f.Add(s)
	}
	d := mustLoad(f)
	f.Fuzz(func(t *testing.T, s string) {
		a := d.Analyse(s)
		r := d.Resolve(a)
		_ = d.Text(r)
		_ = Note(r)
		for _, c := range r.Choices {
			if d.ResolveKey(c.Key).Outcome == None {
				t.Fatalf("choice %q does not resolve", c.Key)
			}
		}
	})
}
