package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fivechoice/fivechoice/controller/config"
	"github.com/fivechoice/fivechoice/controller/wiring"
)

func cmdConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: fivechoice config check [--hardware] FILE...\n       fivechoice config example")
		return errUsage
	}
	switch args[0] {
	case "check":
		return configCheck(args[1:], stdout, stderr)
	case "example":
		fs := newFlags("config example", "config example   # an annotated configuration, to start from", stderr)
		if err := parse(fs, args[1:], false); err != nil {
			return err
		}
		_, err := stdout.Write(config.Example())
		return err
	}
	fmt.Fprintf(stderr, "fivechoice config: unknown subcommand %q (check, example)\n", args[0])
	return errUsage
}

// configCheck validates configuration files without starting anything:
// every problem of each file is printed with its file, line and key, and
// the exit status is 1 if any file has one.
func configCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("config check", "config check [--hardware] FILE...", stderr)
	hardware := fs.Bool("hardware", false, "also check the GPIO chips and lines and the serial ports against this machine")
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	bad := 0
	for _, path := range fs.Args() {
		cfg, err := config.Load(path)
		if err == nil && *hardware {
			err = wiring.CheckHardware(cfg)
		}
		if err != nil {
			bad++
			var ce *config.Error
			if !errors.As(err, &ce) && !*hardware {
				err = fmt.Errorf("%s: %w", path, err)
			}
			fmt.Fprintln(stdout, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok: %d chambers", path, len(cfg.Chambers))
		for i, ch := range cfg.Chambers {
			sep := ", "
			if i == 0 {
				sep = " ("
			}
			fmt.Fprintf(stdout, "%s%s %s", sep, ch.Name, ch.Backend)
		}
		fmt.Fprintf(stdout, "), database %s, listening on %s, token from %s\n", cfg.Database, cfg.Listen, cfg.TokenSource)
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stdout, "%s: warning: %s\n", path, w)
		}
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d configuration files have problems", bad, fs.NArg())}
	}
	return nil
}
