package app

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"switchboard/report"
)

// ReportClient reads the hub's reports API (docs/metrics.md) with the
// console's token: the lead view's figures, drill-downs and exports are
// the hub's, never computed a second time in the console.
type ReportClient struct {
	base  string // http(s)://host[:port], no trailing slash
	token string
	http  *http.Client
}

// ErrNotLead is the hub's answer to an agent's token (403).
var ErrNotLead = errors.New("reports: the hub gives reports to leads only")

// maxReport bounds a report's body: far more than a year of a busy team's
// case rows, and still a bound.
const maxReport = 256 << 20

// NewReportClient makes a client of the hub at hubURL (the console's
// --hub: ws:// or wss://, or http(s)://) with token; tlsConf (nil: the
// system's) is the TLS of a wss:// hub, as the websocket dialer has it.
func NewReportClient(hubURL, token string, tlsConf *tls.Config) (*ReportClient, error) {
	base, err := httpBase(hubURL)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tlsConf != nil {
		tr.TLSClientConfig = tlsConf.Clone()
	}
	return &ReportClient{base: base, token: token, http: &http.Client{Timeout: 60 * time.Second, Transport: tr}}, nil
}

// httpBase is the hub's HTTP base URL for the console's --hub (ws:// or
// wss://, or http(s)://; of a list of hubs, the first).
func httpBase(hubURL string) (string, error) {
	first, _, _ := strings.Cut(hubURL, ",")
	u, err := url.Parse(strings.TrimSpace(first))
	if err != nil {
		return "", fmt.Errorf("hub URL %q: %w", hubURL, err)
	}
	switch u.Scheme {
	case "ws", "http":
		u.Scheme = "http"
	case "wss", "https":
		u.Scheme = "https"
	default:
		return "", fmt.Errorf("hub URL %q: want ws://, wss://, http:// or https://", hubURL)
	}
	if u.Host == "" {
		return "", fmt.Errorf("hub URL %q has no host", hubURL)
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1/sync"), nil
}

// Base is the hub's HTTP base URL.
func (c *ReportClient) Base() string { return c.base }

// ReportQuery is a report's period, filters and (for a summary) grouping.
type ReportQuery struct {
	From, To time.Time
	Group    string // summary only: channel, agent, team, day, week or ""
	Filter   report.Filter
}

func (q ReportQuery) values(summary bool, format string) url.Values {
	v := url.Values{}
	v.Set("from", q.From.UTC().Format(time.RFC3339))
	v.Set("to", q.To.UTC().Format(time.RFC3339))
	if summary && q.Group != "" {
		v.Set("group", q.Group)
	}
	for k, s := range map[string]string{"channel": q.Filter.Channel, "agent": q.Filter.Agent, "team": q.Filter.Team} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if format != "" {
		v.Set("format", format)
	}
	return v
}

func (c *ReportClient) get(ctx context.Context, path string, v url.Values) ([]byte, error) {
	return c.send(ctx, http.MethodGet, path+"?"+v.Encode(), nil)
}

// Summary is GET /v1/reports/summary.
func (c *ReportClient) Summary(ctx context.Context, q ReportQuery) (report.Summary, error) {
	var s report.Summary
	body, err := c.get(ctx, "/v1/reports/summary", q.values(true, ""))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return s, fmt.Errorf("reports: summary: %w", err)
	}
	return s, nil
}

// Cases is GET /v1/reports/cases: one row per case.
func (c *ReportClient) Cases(ctx context.Context, q ReportQuery) (report.Cases, error) {
	var cs report.Cases
	body, err := c.get(ctx, "/v1/reports/cases", q.values(false, ""))
	if err != nil {
		return cs, err
	}
	if err := json.Unmarshal(body, &cs); err != nil {
		return cs, fmt.Errorf("reports: cases: %w", err)
	}
	return cs, nil
}

// Mine is GET /v1/reports/me: the figures of agent ("": the token's own
// agent; another agent's needs a lead's token, else ErrNotLead). An
// unreachable hub is ErrOffline.
func (c *ReportClient) Mine(ctx context.Context, agent string) (report.Mine, error) {
	var m report.Mine
	path := "/v1/reports/me"
	if agent != "" {
		path += "?" + url.Values{"agent": {agent}}.Encode()
	}
	body, err := c.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, fmt.Errorf("reports: my figures: %w", err)
	}
	return m, nil
}

// MyFiguresFile keeps the agent's last figures in the console's folder:
// a console that starts without the hub shows them, with their time.
const MyFiguresFile = "myfigures.json"

// LoadMyFigures reads the figures kept in dir; nil when there are none.
func LoadMyFigures(dir string) (*report.Mine, error) {
	raw, err := os.ReadFile(filepath.Join(dir, MyFiguresFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("my figures: %w", err)
	}
	var m report.Mine
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("my figures: %s: %w", MyFiguresFile, err)
	}
	return &m, nil
}

// SaveMyFigures keeps m in dir (written to a temporary file and renamed,
// so a crash leaves the old figures or the new ones).
func SaveMyFigures(dir string, m report.Mine) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("my figures: %w", err)
	}
	tmp, err := os.CreateTemp(dir, MyFiguresFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("my figures: %w", err)
	}
	_, err = tmp.Write(raw)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, MyFiguresFile))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("my figures: %w", err)
	}
	return nil
}

// CSV is the hub's CSV of the case export (summary false) or of the
// summary, byte for byte as the hub writes it.
func (c *ReportClient) CSV(ctx context.Context, summary bool, q ReportQuery) ([]byte, error) {
	path := "/v1/reports/cases"
	if summary {
		path = "/v1/reports/summary"
	}
	return c.get(ctx, path, q.values(summary, "csv"))
}

// CSVName is the file name the hub suggests for that CSV.
func CSVName(summary bool, q ReportQuery) string {
	kind := "cases"
	if summary {
		kind = "summary"
	}
	return fmt.Sprintf("%s-%s-%s.csv", kind, q.From.UTC().Format("20060102T150405Z"), q.To.UTC().Format("20060102T150405Z"))
}

// SaveExport writes an export named name into dir ("": the user's
// Downloads folder, else the home folder) without overwriting a file
// there, and returns its path.
func SaveExport(dir, name string, b []byte) (string, error) {
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("export: no folder to save in: %w", err)
		}
		dir = home
		if st, err := os.Stat(filepath.Join(home, "Downloads")); err == nil && st.IsDir() {
			dir = filepath.Join(home, "Downloads")
		}
	}
	name = filepath.Base(name)
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 0; i < 100; i++ {
		p := filepath.Join(dir, name)
		if i > 0 {
			p = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, i, ext))
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		_, err = f.Write(b)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		return p, nil
	}
	return "", fmt.Errorf("export: %s: too many files of that name", dir)
}
