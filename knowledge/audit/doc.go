// Package audit checks curated guides for stale facts against the national
// procedure catalogue and a register of replaced and amended documents
// (doc/writing-guides.md tells editors how to use it; `botctl audit` and the
// admin stale page print its findings).
//
// The checks, each a Kind:
//
//   - MissingCircular: the legal basis lacks a circular that the catalogue
//     records of the guide's codes cite, or that records on the same fee
//     schedule cite with the fee (a time-limited rate still in force). "The
//     same fee schedule" is a Ministry of Finance circular that the guide or
//     its records rest on and that is not a cross-cutting one (it is cited
//     from one catalogue domain only).
//   - FeeRate: such a rate exists and the guide's fee does not mention its
//     circular.
//   - UnknownAmount: a sum of money in the fee (or, written with a currency word,
//     in an FAQ answer or the body) that no record of the guide's codes gives,
//     directly or as a percentage the record states.
//   - Replaced / Amended: the guide cites a document that a record's text (or
//     the register, register.tsv) says was replaced, or amended by a document
//     the guide does not cite.
//   - RateEnded / RateEnding: a time limit written in the guide ("đến hết
//     31/12/2026") is past, or ends within 60 days.
//   - ReviewOld: `reviewed` is older than 12 months.
//
// A finding is Explained when the guide itself explains it: the document is
// named elsewhere in the guide, the sentence with an amount cites a document
// of the legal basis, the sentence with a replaced document names the
// replacing one and says so, the sentence with a past time limit says the
// rate is over, or the guide says what applies from the day after a limit
// that is about to end. Open findings need an editor.
package audit
