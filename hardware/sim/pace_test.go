package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fivechoice/fivechoice/hardware"
)

// TestPacedSeesStopWhenBehind: a paced timeline whose next step is already
// due on the wall clock hands it out at once without waiting, and must still
// see a stop first; else a session with very short timers is never stopped
// (issue 12: POST .../stop hung for minutes).
func TestPacedSeesStopWhenBehind(t *testing.T) {
	c := NewVirtual(Script{})
	p := NewPaced(c, 1e9)
	if _, err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Next(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, got, err := p.Next(ctx, 2*time.Millisecond) // due long ago on the wall clock
	if !errors.Is(err, context.Canceled) || got {
		t.Errorf("Next after a stop = %v, %v; want context.Canceled", got, err)
	}
	if _, _, err := p.Next(ctx, hardware.Forever); !errors.Is(err, context.Canceled) {
		t.Errorf("Next(Forever) after a stop = %v; want context.Canceled", err)
	}
}
