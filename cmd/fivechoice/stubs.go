package main

import (
	"context"
	"io"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error   { return nil }
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error { return nil }
func cmdProtocols(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return nil
}
