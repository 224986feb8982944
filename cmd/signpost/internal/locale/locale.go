// Package locale makes the process's locale one Fyne can read, before Fyne
// reads it.
//
// Fyne's lang package looks up the user's language when it is initialised,
// at start-up, whatever the command: in the C.UTF-8 locale (the default of
// many Debian servers and containers) it finds the language "C", which is
// not a language tag, and logs "Error parsing user locale C" on standard
// error before a headless command has printed its answer. This package's
// init says, through LANGUAGE, that such a locale's messages are English
// (what C means for messages). Go initialises it before Fyne's lang: it
// imports only os and strings, and of the packages ready to initialise the
// one first by import path goes first ("signpost/…" before "text/template",
// which lang needs).
package locale

import (
	"os"
	"strings"
)

func init() { Fix(os.Getenv, os.Setenv) }

// Fix sets LANGUAGE to "en" when the locale that decides the language of
// messages (LC_ALL, else LC_MESSAGES, else LANG) is C or POSIX with an
// encoding or modifier, such as C.UTF-8, and LANGUAGE is unset. Plain C and
// POSIX need nothing: Fyne reads them as English already.
func Fix(getenv func(string) string, setenv func(key, value string) error) {
	var loc string
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	if loc == "C" || loc == "POSIX" || getenv("LANGUAGE") != "" {
		return
	}
	lang, _, _ := strings.Cut(loc, ".")
	lang, _, _ = strings.Cut(lang, "@")
	if lang == "C" || lang == "POSIX" {
		setenv("LANGUAGE", "en")
	}
}
