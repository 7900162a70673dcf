// Package vntext is the Vietnamese text analysis shared by every search
// backend and by the answer engine.
//
// Citizens type on phones: often without diacritics, in upper case, with
// either tone placement ("hoà" or "hòa"), with abbreviations ("cccd",
// "dk ks", "gplx") and chat shorthand ("ko", "dc", "j"). The functions here
// turn such text into comparable tokens:
//
//   - Normalize: NFC, look-alike letters (Ð, ð, Ɖ) to đ, lower case, one
//     canonical tone placement per syllable ("hoà"→"hòa", "thuỷ"→"thủy",
//     "qúy"→"quý") and one spelling of the i/y variants ("kí"→"ký",
//     "lí"→"lý", "qui"→"quy").
//   - Fold: Normalize, then strip every diacritic including đ→d and stray
//     combining marks of NFD input ("Đăng ký" → "dang ky").
//   - Tokens: the normalised syllables (runs of letters and digits).
//   - Bigrams: folded syllable bigrams ("khai_sinh"), the stand-in for
//     multi-syllable words, since no Go word segmenter exists.
//   - Expand: abbreviation and synonym rewriting with a Dict kept as data
//     (synonyms.txt, embedded; editors extend it with Dict.With).
//   - ContentWords: Expand minus the question fillers of stopwords.txt
//     ("cho em hỏi", "ạ", "với", "làm sao", ...).
//   - HasDiacritics: whether the citizen typed any Vietnamese marks, so a
//     search can prefer exact-accent matches ("bán" vs "bạn").
//   - TelexFold: the syllable meant by Telex keys typed without the input
//     method ("dangw kys" → "dang ky").
//   - AnalyzeGuide, AnalyzeQuery: the pre-analysed strings both search
//     backends index and search, so they see the same tokens.
//
// Every function is safe for concurrent use: nothing here holds a shared
// golang.org/x/text Transformer (those are stateful), and a Dict is
// immutable once built.
//
// Background and measurements: doc/search.md and
// ../shared/spec/vietnamese-search.md.
package vntext
