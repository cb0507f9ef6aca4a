package demo

import _ "embed"

//go:generate go run ./crmgen

//go:embed crm_extract.csv
var crmExtract []byte

// CRMExtract is the demo's CRM extract, a few thousand invented customers
// in the CSV format of docs/crm.md, imported through the hub's CSV import
// at start. crmgen writes it; the caller must not modify the bytes.
func CRMExtract() []byte { return crmExtract }
