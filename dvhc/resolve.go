package dvhc

import (
	"sort"
	"strings"

	"botdvc/knowledge/vntext"
)

// Outcome says what a question about units resolved to.
type Outcome int

// Outcomes of Resolve.
const (
	None     Outcome = iota // no unit or district named
	OldUnit                 // one old unit: where it went (Result.Old)
	NewUnit                 // one new unit: what it was formed from (Result.Unit)
	Ask                     // several units fit: ask which (Result.Choices)
	District                // an old district and no unit (Result.District)
)

// Choice is one unit offered when a name is ambiguous.
type Choice struct {
	// Label tells the choices apart in a few words, so that it fits a quick
	// reply (Messenger shows 20 characters): the old district ("quận Hai Bà
	// Trưng"), else the unit ("Xã Minh Khai"), or the province.
	Label string
	// Detail is the rest of what the citizen reads in the list ("Phường
	// Minh Khai"); "" when Label says it all.
	Detail string
	Key    string // ResolveKey reads it back
}

// Result is a resolved question.
type Result struct {
	Outcome Outcome
	Old     *Old
	Unit    *Unit
	Choices []Choice
	// Province is where the answer is; Elsewhere, the other provinces
	// where the name also exists (Hà Nội is answered first).
	Province  string
	Elsewhere []string
	District  string // for District: the district as written ("quận Hoàn Kiếm")
	Name      string // the name asked about, as typed
}

// Resolve finds what an analysed question names. Hà Nội comes first: a
// name that exists there is answered there unless the question names
// another province; the other provinces are listed in Elsewhere.
func (d *Directory) Resolve(a Analysis) Result {
	if len(a.Mentions) == 0 {
		if len(a.Districts) > 0 {
			return d.district(a)
		}
		return Result{}
	}
	m := a.Mentions[0]
	var olds []*Old
	for _, o := range d.byOld[m.Name] {
		if kindFits(m.Kind, o.Kind) && typedMatches(strings.Fields(m.Typed), vntext.Tokens(o.Name)) {
			olds = append(olds, o)
		}
	}
	var units []*Unit
	for _, u := range d.byNew[m.Name] {
		if kindFits(m.Kind, u.Kind) && typedMatches(strings.Fields(m.Typed), vntext.Tokens(u.Name)) {
			units = append(units, u)
		}
	}
	if len(a.Provinces) > 0 {
		if o := filter(olds, func(o *Old) bool { return contains(a.Provinces, o.Province) }); len(o) > 0 || len(units) > 0 {
			olds = o
		}
		if u := filter(units, func(u *Unit) bool { return contains(a.Provinces, u.Province) }); len(u) > 0 || len(olds) > 0 {
			units = u
		}
	}
	reverse := len(olds) == 0 || (len(units) > 0 && (a.Reverse || a.New && !a.Old))
	if reverse && len(units) > 0 {
		res := Result{Name: units[0].Name}
		units, res.Province, res.Elsewhere = pickProvince(units, func(u *Unit) string { return u.Province })
		if len(units) == 1 {
			res.Outcome, res.Unit = NewUnit, units[0]
			return res
		}
		res.Outcome = Ask
		for _, u := range units {
			res.Choices = append(res.Choices, Choice{Label: u.Province, Detail: upperFirst(u.Label()), Key: "n:" + u.Province + "|" + u.Name})
		}
		return res
	}
	if len(olds) == 0 {
		return Result{}
	}
	olds = filterDistrict(olds, a.Districts)
	res := Result{Name: olds[0].Name}
	olds, res.Province, res.Elsewhere = pickProvince(olds, func(o *Old) string { return o.Province })
	if len(olds) == 1 {
		res.Outcome, res.Old = OldUnit, olds[0]
		return res
	}
	res.Outcome = Ask
	for _, o := range olds {
		c := Choice{Key: "o:" + o.key}
		unit := Part{Kind: o.Kind, Name: o.Name}.Label()
		switch {
		case res.Province == "":
			c.Label, c.Detail = o.Province, o.Label()
		case o.District != "":
			c.Label, c.Detail = o.District, unit
		default:
			c.Label = unit
		}
		res.Choices = append(res.Choices, c)
	}
	return res
}

// ResolveKey reads back a Choice key.
func (d *Directory) ResolveKey(key string) Result {
	switch {
	case strings.HasPrefix(key, "o:"):
		if o, ok := d.byKey[key[2:]]; ok {
			return Result{Outcome: OldUnit, Old: o, Province: o.Province, Name: o.Name}
		}
	case strings.HasPrefix(key, "n:"):
		prov, name, _ := strings.Cut(key[2:], "|")
		for _, u := range d.byNew[foldName(name)] {
			if u.Province == prov && u.Name == name {
				return Result{Outcome: NewUnit, Unit: u, Province: prov, Name: name}
			}
		}
	}
	return Result{}
}

// district answers a question that names an old district and no unit.
func (d *Directory) district(a Analysis) Result {
	fd := a.Districts[0]
	for _, h := range hanoiDistricts {
		if foldName(districtName(h)) == fd && (len(a.Provinces) == 0 || contains(a.Provinces, HaNoi)) {
			return Result{Outcome: District, District: h, Province: HaNoi}
		}
	}
	labels := d.districts[fd]
	for _, l := range labels {
		name, prov, _ := strings.Cut(l, ", ")
		if len(a.Provinces) == 0 || contains(a.Provinces, prov) {
			return Result{Outcome: District, District: name, Province: prov}
		}
	}
	return Result{}
}

// kindFits reports whether a unit of kind have can be meant by a unit word
// of kind asked (KindUnknown on either side fits anything).
func kindFits(asked, have Kind) bool {
	return asked == KindUnknown || have == KindUnknown || asked == have
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// filterDistrict keeps the old units of the named districts. When none of
// the district-qualified units match, the ones the file gives no district
// stay (the named district is not one the file uses to tell them apart);
// when nothing fits at all, every unit stays.
func filterDistrict(olds []*Old, districts []string) []*Old {
	if len(districts) == 0 {
		return olds
	}
	in := filter(olds, func(o *Old) bool {
		return o.District != "" && contains(districts, foldName(districtName(o.District)))
	})
	if len(in) > 0 {
		return in
	}
	if bare := filter(olds, func(o *Old) bool { return o.District == "" }); len(bare) > 0 {
		return bare
	}
	return olds
}

// pickProvince keeps Hà Nội's entries when there are any, else every
// province's; it returns the province answered ("" when several) and the
// other provinces where the name exists, sorted.
func pickProvince[T any](xs []T, prov func(T) string) ([]T, string, []string) {
	provs := map[string]bool{}
	for _, x := range xs {
		provs[prov(x)] = true
	}
	keep := xs
	if provs[HaNoi] {
		keep = filter(xs, func(x T) bool { return prov(x) == HaNoi })
	}
	var elsewhere []string
	answered := ""
	if len(keep) > 0 {
		answered = prov(keep[0])
	}
	for p := range provs {
		if p != answered {
			elsewhere = append(elsewhere, p)
		}
	}
	if len(provs) > 1 && !provs[HaNoi] {
		answered, elsewhere = "", nil
	}
	sort.Strings(elsewhere)
	return keep, answered, elsewhere
}
