// Command totp prints the current six-digit code of a TOTP secret given in
// base32 (or SIGNPOST_TOTP_SECRET): the authenticator app of the scripted
// tests (scripts/wine-test.sh), for the demo accounts' published secret.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/pquerna/otp/totp"
)

func main() {
	secret := os.Getenv("SIGNPOST_TOTP_SECRET")
	if len(os.Args) > 1 {
		secret = os.Args[1]
	}
	if secret == "" {
		fmt.Fprintln(os.Stderr, "usage: totp SECRET (base32)")
		os.Exit(2)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		fmt.Fprintf(os.Stderr, "totp: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(code)
}
