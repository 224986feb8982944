//go:build !windows

package main

import (
	"os"
	"syscall"
)

// profileSignal asks the window for a heap profile (heapProfiles).
var profileSignal os.Signal = syscall.SIGUSR1
