package assist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Config configures the model client. The zero value of every field but
// Model and BaseURL/APIKey has a working default.
type Config struct {
	// APIKey, BaseURL and Model name the endpoint: any OpenAI-compatible
	// chat-completions API (OpenAI, Ollama at http://localhost:11434/v1,
	// llama.cpp's server). BaseURL defaults to OpenAI's.
	APIKey  string
	BaseURL string
	Model   string
	// Timeout bounds one call, answer included (default 20s). go-openai's
	// default HTTP client has none.
	Timeout time.Duration
	// Temperature is sent as is; 0 means DefaultTemperature, because
	// go-openai's Temperature is a float32 with omitempty: a 0 is never
	// sent and Ollama then samples at 1.0.
	Temperature float32
	// MaxRetryAfter is the longest a 429's Retry-After is waited for
	// within a call (default 5s). A longer one is honoured by not calling
	// the endpoint until it has passed: triage is offline meanwhile.
	MaxRetryAfter time.Duration
	// After BreakerFailures consecutive failed calls (default 3) the
	// endpoint is not called for BreakerCooldown (default 1m); triage is
	// offline meanwhile. One call then tries again.
	BreakerFailures int
	BreakerCooldown time.Duration
	// StreamIdle bounds the wait for the next chunk of a streamed answer
	// (default 10s, at most Timeout): a stalled stream is a failure.
	StreamIdle time.Duration
	// CallsPerHour and TokensPerHour bound the use of the endpoint in
	// any sliding hour; 0 is no bound.
	CallsPerHour  int
	TokensPerHour int
	// Categories a triage may name (DefaultCategories when nil).
	Categories []string
	// CacheSize bounds the cached results (default 10,000).
	CacheSize int
	// HTTPClient replaces the HTTP client (its Timeout is kept if set).
	HTTPClient *http.Client
	// Now replaces the clock (tests).
	Now func() time.Time
}

// DefaultTemperature is sent when Config.Temperature is 0: close to
// deterministic, and not dropped by omitempty.
const DefaultTemperature float32 = 0.01

// DefaultModel is used when OPENAI_API_KEY or OPENAI_BASE_URL is set but
// SWITCHBOARD_MODEL is not.
const DefaultModel = "gpt-4o-mini"

