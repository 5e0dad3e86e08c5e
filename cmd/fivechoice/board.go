package main

import (
	"context"
	"io"

	"github.com/fivechoice/fivechoice/hardware/serial/emulator"
)

// cmdBoardEmulator runs a simulated I/O board on a pseudo-terminal, for
// trying the serial backend without hardware.
func cmdBoardEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return emulator.Main(ctx, args, stdout, stderr)
}
