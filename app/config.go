package app

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// ConfigFile is the console's settings file in its data folder. It holds
// the hub token, so it is written with mode 0600 and never logged.
const ConfigFile = "config.json"

// Config is what the console keeps between runs.
type Config struct {
	Token string `json:"token,omitempty"`
	// Console holds the agent's settings (see settings.go).
	Console *Settings `json:"console,omitempty"`
}

// LoadConfig reads dir/config.json; a missing file is an empty Config. A
// file others can read is made private first.
func LoadConfig(dir string) (Config, error) {
	path := filepath.Join(dir, ConfigFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return Config{}, fmt.Errorf("config: make %s private: %w", path, err)
		}
	}
	var c Config
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, fmt.Errorf("config: %s: %w", path, err)
	}
	return c, nil
}

// SaveConfig writes dir/config.json with mode 0600. It writes a temporary
// file and renames it, so a crash leaves the old file or the new one.
func SaveConfig(dir string, c Config) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config: create folder: %w", err)
	}
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ConfigFile+".*") // mode 0600
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename it is gone already
	_, err = f.Write(append(raw, '\n'))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, ConfigFile))
	}
	if err != nil {
		return fmt.Errorf("config: write %s: %w", ConfigFile, err)
	}
	return nil
}

// ResolveToken picks the hub token: the --token flag, else the
// SWITCHBOARD_TOKEN environment variable, else the config file. A token
// from the flag is saved to the config file, so the next start needs no
// flag.
func ResolveToken(dir, flagToken, envToken string) (string, error) {
	// Tokens are often pasted or read with $(cat file): no stray space.
	flagToken, envToken = strings.TrimSpace(flagToken), strings.TrimSpace(envToken)
	if flagToken != "" {
		c, err := LoadConfig(dir)
		if err != nil {
			return "", err
		}
		if c.Token != flagToken {
			c.Token = flagToken
			if err := SaveConfig(dir, c); err != nil {
				return "", err
			}
		}
		return flagToken, nil
	}
	if envToken != "" {
		return envToken, nil
	}
	c, err := LoadConfig(dir)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(c.Token), nil
}

// HubDialer is a websocket dialer that trusts the CA certificates in the
// PEM file caFile as well as the system's: for a hub with a self-signed or
// private-CA certificate.
func HubDialer(caFile string) (*websocket.Dialer, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", caFile)
	}
	return &websocket.Dialer{
		HandshakeTimeout:  10 * time.Second,
		Proxy:             http.ProxyFromEnvironment,
		EnableCompression: true,
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}, nil
}
