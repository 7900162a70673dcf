// Package complaint is the complaints desk: citizens' complaints and
// petitions (phản ánh, kiến nghị) about administrative procedures, rules,
// staff and delays, from intake to a published answer.
//
// A complaint (Case) has a code a person can read over the phone
// ("PA-4829-1736": eight digits, the last a check digit), a status
// (received → forwarded to an agency → answered → closed), a deadline in
// working days (Calendar), the citizen's text redacted with bot.Redact,
// and a contact only when the citizen consented to leave one: the one
// piece of personal data kept, shown only to staff. Cases live in the
// JetStream KV bucket COMPLAINTS and every instance keeps a view of them
// from the bucket's watch; changes are revision-checked updates.
//
// Intake returns the chat middleware: it recognises a complaint in any
// channel's conversation (bot.IsComplaint, or "tôi muốn phản ánh…"),
// reads what the message already says (procedure, commune or ward, when,
// a phone number or e-mail), asks only what is missing, reads the
// complaint back and files it on "gửi". It also answers "tra cứu phản ánh
// PA-…", takes "hài lòng" after an answer, and sends answers that waited
// for the channel's reply window with the citizen's next message.
//
// Staff work in Console (a tab of the hotline console and the API under
// /api/v1/hotline/complaints). Desk.Answer sends the answer on the
// citizen's channel through the Outbox when the window allows; Publish
// puts an anonymised version on /phan-anh (Public), kept in
// COMPLAINTS_PUBLISHED until unpublished. Stats feeds the monthly report.
//
// A complaint is not a hotline ticket: see doc/complaints.md for how the
// two relate, the routes, the NATS layout and the retention rules.
package complaint
