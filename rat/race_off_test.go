//go:build !race

package rat_test

const raceEnabled = false