// ConfigFromEnv reads OPENAI_API_KEY, OPENAI_BASE_URL and
// SWITCHBOARD_MODEL. ok is false when neither a key nor a base URL is
// set: no model is configured and triage is offline.
func ConfigFromEnv() (cfg Config, ok bool) {
	cfg = Config{
		APIKey:  os.Getenv("OPENAI_API_KEY"),
		BaseURL: os.Getenv("OPENAI_BASE_URL"),
		Model:   os.Getenv("SWITCHBOARD_MODEL"),
	}
	if cfg.APIKey == "" && cfg.BaseURL == "" {
		return cfg, false
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	return cfg, true
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 20 * time.Second
	}
	if c.Temperature == 0 {
		c.Temperature = DefaultTemperature
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 5 * time.Second
	}
	if c.BreakerFailures <= 0 {
		c.BreakerFailures = 3
	}
	if c.BreakerCooldown <= 0 {
		c.BreakerCooldown = time.Minute
	}
	if c.StreamIdle <= 0 || c.StreamIdle > c.Timeout {
		c.StreamIdle = min(10*time.Second, c.Timeout)
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 10000
	}
	if c.Categories == nil {
		c.Categories = DefaultCategories
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Why a triage is offline although a model is configured.
var (
	ErrBreakerOpen  = errors.New("assist: the model endpoint failed repeatedly; offline until the cool-down ends")
	ErrBudget       = errors.New("assist: the hourly model budget is used up")
	ErrRetryAfter   = errors.New("assist: the endpoint asked to wait (429 Retry-After)")
	ErrInvalidReply = errors.New("assist: the model's answer was invalid twice")
	ErrNoModel      = errors.New("assist: no model configured")
)

// Client triages and drafts through an OpenAI-compatible endpoint, falling
// back to the offline classifier whenever the endpoint is not configured,
// fails, is too slow, is over budget or answers nonsense. It is safe for
// concurrent use; it never sends anything to a customer.
type Client struct {
	cfg     Config
	api     *openai.Client
	offline Offline

	mu         sync.Mutex
	cache      map[cacheKey]Triage
	cacheOrder []cacheKey
	failures   int       // consecutive
	openUntil  time.Time // breaker open (or Retry-After) until then
	probing    bool      // a half-open call is in flight
	calls      []spend   // in the last hour
	usage      usageCounters
}

type cacheKey struct {
	id      string
	version int64
}

type spend struct {
	at     time.Time
	tokens int
}

type usageCounters struct {
	calls, failures, invalid, cacheHits, offline, budget, breaker int
	tokens                                                        int
}

// NewClient returns a client for cfg. With cfg.Model and no endpoint it
// still calls OpenAI's default base URL; use ConfigFromEnv's ok to decide
// whether a model is configured at all.
func NewClient(cfg Config) *Client {
	cfg = cfg.withDefaults()
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	} else {
		cp := *hc
		if cp.Timeout == 0 {
			cp.Timeout = cfg.Timeout
		}
		hc = &cp
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = retryAfterTransport{base}
	oc.HTTPClient = hc
	return &Client{
		cfg:     cfg,
		api:     openai.NewClientWithConfig(oc),
		offline: Offline{Categories: cfg.Categories},
		cache:   map[cacheKey]Triage{},
	}
}

// Model is the configured model's name.
func (c *Client) Model() string { return c.cfg.Model }

// Triage returns the model's triage of in, or the offline one when the
// model cannot give a valid one; err then says why (nil when the model
// answered, or the answer came from the cache). The result always
// validates. Results are cached per (in.ID, version): a case version is
// asked once.
func (c *Client) Triage(ctx context.Context, in Input, version int64) (Triage, error) {
	key := cacheKey{in.ID, version}
	if in.ID != "" {
		c.mu.Lock()
		t, ok := c.cache[key]
		if ok {
			c.usage.cacheHits++
		}
		c.mu.Unlock()
		if ok {
			return t, nil
		}
	}
	off := c.offline.Classify(in)
	req := c.triageRequest(in)
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		content, err := c.complete(ctx, req, nil)
		if err != nil {
			c.countOffline()
			return off, err
		}
		t, err := c.parseTriage(content)
		if err == nil {
			c.remember(key, t)
			return t, nil
		}
		lastErr = err
		c.mu.Lock()
		c.usage.invalid++
		c.mu.Unlock()
	}
	// Invalid twice: the offline triage stands for this version, and the
	// endpoint counts one failure towards the breaker.
	c.failed()
	c.countOffline()
	c.remember(key, off)
	return off, fmt.Errorf("%w: %v", ErrInvalidReply, lastErr)
}

func (c *Client) countOffline() {
	c.mu.Lock()
	c.usage.offline++
	c.mu.Unlock()
}

func (c *Client) remember(key cacheKey, t Triage) {
	if key.id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[key]; !ok {
		c.cacheOrder = append(c.cacheOrder, key)
	}
	c.cache[key] = t
	for len(c.cacheOrder) > c.cfg.CacheSize {
		delete(c.cache, c.cacheOrder[0])
		c.cacheOrder = c.cacheOrder[1:]
	}
}

// complete makes one chat-completions call under the breaker, the budget
// and the timeout, waiting once for a short Retry-After. With progress the
// answer is streamed and progress called with the bytes received so far.
func (c *Client) complete(ctx context.Context, req openai.ChatCompletionRequest, progress func(int)) (string, error) {
	if err := c.admit(); err != nil {
		return "", err
	}
	for attempt := 0; ; attempt++ {
		content, tokens, wait, err := c.call(ctx, req, progress)
		if err == nil {
			c.succeeded(tokens)
			return content, nil
		}
		if wait > 0 && attempt == 0 && wait <= c.cfg.MaxRetryAfter {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				c.release()
				return "", ctx.Err()
			}
		}
		if wait > 0 {
			c.mu.Lock()
			if until := c.cfg.Now().Add(wait); until.After(c.openUntil) {
				c.openUntil = until
			}
			c.mu.Unlock()
			c.release()
			return "", fmt.Errorf("%w: %v (retry after %v)", ErrRetryAfter, err, wait)
		}
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			c.release() // the caller gave up (the agent switched cases): no fault of the endpoint
			return "", ctx.Err()
		}
		c.failed()
		return "", err
	}
}

