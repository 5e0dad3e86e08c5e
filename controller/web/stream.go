package web

import (
	"bytes"
	"fmt"
	"net/http"
	"time"
)

// Stream timing. Changes are gathered for streamBatch before they are
// sent, so a page gets at most a few messages a second however many
// chambers step, and every change reaches it well within a second (the
// issue's bound). A clock message every streamClock keeps proxies from
// closing the connection and lets the page time its no-response warning
// on the daemon's clock rather than the tablet's.
const (
	streamBatch = 100 * time.Millisecond
	streamClock = 15 * time.Second
	// streamWrite bounds one write to a page that has stopped reading.
	streamWrite = 10 * time.Second
)

// Stream serves GET /events, the grid's Server-Sent Events: a "tile"
// event with a chamber's Tile (JSON) whenever what its tile shows
// changes, every tile at the start, and a "clock" event with the daemon's
// time (Unix ms). It waits on the hub, which waits on the supervisor's
// change signal: nothing polls, and an idle lab sends nothing but the
// clock.
func (p *Pages) Stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The server's whole-request read deadline would end the stream (its
	// context) after ReadTimeout: a stream reads nothing more.
	rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy in front must not hold events back
	p.hub.join()
	defer p.hub.leave()
	clock := time.NewTicker(streamClock)
	defer clock.Stop()
	var buf bytes.Buffer
	var seen uint64
	tick := true
	for {
		tiles, update, wake := p.hub.since(seen)
		seen = update
		buf.Reset()
		if tick {
			fmt.Fprintf(&buf, "event: clock\ndata: %d\n\n", time.Now().UnixMilli())
			tick = false
		}
		for _, t := range tiles {
			fmt.Fprintf(&buf, "event: tile\ndata: %s\n\n", t)
		}
		if buf.Len() > 0 {
			rc.SetWriteDeadline(time.Now().Add(streamWrite))
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-clock.C:
			tick = true
		case <-wake:
		}
	}
}
