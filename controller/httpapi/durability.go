package httpapi

import (
	"context"
	"net/http"

	"github.com/fivechoice/fivechoice/storage"
)

// healthz answers whether the daemon can record: 200 "ok"; 200 "degraded"
// with the warning while storage commits lag past commit_lag_warning
// (sessions go on, every write still reaches the disk, only later than
// usual: restarting the daemon for that would cost the running sessions,
// so a service manager must not); 503 "failing" while the database cannot
// be written at all. Both clear by themselves once commits catch up.
func (a *API) healthz(w http.ResponseWriter, r *http.Request) error {
	if a.health != nil {
		if err := a.health(); err != nil {
			return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "failing", "error": err.Error(), "version": a.version})
		}
	}
	if a.degrade != nil {
		if err := a.degrade(); err != nil {
			return writeJSON(w, http.StatusOK, map[string]string{"status": "degraded", "warning": err.Error(), "version": a.version})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": a.version})
}

// storeSubject adds a subject through the storage writer when there is
// one (the daemon), so that it never meets the writer's lock.
func (a *API) storeSubject(ctx context.Context, s storage.Subject) error {
	if a.writer != nil {
		return a.writer.AddSubject(s)
	}
	return a.db.AddSubject(ctx, s)
}
