package directory

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strings"
	gosync "sync"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/argon2"

	"signpost"
)

// PasswordParams are the Argon2id costs of stored password hashes.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultPasswordParams follow OWASP's Argon2id minimum (19 MiB, 2 passes).
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// HashPassword returns an encoded Argon2id hash of password.
func HashPassword(password string, p PasswordParams) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether password matches an encoded hash.
func CheckPassword(password, encoded string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewTOTPSecret makes a TOTP secret for a user and returns it with its
// otpauth:// URL for an authenticator app.
func NewTOTPSecret(username string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Signpost", AccountName: username})
	if err != nil {
		return "", "", fmt.Errorf("making a TOTP secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPURL returns the otpauth:// URL for an existing secret.
func TOTPURL(username, secret string) string {
	return fmt.Sprintf("otpauth://totp/Signpost:%s?algorithm=SHA1&digits=6&issuer=Signpost&period=30&secret=%s", username, secret)
}

func validTOTP(code, secret string, now time.Time) bool {
	ok, err := totp.ValidateCustom(strings.TrimSpace(code), secret, now, totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// dummyHash keeps the time of a sign-in for an unknown user like that of a known one.
var dummyHash = HashPassword("not a password", DefaultPasswordParams)

var errSignIn = &signpost.Error{Kind: signpost.KindUnauthorized, Message: "the username, password or security code is wrong"}

func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) {
	var req signpost.SessionRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := s.signIn(r, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) signIn(r *http.Request, req *signpost.SessionRequest) (*signpost.SessionResponse, error) {
	ctx := r.Context()
	req.Username = strings.TrimSpace(req.Username)
	req.DeviceName = strings.TrimSpace(req.DeviceName)
	for _, f := range []struct{ name, v string }{{"username", req.Username}, {"password", req.Password}, {"otp", req.OTP}, {"device_id", req.DeviceID}, {"device_name", req.DeviceName}} {
		if f.v == "" {
			return nil, signpost.FieldError(f.name, "%s is required", strings.ReplaceAll(f.name, "_", " "))
		}
	}
	if len(req.Username) > 100 || len(req.Password) > 1024 || len(req.DeviceName) > 100 {
		return nil, signpost.FieldError("username", "username, password or device name is too long")
	}
	dev, err := uuid.Parse(req.DeviceID)
	if err != nil {
		return nil, signpost.FieldError("device_id", "device id must be a UUID")
	}
	req.DeviceID = dev.String()
	now := s.cfg.Now()
	if !s.signin.peek(req.Username, now) {
		return nil, &signpost.Error{Kind: signpost.KindRateLimited, Message: "too many failed sign-ins for this account; wait 15 minutes or ask your IT service"}
	}
	acc, err := s.store.Account(ctx, req.Username)
	if signpost.KindOf(err) == signpost.KindNotFound {
		CheckPassword(req.Password, dummyHash)
		s.signin.take(req.Username, now)
		return nil, errSignIn
	}
	if err != nil {
		return nil, err
	}
	if !CheckPassword(req.Password, acc.PasswordHash) || !validTOTP(req.OTP, acc.TOTPSecret, now) {
		s.signin.take(req.Username, now)
		return nil, errSignIn
	}
	if acc.Disabled {
		return nil, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "your account is disabled; contact your IT service"}
	}
	if !acc.Accredited {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "your organisation is not accredited to use Signpost"}
	}
	d, err := s.store.EnrolDevice(ctx, req.DeviceID, req.DeviceName, acc.ID, now)
	if err != nil {
		return nil, err
	}
	if d.UserID != acc.ID {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Field: "device_id", Message: "this device is enrolled to another user; make a new cache for this account"}
	}
	switch d.State {
	case signpost.DeviceWipeOrdered:
		return nil, &signpost.Error{Kind: signpost.KindGone, Message: "your IT service has ordered this device to be wiped"}
	case signpost.DeviceRevoked:
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "this device has been revoked by your IT service"}
	case signpost.DeviceWiped:
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Field: "device_id", Message: "this device was wiped; enrol with a new cache"}
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	se := &Session{TokenHash: sum[:], UserID: acc.ID, DeviceID: d.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.CreateSession(ctx, se); err != nil {
		return nil, err
	}
	s.signin.reset(req.Username)
	s.audit.record(ctx, AuditEvent{At: now, UserID: acc.ID, Username: acc.Username, DeviceID: d.ID, Action: "sign_in"})
	return &signpost.SessionResponse{Token: token, ExpiresAt: se.ExpiresAt, User: acc.User, Policy: s.Policy(ctx).ForDevices(), ServerTime: now}, nil
}

// limiter is a token bucket per key.
type limiter struct {
	mu      gosync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

func (l *limiter) fill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100000 { // forget idle buckets rather than grow forever
			for k, v := range l.buckets {
				if now.Sub(v.at).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	return b
}

// take spends a token; false when none is left.
func (l *limiter) take(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.fill(key, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// peek reports whether a token is left without spending it.
func (l *limiter) peek(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fill(key, now).tokens >= 1
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.buckets, key)
	l.mu.Unlock()
}
