package bleveindex

import "botdvc/knowledge/vntext"

// Indexed field names. Each source field group has three forms: accented
// (normalised syllables), folded ("_f") and folded bigrams ("_bi").
const (
	fTitle      = "title"
	fTitleF     = "title_f"
	fTitleBi    = "title_bi"
	fAliases    = "aliases"
	fAliasesF   = "aliases_f"
	fAliasesBi  = "aliases_bi"
	fBodyF      = "body_f"
	fBodyBi     = "body_bi"
	fCode       = "code"      // national codes, keyword
	fTitleRaw   = "title_raw" // stored only, for Hit.Title
	fCodeRaw    = "code_raw"  // stored only, for Hit.Code
	docTypeName = "guide"
)

// guideDoc is the bleve document for an analysed guide.
func guideDoc(a vntext.GuideText) map[string]any {
	return map[string]any{
		"_type":    docTypeName,
		fTitle:     a.TitleAcc,
		fTitleF:    a.TitleFold,
		fTitleBi:   a.TitleBi,
		fAliases:   a.AliasesAcc,
		fAliasesF:  a.AliasesFold,
		fAliasesBi: a.AliasBi,
		fBodyF:     a.BodyFold,
		fBodyBi:    a.BodyBi,
		fCode:      a.Codes,
		fTitleRaw:  a.Title,
		fCodeRaw:   a.Code,
	}
}
