package hub

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/internal/boltcheck"
)

// Tokens live in their own bbolt file next to the event log, keyed by the
// SHA-256 of the token: the plaintext is shown once, by Add, and never
// stored.
//
// The serving hub and `hub token add|list|revoke` are separate processes,
// and bbolt allows one writer per file. So nobody keeps tokens.db open:
// every operation opens it, does its work in one transaction and closes it
// (the CLI for an update, the hub read-only, both waiting at most a second
// for the file lock). The hub keeps the active tokens in memory and reads
// the file again when it has changed — a token just added works at once,
// one just revoked is refused at the next connection — and in any case
// once the copy is older than TokenTTL. A change shows in the file's first
// two pages: every bbolt commit writes one of its two meta pages with a new
// transaction id. Reading those two pages costs microseconds, so a flood of
// unknown tokens does not make the hub read the whole file.

// TokensFile is the token database's name in the hub's data folder.
const TokensFile = "tokens.db"

// TokenPrefix starts every token, so a leaked one is easy to recognize
// (secret scanners, logs) and a wrong string is refused without a lookup.
const TokenPrefix = "sb_"

// TokenTTL is the longest the hub trusts its in-memory copy of the tokens
// without reading the file again.
const TokenTTL = 2 * time.Second

const (
	tokenBytes  = 32
	tokenLen    = len(TokenPrefix) + (tokenBytes*8+5)/6 // base64url without padding
	tokenSchema = 1
)

var (
	tokenMeta    = []byte("meta")
	tokenSchemaK = []byte("schema_version")
	bucketTokens = []byte("tokens")
	tokenBuckets = [][]byte{tokenMeta, bucketTokens}
	agentName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)
)

// ErrNoToken is returned by the revoke methods when nothing matched.
var ErrNoToken = errors.New("no such active token")

// TokenRecord is what the hub knows about a token: everything but the
// token itself.
type TokenRecord struct {
	ID      string    `json:"id"` // short and random, for list and revoke
	Agent   string    `json:"agent"`
	Role    Role      `json:"role"`
	Created time.Time `json:"created"`
	Revoked time.Time `json:"revoked,omitzero"` // zero while the token is valid
}

// Active reports whether the token is still accepted.
func (r TokenRecord) Active() bool { return r.Revoked.IsZero() }

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAgent, RoleLead:
		return r, nil
	}
	return "", fmt.Errorf("role %q: must be %q or %q", s, RoleAgent, RoleLead)
}

// ValidAgentName checks an agent name: 1 to 64 letters, digits, '.', '_',
// '@' or '-', starting with a letter or digit.
func ValidAgentName(name string) error {
	if !agentName.MatchString(name) {
		return fmt.Errorf("agent name %q: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name)
	}
	return nil
}

// TokenStore is the hub's Authenticator, backed by dir/tokens.db.
type TokenStore struct {
	path string
	now  func() time.Time

	mu     sync.Mutex // guards the copy below and serializes reloads
	active map[[sha256.Size]byte]Agent
	stamp  []byte // the file's meta pages when the copy was read
	loaded time.Time
}

var _ Authenticator = (*TokenStore)(nil)

// OpenTokenStore creates dir/tokens.db if needed and checks that it can be
// used; it holds no file open afterwards.
func OpenTokenStore(dir string) (*TokenStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tokens: create data folder: %w", err)
	}
	s := &TokenStore{path: filepath.Join(dir, TokensFile), now: time.Now}
	// bbolt trusts its file: a truncated one kills the process with
	// SIGBUS. The file is small, so it is checked in full once.
	if err := checkTokens(s.path); err != nil {
		return nil, err
	}
	if err := s.update(func(*bolt.Tx) error { return nil }); err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the token database's file.
func (s *TokenStore) Path() string { return s.path }

// withDB opens the file for one transaction and closes it again. The meta
// page is checked against the file's size first, and a memory fault in
// bbolt becomes an error: the file may have been damaged since the hub
// started.
func (s *TokenStore) withDB(readOnly bool, fn func(*bolt.DB) error) error {
	if err := checkTokensMeta(s.path); err != nil {
		return err
	}
	db, err := boltcheck.Open(s.path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: readOnly})
	if errors.Is(err, bolt.ErrTimeout) {
		return fmt.Errorf("tokens: %s stayed locked by another process for a second: %w", s.path, err)
	}
	if errors.Is(err, ErrDamaged) {
		return tokensDamaged(s.path, reason(err))
	}
	if err != nil {
		return fmt.Errorf("tokens: open %s: %w", s.path, err)
	}
	err = boltcheck.Guard(s.path, func() error { return fn(db) })
	if d := (*boltcheck.Damage)(nil); errors.As(err, &d) {
		err = tokensDamaged(s.path, d.Reason)
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tokens: close %s: %w", s.path, cerr)
	}
	return err
}

// update runs fn in a write transaction, after creating the buckets and
// checking the schema.
func (s *TokenStore) update(fn func(*bolt.Tx) error) error {
	return s.withDB(false, func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			for _, name := range tokenBuckets {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("tokens: create bucket %s: %w", name, err)
				}
			}
			meta := tx.Bucket(tokenMeta)
			if raw := meta.Get(tokenSchemaK); raw != nil {
				if len(raw) != 8 {
					return fmt.Errorf("tokens: corrupt schema version (%d bytes)", len(raw))
				}
				if v := binary.BigEndian.Uint64(raw); v > tokenSchema {
					return fmt.Errorf("tokens: %s has schema %d, this hub knows up to %d", s.path, v, tokenSchema)
				}
			} else if err := meta.Put(tokenSchemaK, binary.BigEndian.AppendUint64(nil, tokenSchema)); err != nil {
				return err
			}
			return fn(tx)
		})
	})
}

