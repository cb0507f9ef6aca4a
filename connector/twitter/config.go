package twitter

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the X API host; tests point BaseURL at an httptest server.
const DefaultBaseURL = "https://api.twitter.com"

// Defaults for the zero values of Config.
const (
	DefaultMaxBody  = 1 << 20 // webhook request body, bytes
	DefaultPageSize = 100     // max_results per mentions page (X allows 5–100)
	DefaultMaxPages = 8       // 8 × 100: the 800 mentions X keeps reachable
	defaultTimeout  = 30 * time.Second
)

// Config holds what the connector needs from the hub's configuration.
// Credentials are per part: the Poller needs BearerToken, the Webhook
// ConsumerSecret, the Sender UserToken; all need UserID.
type Config struct {
	// BaseURL is the API host, without a trailing /2. Zero: DefaultBaseURL.
	BaseURL string
	// BearerToken is the app-only token for reading mentions.
	BearerToken string
	// UserToken is an OAuth 2.0 user-context access token of the brand
	// account (scopes tweet.read tweet.write users.read dm.read dm.write),
	// for posting replies and DMs and for Sender.Find.
	UserToken string
	// ConsumerSecret is the app's API secret: the key of the webhook CRC
	// and of x-twitter-webhooks-signature.
	ConsumerSecret string
	// UserID is the brand account's numeric id.
	UserID string
	// BrandHandle is the brand's username, with or without "@"; it names
	// the source of cases ("@brand mentions").
	BrandHandle string

	HTTPClient *http.Client     // zero: a client with a 30 s timeout
	Logger     *slog.Logger     // zero: slog.Default()
	Now        func() time.Time // zero: time.Now; tests inject a clock
	Threads    *Threads         // zero: each part keeps its own; share one
	MaxBody    int64            // webhook body limit; zero: DefaultMaxBody
	PageSize   int              // zero: DefaultPageSize
	MaxPages   int              // pages per poll; zero: DefaultMaxPages
	// AccountScopedDMs names the account in DM thread refs,
	// "tw-dm-<customer>.<UserID>", so that a customer writing to two
	// accounts of one hub has two cases. The hub sets it for every account
	// but the first, whose refs keep the plain "tw-dm-<customer>".
	AccountScopedDMs bool
	// OnState, if set, is called by the Poller with the new since_id each
	// time a poll moves it, so the hub can persist it (see Poller.State).
	OnState func(sinceID string)
}

// Validate checks the parts of c every component needs. Each constructor
// also checks its own credential.
func (c Config) Validate() error {
	var errs []error
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base URL %q is not an absolute http(s) URL", c.BaseURL))
		}
	}
	if !isID(c.UserID) {
		errs = append(errs, fmt.Errorf("user ID %q is not a numeric X account id", c.UserID))
	}
	if h := strings.TrimPrefix(c.BrandHandle, "@"); h != "" && !isHandle(h) {
		errs = append(errs, fmt.Errorf("brand handle %q is not an X username (1–15 letters, digits, _)", c.BrandHandle))
	}
	if c.PageSize != 0 && (c.PageSize < 5 || c.PageSize > 100) {
		errs = append(errs, fmt.Errorf("page size %d is outside X's 5–100", c.PageSize))
	}
	if c.MaxPages < 0 || c.MaxBody < 0 {
		errs = append(errs, errors.New("max pages and max body must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("twitter: config: %w", err)
	}
	return nil
}

// withDefaults validates c, checks that the named credential is set and
// fills in the zero values.
func (c Config) withDefaults(credName, cred string) (Config, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	if strings.TrimSpace(cred) == "" {
		return c, fmt.Errorf("twitter: config: %s is required", credName)
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.BrandHandle = strings.TrimPrefix(c.BrandHandle, "@")
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Logger = c.Logger.With("connector", "twitter")
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Threads == nil {
		c.Threads = NewThreads(0)
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.MaxPages == 0 {
		c.MaxPages = DefaultMaxPages
	}
	return c, nil
}

// dmThread is the thread ref of the DM conversation with customer.
func (c Config) dmThread(customer string) string {
	if c.AccountScopedDMs {
		return dmPrefix + customer + "." + c.UserID
	}
	return dmPrefix + customer
}

// mentionsSource names where public cases come from.
func (c Config) mentionsSource() string {
	if c.BrandHandle == "" {
		return "X mentions"
	}
	return "@" + c.BrandHandle + " mentions"
}

func (c Config) dmSource() string {
	if c.BrandHandle == "" {
		return "X direct messages"
	}
	return "@" + c.BrandHandle + " direct messages"
}

// isID reports whether s is an X id: a snowflake in decimal.
func isID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHandle(s string) bool {
	if len(s) == 0 || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// idLess orders two X ids numerically (both must pass isID; ids have no
// leading zeros, so a shorter id is smaller).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
