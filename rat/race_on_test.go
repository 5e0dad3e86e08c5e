//go:build race

package rat_test

// raceEnabled: the race detector slows sessions about twentyfold, so the
// suite validates fewer seeds under it.
const raceEnabled = true