// call sends req once with a per-call timeout. wait is the Retry-After
// of a 429 (at least 1s when the header is missing or unreadable).
func (c *Client) call(ctx context.Context, req openai.ChatCompletionRequest, progress func(int)) (content string, tokens int, wait time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	seen := &responseInfo{}
	ctx = context.WithValue(ctx, responseInfoKey{}, seen)
	c.mu.Lock()
	c.usage.calls++
	c.mu.Unlock()
	retryAfter := func(err error) time.Duration {
		if status(err) != http.StatusTooManyRequests {
			return 0
		}
		if w := seen.retryAfter(c.cfg.Now()); w > 0 {
			return w
		}
		return time.Second
	}
	if progress != nil {
		content, tokens, err = c.stream(ctx, req, progress)
		if err != nil {
			return "", tokens, retryAfter(err), fmt.Errorf("assist: model stream: %w", err)
		}
		return content, tokens, 0, nil
	}
	resp, err := c.api.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", 0, retryAfter(err), fmt.Errorf("assist: model call: %w", err)
	}
	if len(resp.Choices) == 0 {
		return "", resp.Usage.TotalTokens, 0, errors.New("assist: model call: no choices in the answer")
	}
	return resp.Choices[0].Message.Content, resp.Usage.TotalTokens, 0, nil
}

// ErrStreamStalled is a streamed answer whose next chunk did not come
// within Config.StreamIdle.
var ErrStreamStalled = errors.New("assist: the streamed answer stalled")

// maxAnswerBytes bounds a streamed answer.
const maxAnswerBytes = 64 << 10

// stream receives a streamed answer, calling progress after each chunk;
// a chunk must come within StreamIdle, the whole within the call's
// timeout.
func (c *Client) stream(ctx context.Context, req openai.ChatCompletionRequest, progress func(int)) (string, int, error) {
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	s, err := c.api.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", 0, err
	}
	defer s.Close()
	type chunk struct {
		r   openai.ChatCompletionStreamResponse
		err error
	}
	chunks := make(chan chunk)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			r, err := s.Recv()
			select {
			case chunks <- chunk{r, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var b strings.Builder
	tokens := 0
	idle := time.NewTimer(c.cfg.StreamIdle)
	defer idle.Stop()
	for {
		select {
		case k := <-chunks:
			if errors.Is(k.err, io.EOF) {
				return b.String(), tokens, nil
			}
			if k.err != nil {
				return "", tokens, k.err
			}
			if k.r.Usage != nil {
				tokens = k.r.Usage.TotalTokens
			}
			for _, ch := range k.r.Choices {
				b.WriteString(ch.Delta.Content)
			}
			if b.Len() > maxAnswerBytes {
				return "", tokens, fmt.Errorf("answer longer than %d bytes", maxAnswerBytes)
			}
			progress(b.Len())
			idle.Reset(c.cfg.StreamIdle)
		case <-idle.C:
			return "", tokens, fmt.Errorf("%w: nothing for %v", ErrStreamStalled, c.cfg.StreamIdle)
		case <-ctx.Done():
			return "", tokens, ctx.Err()
		}
	}
}

func status(err error) int {
	var api *openai.APIError
	if errors.As(err, &api) {
		return api.HTTPStatusCode
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return re.HTTPStatusCode
	}
	return 0
}

// admit decides whether a call may go out: not while the breaker is
// open (but one probe after the cool-down), not over budget.
func (c *Client) admit() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	if now.Before(c.openUntil) {
		c.usage.breaker++
		return ErrBreakerOpen
	}
	if c.failures >= c.cfg.BreakerFailures {
		if c.probing {
			c.usage.breaker++
			return ErrBreakerOpen
		}
		c.probing = true
	}
	c.pruneLocked(now)
	if c.cfg.CallsPerHour > 0 && len(c.calls) >= c.cfg.CallsPerHour ||
		c.cfg.TokensPerHour > 0 && c.tokensLocked() >= c.cfg.TokensPerHour {
		c.usage.budget++
		c.probing = false
		return ErrBudget
	}
	c.calls = append(c.calls, spend{at: now})
	return nil
}

func (c *Client) pruneLocked(now time.Time) {
	i := 0
	for i < len(c.calls) && now.Sub(c.calls[i].at) >= time.Hour {
		i++
	}
	c.calls = c.calls[i:]
}

func (c *Client) tokensLocked() int {
	n := 0
	for _, s := range c.calls {
		n += s.tokens
	}
	return n
}

func (c *Client) succeeded(tokens int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures, c.probing = 0, false
	c.usage.tokens += tokens
	if n := len(c.calls); n > 0 {
		c.calls[n-1].tokens += tokens
	}
}

