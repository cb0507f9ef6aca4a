// Package facebook connects Facebook pages to Switchboard: the Graph API
// page webhook (feed comments and visitor posts, Messenger messages) comes
// in through Webhook, and agents' replies go out through Sender as comment
// replies or Messenger Send API messages.
//
// Everything follows Meta's documented shapes; base URL and API version are
// configurable so tests talk to httptest servers and production to
// graph.facebook.com with the same code.
package facebook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Path is where the hub mounts the webhook (GET handshake, POST events).
const Path = "/webhooks/facebook"

// Defaults for Config.
const (
	DefaultGraphURL   = "https://graph.facebook.com"
	DefaultAPIVersion = "v21.0"
)

// Config configures one page, or several (Pages). Secrets come from the hub's config file or
// environment, never from the console.
type Config struct {
	// GraphURL is the Graph API base URL, without the version.
	GraphURL string `json:"graph_url,omitempty"` // default DefaultGraphURL
	// APIVersion is the Graph API version in request paths, "v21.0".
	APIVersion string `json:"api_version,omitempty"` // default DefaultAPIVersion
	// PageID is the numeric id of the page; items by it are the brand's own.
	PageID string `json:"page_id"`
	// PageName names the page in case sources: "Facebook page <name>".
	PageName string `json:"page_name,omitempty"` // default: PageID
	// PageAccessToken authorises replies (Sender) and, when the webhook
	// has it, the lookup of Messenger senders' names (User Profile API).
	PageAccessToken string `json:"page_access_token,omitempty"`
	// AppSecret keys the X-Hub-Signature-256 HMAC (Webhook only).
	AppSecret string `json:"app_secret,omitempty"`
	// VerifyToken is what the app dashboard sends in the subscription
	// handshake (Webhook only).
	VerifyToken string `json:"verify_token,omitempty"`
	// Brand names the brand this page speaks for; cases from the page
	// carry it, and replies on them go out with this page's token. Empty
	// with one page: no brand; with several: PageName, else PageID.
	Brand string `json:"brand,omitempty"`
	// Listen marks a listen-only page (docs/listening.md): its feed's
	// posts and comments go to the hub's listening view — no case, no
	// reply offered — with the Topics each names; Messenger messages to
	// it are skipped (a listen-only page has no inbox to answer from).
	Listen bool `json:"listen,omitempty"`
	// Topics are the listened keywords of a listen-only page: those a
	// post names (case-insensitive) are its topics in the listening view.
	Topics []string `json:"topics,omitempty"`
	// Pages are more pages served by the same hub (and webhook), each
	// with its own token; see Page. The fields above then hold the first
	// page (or only the shared app_secret and verify_token, with no
	// page_id).
	Pages []Page `json:"pages,omitempty"`

	HTTPClient *http.Client `json:"-"` // default: 30 s timeout
	Logger     *slog.Logger `json:"-"` // default: slog.Default()
}

var (
	versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
	digitsRE  = regexp.MustCompile(`^[0-9]{1,64}$`)
)

// Validate checks everything both the webhook and the sender need.
func (c Config) Validate() error {
	return c.validate(true, true)
}

func (c Config) validate(webhook, sender bool) error {
	c = c.withDefaults()
	var errs []error
	u, err := url.Parse(c.GraphURL)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("graph_url: %w", err))
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		errs = append(errs, fmt.Errorf("graph_url %q: want an http(s) base URL", c.GraphURL))
	case u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, fmt.Errorf("graph_url %q: no query or fragment", c.GraphURL))
	}
	if !versionRE.MatchString(c.APIVersion) {
		errs = append(errs, fmt.Errorf("api_version %q: want the form v21.0", c.APIVersion))
	}
	if !digitsRE.MatchString(c.PageID) {
		errs = append(errs, fmt.Errorf("page_id %q: want the page's numeric id", c.PageID))
	}
	if webhook {
		if c.AppSecret == "" {
			errs = append(errs, errors.New("app_secret: required to verify webhook signatures"))
		}
		if c.VerifyToken == "" {
			errs = append(errs, errors.New("verify_token: required for the subscription handshake"))
		}
	}
	if len(c.Topics) > 16 {
		errs = append(errs, fmt.Errorf("topics: %d, at most 16", len(c.Topics)))
	}
	if len(c.Topics) > 0 && !c.Listen {
		errs = append(errs, errors.New("topics: only for a listen-only page (listen: true)"))
	}
	if sender && c.PageAccessToken == "" {
		errs = append(errs, errors.New("page_access_token: required to send replies"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("facebook: config: %w", err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.GraphURL == "" {
		c.GraphURL = DefaultGraphURL
	}
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if c.PageName == "" {
		c.PageName = c.PageID
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Page is one of several pages a hub serves. AppSecret and VerifyToken
// left empty are the Config's (pages of one Meta app share them); the
// page token is never shared.
type Page struct {
	PageID   string `json:"page_id"`
	PageName string `json:"page_name,omitempty"`
	// PageToken is the page's access token (page_access_token is read
	// too, as in the single-page form).
	PageToken       string `json:"page_token,omitempty"`
	PageAccessToken string `json:"page_access_token,omitempty"`
	AppSecret       string `json:"app_secret,omitempty"`
	VerifyToken     string `json:"verify_token,omitempty"`
	Brand           string `json:"brand,omitempty"`
	// Listen and Topics make the page listen-only (see Config.Listen).
	Listen bool     `json:"listen,omitempty"`
	Topics []string `json:"topics,omitempty"`
}

// PageConfigs returns one single-page Config per page c serves: c's own
// (when it names a page_id) first, then each of Pages, with c's Graph
// URL, API version, client, logger and, where the page has none, its app
// secret and verify token. It checks that page ids and brands are unique
// and gives every page a brand when there are several.
func (c Config) PageConfigs() ([]Config, error) {
	base := c
	base.Pages = nil
	var out []Config
	if c.PageID != "" {
		out = append(out, base)
	}
	for _, p := range c.Pages {
		pc := base
		pc.PageID, pc.PageName, pc.Brand = strings.TrimSpace(p.PageID), p.PageName, strings.TrimSpace(p.Brand)
		pc.PageAccessToken = firstNonEmpty(p.PageToken, p.PageAccessToken)
		pc.AppSecret = firstNonEmpty(p.AppSecret, c.AppSecret)
		pc.VerifyToken = firstNonEmpty(p.VerifyToken, c.VerifyToken)
		pc.Listen, pc.Topics = p.Listen, p.Topics
		out = append(out, pc)
	}
	if len(out) == 0 {
		return nil, errors.New("facebook: config: no page: give page_id, or pages")
	}
	ids, brands := map[string]bool{}, map[string]bool{}
	for i := range out {
		if len(out) > 1 && out[i].Brand == "" {
			out[i].Brand = firstNonEmpty(strings.TrimSpace(out[i].PageName), out[i].PageID)
		}
		if ids[out[i].PageID] {
			return nil, fmt.Errorf("facebook: config: page_id %s given twice", out[i].PageID)
		}
		if brands[out[i].Brand] {
			return nil, fmt.Errorf("facebook: config: brand %q given to two pages: replies could not tell which page sends them", out[i].Brand)
		}
		ids[out[i].PageID], brands[out[i].Brand] = true, true
		if len(out[i].Topics) > 0 && !out[i].Listen {
			return nil, fmt.Errorf("facebook: config: page %s: topics are only for a listen-only page (listen: true)", out[i].PageID)
		}
	}
	return out, nil
}
