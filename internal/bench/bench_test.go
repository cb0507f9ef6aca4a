package bench

import (
	"regexp"
	"testing"
	"time"
)

func TestLineForm(t *testing.T) {
	re := regexp.MustCompile(`^BENCH name=[a-z0-9_]+ value=[0-9.]+ unit=[A-Za-z/%]+ baseline=[0-9.]+ ratio=[0-9.]+$`)
	for _, c := range []struct {
		name        string
		value, base float64
		want        string
	}{
		{"start_first_page", 42.5, 0, "BENCH name=start_first_page value=42.500 unit=ms baseline=0 ratio=0.0000"},
		{"sync_initial", 31250, 80000, "BENCH name=sync_initial value=31250 unit=ms baseline=80000 ratio=0.3906"},
		{"hub_rss", 88.25, 0, "BENCH name=hub_rss value=88.250 unit=ms baseline=0 ratio=0.0000"},
		{"ingest", 123456.789, 98765.4, "BENCH name=ingest value=123456.8 unit=ms baseline=98765.4 ratio=1.2500"},
	} {
		got := Line(c.name, c.value, "ms", c.base)
		if got != c.want || !re.MatchString(got) {
			t.Errorf("Line(%s) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestMedianAndPercentile(t *testing.T) {
	if m := Median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median of 5 1 3 = %v", m)
	}
	if m := Median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of 4 1 3 2 = %v", m)
	}
	var ds []time.Duration
	for i := 1; i <= 1000; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p := Percentile(ds, 99); p != 990*time.Millisecond {
		t.Errorf("p99 of 1..1000 ms = %v", p)
	}
	if p := Percentile(ds, 50); p != 500*time.Millisecond {
		t.Errorf("p50 of 1..1000 ms = %v", p)
	}
}
