// Package dvhc (đơn vị hành chính: administrative units) answers questions
// about the reorganisation of 1 July 2025: which new phường or xã an old
// phường, xã or thị trấn now belongs to, what a new unit was formed from,
// and what that means for a citizen (papers stay valid, where to submit
// now, how to check the exact unit, the scam warning).
//
// The data is a bundled copy of ../shared/data/dvhc-2025.csv (all 34
// provinces, 3,321 new units with the units they replaced; "phần còn lại
// sau khi sáp nhập vào …" marks an old unit split between several new
// ones). Regenerate it with `go generate ./dvhc`; a test fails while the
// copy differs from the shared file. Parse reads the file once (Load):
// NFC-normalised, every old unit grouped by province, kind, name and the
// district the file gives to tell same-named units apart, every successor
// of a split unit resolved.
//
// Directory.Analyse reads a question (names with or without diacritics and
// unit word, old districts and provinces, cues such as "giờ thuộc",
// "gồm những"), Resolve picks the unit (Hà Nội first; an ambiguous name
// asks back which district) and Text writes the reply. Chat is the
// bot.Middleware that puts this in front of the answer engine: questions
// about the change are answered here; a procedure question that merely
// mentions an old unit goes to the engine, whose answer gets one line
// naming the new unit. Page serves the public lookup /tra-cuu-phuong-xa.
package dvhc
