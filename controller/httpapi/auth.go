package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// tokenHash is the SHA-256 of the API token. Comparing hashes keeps the
// comparison constant-time even in the token's length, which
// subtle.ConstantTimeCompare on the raw strings would reveal.
type tokenHash [sha256.Size]byte

func hashToken(tok string) tokenHash { return sha256.Sum256([]byte(tok)) }

// matches reports whether tok is the API token, in constant time.
func (h tokenHash) matches(tok string) bool {
	got := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(got[:], h[:]) == 1
}

// auth refuses a request without the API token (401), unless it comes
// from the control room: a live login cookie and an Origin naming this
// daemon (403 when the Origin is another site's). The token is never
// logged, not even a wrong one: a typo of the real token is most of it.
func (a *API) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r.Header.Get("Authorization"))
		if ok && a.token.matches(tok) {
			next.ServeHTTP(w, r)
			return
		}
		if !ok && a.loggedIn(r) {
			if !sameOrigin(r) {
				a.crossSite(w, r)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		a.unauthorized(w, r, ok)
	})
}

// private refuses every JSON API request (/api/v1/...) without the API
// token or a live login cookie (401): subject ids, sessions and training
// states are the lab's data, not for anyone on the network. Reading needs
// no Origin check (a cross-site page cannot read the answer; the cookie is
// SameSite=Strict); changing anything also goes through auth. /healthz and
// /metrics stay open for monitoring.
func (a *API) private(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		tok, ok := bearer(r.Header.Get("Authorization"))
		if (ok && a.token.matches(tok)) || (!ok && a.loggedIn(r)) {
			next.ServeHTTP(w, r)
			return
		}
		a.unauthorized(w, r, ok)
	})
}

// unauthorized refuses a request (401) with or without a token (sent
// says which), and logs it: never the token itself.
func (a *API) unauthorized(w http.ResponseWriter, r *http.Request, sent bool) {
	msg := "missing API token: send Authorization: Bearer TOKEN"
	if sent {
		msg = "wrong API token"
	}
	a.log.Warn("request refused: "+msg, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	w.Header().Set("WWW-Authenticate", `Bearer realm="fivechoice"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
}

// bearer extracts the token of an "Authorization: Bearer TOKEN" header (the
// scheme is case-insensitive, RFC 9110).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
