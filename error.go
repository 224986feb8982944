package signpost

import (
	"errors"
	"fmt"
)

// ErrorKind classifies an error so every edge can translate it: the directory maps
// it to an HTTP status, the sync client maps the status back, and the app turns it
// into a plain sentence. The list only grows at the end.
type ErrorKind string

// Error kinds. The string values travel on the wire as `error.kind`.
const (
	KindInvalid      ErrorKind = "invalid"
	KindNotFound     ErrorKind = "not_found"
	KindUnauthorized ErrorKind = "unauthorized"
	KindForbidden    ErrorKind = "forbidden"
	KindConflict     ErrorKind = "conflict"
	KindGone         ErrorKind = "gone"
	KindTooMany      ErrorKind = "too_many"
	KindInternal     ErrorKind = "internal"
	KindTooLarge     ErrorKind = "too_large"
	KindRateLimited  ErrorKind = "rate_limited"
	KindUnavailable  ErrorKind = "unavailable"
	KindLocked       ErrorKind = "locked"
	KindWiped        ErrorKind = "wiped"
)

// Error is the one domain error. Message is safe to show to a person: it never
// holds a child's name, an SQL fragment or a Go error string. Field names the
// request field at fault, when there is one.
type Error struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
	Field   string    `json:"field,omitempty"`
	// Err is the underlying cause, for logs only; it never goes on the wire.
	Err error `json:"-"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error of the given kind with a formatted safe message.
func Errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an Invalid error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error: the cause is kept for logs and the message
// shown to people says only what was being done.
func Internal(doing string, err error) *Error {
	return &Error{Kind: KindInternal, Message: "something went wrong while " + doing, Err: err}
}

// KindOf returns the kind of a domain error anywhere in err's chain, or
// KindInternal for any other non-nil error.
func KindOf(err error) ErrorKind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the person-safe message of err: the domain message where
// there is one, else a generic sentence.
func MessageOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "something went wrong; the details are in the log"
}

// FieldOf returns the field named by a domain error in err's chain, if any.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
