// Package community holds the rules of "customers help customers": the
// expert directory's import, what a member's own post says about their
// absence, the topics an expert is learned to know from forum threads
// (with the evidence), which experts to suggest for a case, the check that
// keeps a customer's personal data out of a hand-off, and the community
// answers a lead recognises ("hero of the month").
//
// It is pure: no I/O but the readers it is given, no clock but the times
// it is given, no Fyne. The hub keeps the directory in its log
// (model.EventExpertUpserted); the console ranks suggestions with it.
package community
