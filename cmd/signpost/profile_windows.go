package main

import "os"

// profileSignal is nil: Windows has no SIGUSR1, so the window writes its heap
// profile only when it closes.
var profileSignal os.Signal
