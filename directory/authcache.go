package directory

import (
	gosync "sync"
	"time"
)

// authCache keeps, for a few seconds, what authenticating a request reads
// from the store: the session of a token, its device and its account. A
// busy directory answers each laptop about once a second, and reading all
// three every time was an eighth of its work. What must take effect at once
// does: a device moved (a wipe order, a revoke, by this process or another)
// is read again as soon as the hub hears of it, and a receipt or a touch
// updates or drops the entry here. Disabling an account moves its devices'
// change numbers, so it takes effect the same way.
type authCache struct {
	mu       gosync.Mutex
	sessions map[string]authEntry // token hash → entry
	devices  map[string]devEntry  // device id → entry
	tokens   map[string][]string  // device id → token hashes kept
}

type authEntry struct {
	se  *Session
	acc *Account
	at  time.Time
}

type devEntry struct {
	dev *DeviceRecord
	at  time.Time
}

// authFresh is how long an entry is trusted: many long-polls, so that a
// laptop waiting for news reads nothing again. What must take effect at once
// (a device moved, an account disabled) drops the entry through the hub.
const authFresh = 5 * time.Minute

// authCacheMax bounds the entries kept; past it the cache starts again.
const authCacheMax = 100_000

func newAuthCache() *authCache {
	return &authCache{sessions: map[string]authEntry{}, devices: map[string]devEntry{}, tokens: map[string][]string{}}
}

func (c *authCache) session(hash string, now time.Time) (*Session, *Account, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.sessions[hash]
	if !ok || now.Sub(e.at) > authFresh || now.Before(e.at) {
		return nil, nil, false
	}
	return e.se, e.acc, true
}

func (c *authCache) device(id string, now time.Time) (*DeviceRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.devices[id]
	if !ok || now.Sub(e.at) > authFresh || now.Before(e.at) {
		return nil, false
	}
	d := *e.dev
	return &d, true
}

func (c *authCache) put(hash string, se *Session, acc *Account, dev *DeviceRecord, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sessions)+len(c.devices) > authCacheMax {
		c.sessions, c.devices, c.tokens = map[string]authEntry{}, map[string]devEntry{}, map[string][]string{}
	}
	if _, had := c.sessions[hash]; !had {
		c.tokens[se.DeviceID] = append(c.tokens[se.DeviceID], hash)
	}
	c.sessions[hash] = authEntry{se: se, acc: acc, at: now}
	c.putDevice(dev, now)
}

func (c *authCache) putDevice(dev *DeviceRecord, now time.Time) {
	d := *dev
	c.devices[dev.ID] = devEntry{dev: &d, at: now}
}

// touched records a device's new last contact.
func (c *authCache) touched(id string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.devices[id]; ok {
		d := *e.dev
		d.LastSeen = at
		c.devices[id] = devEntry{dev: &d, at: e.at}
	}
}

// forgetDevices drops devices whose state changed, or whose account did
// (here, or in another process: the hub tells), with their sessions.
func (c *authCache) forgetDevices(ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.devices, id)
		for _, h := range c.tokens[id] {
			delete(c.sessions, h)
		}
		delete(c.tokens, id)
	}
}
