// Package device is the laptop's side of Signpost. A Device is this laptop
// as the directory knows it: the encrypted cache (localstore), the sync
// engine that keeps it in step with the directory (sync), and signing in. The
// window (through the ui package's Services interface) and the command
// line's headless commands both drive the same Device, so enrolment,
// unlocking, the offline fallbacks and "fetch, then queue" have one home.
//
// The types the screens show (State, Status, Record, Change…) are defined
// here; the ui package names them for its screens.
package device
