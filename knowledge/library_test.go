package knowledge

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

func TestLibrary(t *testing.T) {
	cur := Guide{ID: "dang-ky-khai-sinh", Code: "1.001193", OtherCodes: []string{"1.004884"}, Title: "Đăng ký khai sinh", Source: SourceCurated}
	cat := Guide{ID: "tthc-1-001193", Code: "1.001193", Title: "Đăng ký khai sinh", Source: SourceCatalog}
	cat2 := Guide{ID: "tthc-1-000001", Code: "1.000001", Title: "Khác", Source: SourceCatalog}
	// The catalogue record comes first by id; the curated guide must still own the code.
	l := NewLibrary(cat, cur, cat2)
	if l.Len() != 3 || l.Version() != 0 {
		t.Fatalf("Len %d Version %d", l.Len(), l.Version())
	}
	if g, ok := l.ByCode("1.001193"); !ok || g.ID != cur.ID {
		t.Errorf("ByCode(1.001193) = %q, %v; want curated guide", g.ID, ok)
	}
	if g, ok := l.ByCode("1.004884"); !ok || g.ID != cur.ID {
		t.Errorf("ByCode(other code) = %q, %v", g.ID, ok)
	}
	if _, ok := l.ByCode("9.999999"); ok {
		t.Error("ByCode(unknown) found a guide")
	}
	var ids []string
	for _, g := range l.All() {
		ids = append(ids, g.ID)
	}
	if want := []string{"dang-ky-khai-sinh", "tthc-1-000001", "tthc-1-001193"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("All ids = %v, want %v", ids, want)
	}
	fp := l.Fingerprint()
	if NewLibrary(cur, cat2, cat).Fingerprint() != fp {
		t.Error("fingerprint depends on insertion order")
	}
	l.Delete("nope")
	if l.Version() != 0 {
		t.Error("deleting an unknown id changed the version")
	}
	l.Delete(cur.ID)
	if l.Version() != 1 || l.Len() != 2 {
		t.Errorf("after Delete: Version %d Len %d", l.Version(), l.Len())
	}
	if g, ok := l.ByCode("1.001193"); !ok || g.ID != cat.ID {
		t.Errorf("after deleting the curated guide ByCode = %q, %v; want the catalogue record", g.ID, ok)
	}
	if l.Fingerprint() == fp {
		t.Error("fingerprint unchanged after Delete")
	}
	changed := cat2
	changed.Title = "Khác nữa"
	l.Put(changed)
	if g, _ := l.Get(cat2.ID); g.Title != "Khác nữa" || l.Version() != 2 {
		t.Errorf("Put: got %q version %d", g.Title, l.Version())
	}
	if _, ok := l.Get(cur.ID); ok {
		t.Error("Get found a deleted guide")
	}
}

func TestLibraryConcurrent(t *testing.T) {
	l := NewLibrary()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := fmt.Sprintf("g-%d-%d", w, i)
				l.Put(Guide{ID: id, Code: fmt.Sprintf("1.%06d", i)})
				l.Get(id)
				l.ByCode("1.000001")
				_ = l.Fingerprint()
				if i%2 == 0 {
					l.Delete(id)
				}
			}
		}(w)
	}
	wg.Wait()
	if l.Len() != 100 || l.Version() != 300 {
		t.Errorf("Len %d Version %d, want 100 and 300", l.Len(), l.Version())
	}
}

func TestMerge(t *testing.T) {
	curated := []Guide{
		{ID: "dang-ky-khai-sinh", Code: "1.001193"},
		{ID: "cap-lai-the-can-cuoc", Code: "1.000001", OtherCodes: []string{"1.000002"}},
		{ID: "tai-khoan-cong-dich-vu-cong"},
	}
	catalog := []Guide{
		{ID: "tthc-1-001193", Code: "1.001193", Source: SourceCatalog},
		{ID: "tthc-1-000002", Code: "1.000002", Source: SourceCatalog},
		{ID: "tthc-1-000003", Code: "1.000003", Source: SourceCatalog},
	}
	var ids []string
	for _, g := range Merge(curated, catalog) {
		ids = append(ids, g.ID)
	}
	want := []string{"dang-ky-khai-sinh", "cap-lai-the-can-cuoc", "tai-khoan-cong-dich-vu-cong", "tthc-1-000003"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("Merge ids = %v, want %v", ids, want)
	}
}

func TestLint(t *testing.T) {
	a, err := ParseGuide("dang-ky-khai-sinh.md", []byte(validGuide))
	if err != nil {
		t.Fatal(err)
	}
	b := a
	b.ID, b.Path = "dang-ky-khai-sinh-2", "dang-ky-khai-sinh-2.md"
	b.Related = []string{"dang-ky-khai-sinh", "khong-co"}
	c := a
	c.Path = "copy.md"
	got := Lint([]Guide{a, b, c})
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.Error())
	}
	want := []string{
		`copy.md:2: id: duplicate id "dang-ky-khai-sinh" (also in dang-ky-khai-sinh.md:2)`,
		`dang-ky-khai-sinh-2.md:0: related: unknown guide id "khong-co"`,
		`dang-ky-khai-sinh-2.md:3: code: warning: code 1.001193 is also claimed by guide "dang-ky-khai-sinh" (dang-ky-khai-sinh.md:2)`,
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("Lint =\n%q\nwant\n%q", msgs, want)
	}
}