func (c *Client) failed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures++
	c.usage.failures++
	c.probing = false
	if c.failures >= c.cfg.BreakerFailures {
		c.openUntil = c.cfg.Now().Add(c.cfg.BreakerCooldown)
	}
}

// release ends a call that neither failed nor succeeded (a Retry-After, a
// cancelled context).
func (c *Client) release() {
	c.mu.Lock()
	c.probing = false
	c.mu.Unlock()
}

// Usage is a snapshot of the client's use of the endpoint, for the lead.
type Usage struct {
	Model string `json:"model"`
	// Calls and Tokens in the last hour, against their limits (0: none).
	Calls         int `json:"calls_last_hour"`
	Tokens        int `json:"tokens_last_hour"`
	CallsPerHour  int `json:"calls_per_hour,omitempty"`
	TokensPerHour int `json:"tokens_per_hour,omitempty"`
	// Totals since start.
	TotalCalls    int `json:"total_calls"`
	TotalTokens   int `json:"total_tokens"`
	Failures      int `json:"failures"`
	Invalid       int `json:"invalid_answers"`
	CacheHits     int `json:"cache_hits"`
	Offline       int `json:"offline_fallbacks"`
	OverBudget    int `json:"refused_over_budget"`
	BreakerRefuse int `json:"refused_breaker_open"`
	// BreakerOpenUntil is set while the endpoint is not called.
	BreakerOpenUntil time.Time `json:"breaker_open_until,omitzero"`
}

// Usage returns the current snapshot.
func (c *Client) Usage() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	c.pruneLocked(now)
	u := Usage{
		Model: c.cfg.Model, Calls: len(c.calls), Tokens: c.tokensLocked(),
		CallsPerHour: c.cfg.CallsPerHour, TokensPerHour: c.cfg.TokensPerHour,
		TotalCalls: c.usage.calls, TotalTokens: c.usage.tokens, Failures: c.usage.failures,
		Invalid: c.usage.invalid, CacheHits: c.usage.cacheHits, Offline: c.usage.offline,
		OverBudget: c.usage.budget, BreakerRefuse: c.usage.breaker,
	}
	if now.Before(c.openUntil) {
		u.BreakerOpenUntil = c.openUntil.UTC()
	}
	return u
}

// String reads the snapshot in one line.
func (u Usage) String() string {
	limit := func(n int) string {
		if n == 0 {
			return "unlimited"
		}
		return strconv.Itoa(n)
	}
	s := fmt.Sprintf("model %s: %d calls (limit %s) and %d tokens (limit %s) in the last hour; %d calls, %d tokens in all; %d failed, %d invalid answers, %d cache hits, %d offline fallbacks, %d refused over budget, %d refused by the breaker",
		u.Model, u.Calls, limit(u.CallsPerHour), u.Tokens, limit(u.TokensPerHour), u.TotalCalls, u.TotalTokens,
		u.Failures, u.Invalid, u.CacheHits, u.Offline, u.OverBudget, u.BreakerRefuse)
	if !u.BreakerOpenUntil.IsZero() {
		s += "; endpoint paused until " + u.BreakerOpenUntil.Format(time.RFC3339)
	}
	return s
}

// responseInfo carries what the transport saw of a response back to the
// caller: go-openai's errors keep the status but not the headers.
type responseInfo struct {
	mu     sync.Mutex
	header http.Header
}

type responseInfoKey struct{}

func (r *responseInfo) retryAfter(now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := strings.TrimSpace(r.header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(now)
	}
	return 0
}

type retryAfterTransport struct{ base http.RoundTripper }

func (t retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if resp != nil {
		if info, ok := req.Context().Value(responseInfoKey{}).(*responseInfo); ok {
			info.mu.Lock()
			info.header = resp.Header.Clone()
			info.mu.Unlock()
		}
	}
	return resp, err
}

// jsonSchema is a JSON schema for ResponseFormat.
type jsonSchema map[string]any

func (s jsonSchema) MarshalJSON() ([]byte, error) { return json.Marshal(map[string]any(s)) }

// decodeStrict reads exactly one JSON object with no unknown fields into
// v. A fenced block (```json … ```) is unwrapped first: some local servers
// add one even with a schema.
func decodeStrict(content string, v any) error {
	s := strings.TrimSpace(content)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "```json"), "```")
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not the JSON asked for: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}
