package hub

import (
	"fmt"
	"net/http"
	"time"

	"switchboard/model"
	"switchboard/report"
)

// The reports API (docs/metrics.md): a lead's token only, but for an
// agent's own figures.
const (
	ReportCasesPath   = "/v1/reports/cases"
	ReportSummaryPath = "/v1/reports/summary"
	ReportMePath      = "/v1/reports/me"
)

// maxReportSpan is the longest period one report covers.
const maxReportSpan = 400 * 24 * time.Hour

// reportQuery is a report request's period and format.
type reportQuery struct {
	from, to time.Time
	csv      bool
	group    string
	filter   report.Filter
}

// parseReportQuery reads from and to (RFC 3339; default the 7 days up to
// now), format (json or csv), the filters channel, agent and team, and,
// for the summary, group.
func parseReportQuery(r *http.Request, now time.Time, summary bool) (reportQuery, error) {
	q := r.URL.Query()
	var rq reportQuery
	for key := range q {
		switch key {
		case "from", "to", "format", "channel", "agent", "team":
		case "group":
			if summary {
				continue
			}
			return rq, fmt.Errorf("group: only the summary is grouped")
		default:
			return rq, fmt.Errorf("%s: unknown parameter (from, to, format, channel, agent, team%s)", key, map[bool]string{true: ", group"}[summary])
		}
	}
	rq.to = now
	if s := q.Get("to"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return rq, fmt.Errorf("to %q: want RFC 3339, like 2026-11-30T00:00:00Z", s)
		}
		rq.to = t
	}
	rq.from = rq.to.Add(-7 * 24 * time.Hour)
	if s := q.Get("from"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return rq, fmt.Errorf("from %q: want RFC 3339, like 2026-11-01T00:00:00Z", s)
		}
		rq.from = t
	}
	rq.from, rq.to = rq.from.UTC(), rq.to.UTC()
	if !rq.to.After(rq.from) {
		return rq, fmt.Errorf("to must be after from")
	}
	if rq.to.Sub(rq.from) > maxReportSpan {
		return rq, fmt.Errorf("the period is over %d days: ask for less", int(maxReportSpan.Hours()/24))
	}
	switch q.Get("format") {
	case "", "json":
	case "csv":
		rq.csv = true
	default:
		return rq, fmt.Errorf("format %q: json or csv", q.Get("format"))
	}
	rq.filter = report.Filter{Channel: q.Get("channel"), Agent: q.Get("agent"), Team: q.Get("team")}
	switch model.Channel(rq.filter.Channel) {
	case "", model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum:
	default:
		return rq, fmt.Errorf("channel %q: twitter, facebook or forum", rq.filter.Channel)
	}
	for _, v := range []string{rq.filter.Agent, rq.filter.Team} {
		if len(v) > 200 {
			return rq, fmt.Errorf("agent and team take at most 200 bytes")
		}
	}
	rq.group = q.Get("group")
	if !report.ValidGroup(rq.group) {
		return rq, fmt.Errorf("group %q: channel, agent, team, day or week", rq.group)
	}
	return rq, nil
}

// leadOnly answers 401 without a valid token and 403 for an agent's; it
// reports whether the request may go on.
func (s *Server) leadOnly(w http.ResponseWriter, r *http.Request) bool {
	a, _, ok := s.agentOf(w, r)
	if !ok {
		return false
	}
	if a.Role != RoleLead {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "reports need a lead's token"})
		return false
	}
	return true
}

func csvHeaders(w http.ResponseWriter, name string, rq reportQuery) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.csv"`, name,
		rq.from.Format("20060102T150405Z"), rq.to.Format("20060102T150405Z")))
}

// ReportCasesHandler serves GET /v1/reports/cases: one row per case
// created in [from, to) with every figure, as JSON or CSV.
func (s *Server) ReportCasesHandler(e *SLA) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.leadOnly(w, r) {
			return
		}
		now := s.hub.cfg.Now().UTC()
		rq, err := parseReportQuery(r, now, false)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		var rows []report.Row
		if err := e.Measure(func(f *report.Folder) { rows = f.RowsOf(e.rules, rq.from, rq.to, now, rq.filter) }); err != nil {
			s.logger.Error("report: cases", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot read the log now; try again"})
			return
		}
		if rows == nil {
			rows = []report.Row{}
		}
		if rq.csv {
			csvHeaders(w, "cases", rq)
			err = report.WriteCasesCSV(w, rows)
		} else {
			w.Header().Set("Content-Type", "application/json")
			err = report.WriteJSON(w, report.Cases{From: rq.from.Format(time.RFC3339), To: rq.to.Format(time.RFC3339), Filter: rq.filter, Cases: rows})
		}
		if err != nil {
			s.logger.Warn("report: cases: write", "err", err)
		}
	})
}

// ReportSummaryHandler serves GET /v1/reports/summary: the figures of the
// cases created in [from, to), grouped by channel, agent, team, day or
// week (the default calendar's zone), as JSON or CSV.
func (s *Server) ReportSummaryHandler(e *SLA) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.leadOnly(w, r) {
			return
		}
		now := s.hub.cfg.Now().UTC()
		rq, err := parseReportQuery(r, now, true)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		loc := time.UTC
		if e.rules.Default != nil {
			loc = e.rules.Default.Location
		}
		var sum report.Summary
		if err := e.Measure(func(f *report.Folder) { sum = f.SummarizeOf(e.rules, rq.from, rq.to, now, rq.group, loc, rq.filter) }); err != nil {
			s.logger.Error("report: summary", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot read the log now; try again"})
			return
		}
		if rq.csv {
			csvHeaders(w, "summary", rq)
			err = report.WriteSummaryCSV(w, sum)
		} else {
			w.Header().Set("Content-Type", "application/json")
			err = report.WriteJSON(w, sum)
		}
		if err != nil {
			s.logger.Warn("report: summary: write", "err", err)
		}
	})
}

// ReportMeHandler serves GET /v1/reports/me: the figures of the token's
// own agent (report.Mine) — today, 7 and 30 days, and their open cases by
// SLA state. A lead may ask for any agent's with agent=NAME; an agent
// asking for someone else's gets 403. JSON only.
func (s *Server) ReportMeHandler(e *SLA) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _, ok := s.agentOf(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		for key := range q {
			if key != "agent" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": key + ": unknown parameter (agent)"})
				return
			}
		}
		who := a.Name
		if v := q.Get("agent"); v != "" && v != a.Name {
			if a.Role != RoleLead {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "an agent sees their own figures only"})
				return
			}
			if len(v) > 200 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "agent takes at most 200 bytes"})
				return
			}
			who = v
		}
		if who == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no agent: this token names none"})
			return
		}
		now := s.hub.cfg.Now().UTC()
		loc := time.UTC
		if e.rules.Default != nil {
			loc = e.rules.Default.Location
		}
		var mine report.Mine
		if err := e.Measure(func(f *report.Folder) { mine = f.Mine(e.rules, who, now, loc) }); err != nil {
			s.logger.Error("report: me", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot read the log now; try again"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := report.WriteJSON(w, mine); err != nil {
			s.logger.Warn("report: me: write", "err", err)
		}
	})
}
