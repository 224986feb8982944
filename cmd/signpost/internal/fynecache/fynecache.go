// Package fynecache shortens how long Fyne keeps what it drew for objects
// no longer on screen, before Fyne reads how long that is.
//
// Fyne caches each widget's renderer, each object's GL texture and each text
// run's texture for a minute after it was last drawn (FYNE_CACHE, read once
// when Fyne's internal cache package is initialised). Every record opened
// builds a new view, so a minute of browsing keeps a minute of record views:
// their Go objects and, in the C heap, their textures (make bench: about
// 11 MB after 100 records). Ten seconds keeps the record on show and the
// screens just left, which is all that is drawn again soon. Go initialises
// this package before Fyne's cache for the reason package locale gives: it
// imports only os, and of the packages ready to initialise the first by
// import path goes first ("signpost/…" before "time", which Fyne needs).
package fynecache

import "os"

// Duration is how long Fyne keeps an object's renderer and textures after
// it was last drawn, in the form of time.ParseDuration.
const Duration = "10s"

// Env is the variable Fyne reads the duration from.
const Env = "FYNE_CACHE"

func init() { Shorten(os.Getenv, os.Setenv) }

// Shorten sets FYNE_CACHE to Duration unless it is set already (a person
// measuring or debugging Fyne keeps the value they chose).
func Shorten(getenv func(string) string, setenv func(key, value string) error) {
	if getenv(Env) == "" {
		setenv(Env, Duration)
	}
}