// view runs fn over every record, read-only.
func (s *TokenStore) view(fn func(hash []byte, r TokenRecord) error) error {
	return s.withDB(true, func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			return eachToken(tx, fn)
		})
	})
}

func eachToken(tx *bolt.Tx, fn func(hash []byte, r TokenRecord) error) error {
	b := tx.Bucket(bucketTokens)
	if b == nil {
		return nil // a file another hub version made; nothing to read
	}
	return b.ForEach(func(k, v []byte) error {
		var r TokenRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("tokens: corrupt record %x: %w", k[:4], err)
		}
		return fn(k, r)
	})
}

func putToken(tx *bolt.Tx, hash []byte, r TokenRecord) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketTokens).Put(hash, raw)
}

// Add makes a new token for an agent. The token is returned once and only
// its hash is stored.
func (s *TokenStore) Add(agent string, role Role) (string, TokenRecord, error) {
	if err := ValidAgentName(agent); err != nil {
		return "", TokenRecord{}, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", TokenRecord{}, err
	}
	secret := make([]byte, tokenBytes)
	rand.Read(secret) // never fails (crypto/rand)
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	hash := sha256.Sum256([]byte(token))
	rec := TokenRecord{Agent: agent, Role: role, Created: s.now().UTC()}
	err := s.update(func(tx *bolt.Tx) error {
		ids := map[string]bool{}
		if err := eachToken(tx, func(_ []byte, r TokenRecord) error { ids[r.ID] = true; return nil }); err != nil {
			return err
		}
		for rec.ID == "" || ids[rec.ID] {
			id := make([]byte, 4)
			rand.Read(id)
			rec.ID = hex.EncodeToString(id)
		}
		return putToken(tx, hash[:], rec)
	})
	if err != nil {
		return "", TokenRecord{}, fmt.Errorf("tokens: add for %s: %w", agent, err)
	}
	return token, rec, nil
}

// List returns every token record, revoked ones included, oldest first.
func (s *TokenStore) List() ([]TokenRecord, error) {
	var out []TokenRecord
	err := s.view(func(_ []byte, r TokenRecord) error { out = append(out, r); return nil })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b TokenRecord) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeID revokes the token with this id.
func (s *TokenStore) RevokeID(id string) (TokenRecord, error) {
	revoked, err := s.revoke(func(r TokenRecord) bool { return r.ID == id })
	if err != nil {
		return TokenRecord{}, err
	}
	if len(revoked) == 0 {
		return TokenRecord{}, fmt.Errorf("tokens: id %q: %w", id, ErrNoToken)
	}
	return revoked[0], nil
}

// RevokeAgent revokes every active token of an agent.
func (s *TokenStore) RevokeAgent(agent string) ([]TokenRecord, error) {
	revoked, err := s.revoke(func(r TokenRecord) bool { return r.Agent == agent })
	if err != nil {
		return nil, err
	}
	if len(revoked) == 0 {
		return nil, fmt.Errorf("tokens: agent %q: %w", agent, ErrNoToken)
	}
	return revoked, nil
}

// revoke marks the active tokens that match as revoked; records stay, so
// that list shows who had access and until when.
func (s *TokenStore) revoke(match func(TokenRecord) bool) ([]TokenRecord, error) {
	now := s.now().UTC()
	var out []TokenRecord
	err := s.update(func(tx *bolt.Tx) error {
		type hit struct {
			hash []byte
			rec  TokenRecord
		}
		var hits []hit
		err := eachToken(tx, func(k []byte, r TokenRecord) error {
			if r.Active() && match(r) {
				hits = append(hits, hit{slices.Clone(k), r})
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Put after ForEach: a bucket must not change under its cursor.
		for _, h := range hits {
			h.rec.Revoked = now
			if err := putToken(tx, h.hash, h.rec); err != nil {
				return err
			}
			out = append(out, h.rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tokens: revoke: %w", err)
	}
	return out, nil
}

// Authenticate implements Authenticator. Unknown, revoked and malformed
// tokens give ErrUnauthorized; any other error means the token file could
// not be read.
func (s *TokenStore) Authenticate(token string) (Agent, error) {
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return Agent{}, ErrUnauthorized
	}
	hash := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refresh(); err != nil {
		return Agent{}, err
	}
	a, ok := s.active[hash]
	if !ok {
		return Agent{}, ErrUnauthorized
	}
	return a, nil
}

// refresh reads the active tokens again when the file changed or the copy
// is older than TokenTTL. s.mu is held.
func (s *TokenStore) refresh() error {
	stamp, err := s.metaPages()
	if err != nil {
		return err
	}
	now := s.now()
	if s.active != nil && bytes.Equal(stamp, s.stamp) && now.Sub(s.loaded) < TokenTTL {
		return nil
	}
	active := map[[sha256.Size]byte]Agent{}
	err = s.view(func(k []byte, r TokenRecord) error {
		if r.Active() && len(k) == sha256.Size {
			active[[sha256.Size]byte(k)] = Agent{Name: r.Agent, Role: r.Role}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The stamp is from before the read: a commit during it shows as a
	// change next time, so the worst case is one read too many.
	s.active, s.stamp, s.loaded = active, stamp, now
	return nil
}

// metaPages reads the start of the file, where bbolt keeps its two meta
// pages (a page is the OS page size where the file was made). It reads
// without the file lock: a torn read only looks like a change.
func (s *TokenStore) metaPages() ([]byte, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer f.Close()
	buf := make([]byte, 2*os.Getpagesize())
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("tokens: read %s: %w", s.path, err)
	}
	return buf[:n], nil
}
