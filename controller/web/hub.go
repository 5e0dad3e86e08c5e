package web

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"
)

// hub works the tiles out once for every open page: one goroutine, while
// any page is open, waits for the supervisor's change signal, gathers
// changes for streamBatch, and keeps each chamber's tile (as JSON) with
// the number of the update that last changed it. Each page's stream sends
// the tiles changed since it last looked. Without it every open page
// summed up every chamber itself ten times a second (bench web: the
// daemon's CPU rose with each page).
type hub struct {
	p *Pages

	mu      sync.Mutex
	running bool
	pages   int
	update  uint64
	tiles   map[string]hubTile
	order   []string      // chambers by name
	wake    chan struct{} // closed at the next update
}

type hubTile struct {
	json    []byte
	changed uint64 // the update that last changed it
}

// join registers a page, starting the hub's goroutine for the first.
func (h *hub) join() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pages++
	if !h.running {
		h.running = true
		h.refresh()
		go h.run()
	}
}

func (h *hub) leave() {
	h.mu.Lock()
	h.pages--
	h.mu.Unlock()
}

// since returns, in chamber order, the tiles changed after update since,
// the latest update and the channel closed at the next one.
func (h *hub) since(since uint64) ([][]byte, uint64, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out [][]byte
	for _, name := range h.order {
		if t := h.tiles[name]; t.changed > since {
			out = append(out, t.json)
		}
	}
	return out, h.update, h.wake
}

func (h *hub) run() {
	for {
		changed := h.p.sup.Changed()
		h.mu.Lock()
		if h.pages == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		<-changed
		time.Sleep(streamBatch)
		h.mu.Lock()
		h.refresh()
		h.mu.Unlock()
	}
}

// refresh works every tile out and marks those that changed; h.mu held.
func (h *hub) refresh() {
	h.update++
	if h.tiles == nil {
		h.tiles = map[string]hubTile{}
	}
	h.order = h.order[:0]
	for _, st := range h.p.sup.Chambers() {
		h.order = append(h.order, st.Name)
		b, err := json.Marshal(tileOf(st))
		if err != nil {
			h.p.log.Error("tile", "chamber", st.Name, "err", err)
			continue
		}
		if old, ok := h.tiles[st.Name]; !ok || !bytes.Equal(old.json, b) {
			h.tiles[st.Name] = hubTile{json: b, changed: h.update}
		}
	}
	if h.wake != nil {
		close(h.wake)
	}
	h.wake = make(chan struct{})
}
