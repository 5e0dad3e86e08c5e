// Command fivechoice runs five-choice serial reaction time task sessions on
// operant chambers, records them in SQLite and serves them to a lab.
// Run "fivechoice help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
