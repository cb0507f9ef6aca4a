package assist

import "testing"

// BenchmarkOfflineClassify classifies the labelled messages in turn (the
// hub runs this once per customer message at ingest).
func BenchmarkOfflineClassify(b *testing.B) {
	ls := loadLabelled(b)
	o := Offline{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := ls[i%len(ls)]
		o.Classify(Input{Text: l.Text, Channel: l.Channel})
	}
}
