package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

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

// totpPeriod is the length of a TOTP time step.
const totpPeriod = 30

// totpStep returns the time step (RFC 6238's counter) whose code code is,
// within one step either side of now for clock drift, and whether there is
// one. Where two steps match (a one-in-a-million coincidence) the later wins,
// which refuses more replays, never fewer.
func totpStep(code, secret string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	cur := now.Unix() / totpPeriod
	var step int64
	ok := false
	for s := cur - 1; s <= cur+1; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok
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
	if err := signpost.CheckText("username", req.Username, signpost.MaxNameLen); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(req.Password) > signpost.MaxPasswordLen {
		return nil, signpost.FieldError("password", "password is longer than %d characters", signpost.MaxPasswordLen)
	}
	if len(req.OTP) > 16 {
		return nil, signpost.FieldError("otp", "the security code is the 6 digits your authenticator app shows")
	}
	if err := signpost.CheckText("device_name", req.DeviceName, signpost.MaxNameLen); err != nil {
		return nil, err
	}
	dev, err := uuid.Parse(req.DeviceID)
	if err != nil {
		return nil, signpost.FieldError("device_id", "device id must be a UUID")
	}
	req.DeviceID = dev.String()
	now := s.cfg.Now()

	// Tokens are spent before the password is checked, so concurrent guesses
	// cannot all pass a check made before any of them fails. A successful
	// sign-in gives them back; so does one the directory was too busy to check.
	// Issue 17: on a shared store the tokens are the store's, so every
	// instance counts the same failures (shared.go).
	addr := clientAddr(r)
	refundAddr, wait, err := s.signinAddr.Take(ctx, addr)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, retryLater(wait, signpost.KindRateLimited, "too many failed sign-ins from this network address; try again in %s or ask your IT service", minutes(wait))
	}
	refundAccount, wait, err := s.signin.Take(ctx, req.Username)
	if err != nil {
		refundAddr()
		return nil, err
	}
	if wait > 0 {
		refundAddr()
		return nil, retryLater(wait, signpost.KindRateLimited, "too many failed sign-ins for this account; wait 15 minutes or ask your IT service")
	}
	acc, err := s.checkPassword(ctx, req.Username, req.Password)
	if err != nil {
		refundAccount()
		refundAddr()
		return nil, err
	}
	if acc == nil {
		return nil, errSignIn
	}
	step, ok := totpStep(req.OTP, acc.TOTPSecret, now)
	if !ok {
		return nil, errSignIn
	}
	// Issue 14, accounts slice: after a reset, a new password first.
	newPassword, err := s.passwordToChange(ctx, acc)
	if err != nil {
		return nil, err
	}
	// A code is good for one sign-in: it and every earlier one are spent.
	if fresh, err := s.store.UseTOTPStep(ctx, acc.ID, step); err != nil {
		return nil, err
	} else if !fresh {
		return nil, errSignIn
	}
	if acc.Disabled {
		return nil, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "your account is disabled; contact your IT service"}
	}
	if !acc.Accredited {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "your organisation is not accredited to use Signpost"}
	}
	if newPassword != "" { // issue 14, accounts slice
		if err := s.setOwnPassword(ctx, acc, newPassword); err != nil {
			return nil, err
		}
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
	s.recordAgent(ctx, d, r) // issue 14, accounts slice
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	se := &Session{TokenHash: sum[:], UserID: acc.ID, DeviceID: d.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.CreateSession(ctx, se); err != nil {
		return nil, err
	}
	cred, err := s.newDeviceCredential(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	s.signin.Forget(ctx, req.Username)
	refundAddr()
	s.audit.record(ctx, AuditEvent{At: now, UserID: acc.ID, Username: acc.Username, DeviceID: d.ID, Action: "sign_in"})
	return &signpost.SessionResponse{Token: token, ExpiresAt: se.ExpiresAt, User: acc.User, Policy: s.Policy(ctx).ForDevices(), ServerTime: now,
		DeviceCredential: cred}, nil
}

// checkPassword returns username's account if password is theirs, nil if
// not. An unknown user is checked against a dummy hash, so both take as long.
// The hash runs in one of the gate's slots: busy is an unavailable error.
func (s *Server) checkPassword(ctx context.Context, username, password string) (*Account, error) {
	acc, err := s.store.Account(ctx, username)
	if err != nil && signpost.KindOf(err) != signpost.KindNotFound {
		return nil, err
	}
	leave, gerr := s.passwords.enter(ctx)
	if gerr != nil {
		return nil, gerr
	}
	defer leave()
	s.passwordChecks.Add(1)
	if err != nil {
		CheckPassword(password, dummyHash)
		return nil, nil
	}
	if !CheckPassword(password, acc.PasswordHash) {
		return nil, nil
	}
	return acc, nil
}

// clientAddr is the host of the request's remote address: the key of the
// per-address sign-in limit.
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// minutes says a wait in whole minutes, for a message.
func minutes(d time.Duration) string {
	if n := int(math.Ceil(d.Minutes())); n > 1 {
		return fmt.Sprintf("%d minutes", n)
	}
	return "a minute"
}
