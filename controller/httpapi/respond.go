package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// An apiError is an error with the HTTP status it answers with. Its
// message is meant for the client, so it says what to fix.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func fail(status int, format string, a ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, a...)}
}

// handle adapts a handler that returns an error: an *apiError answers with
// its status and message; anything else is a 500 whose detail goes to the
// log, not to the client.
func (a *API) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = fail(http.StatusInternalServerError, "internal error (see the daemon's log)")
		}
		writeJSON(w, ae.status, map[string]string{"error": ae.msg})
	})
}

// writeJSON answers with v as JSON. It returns nil even if the write
// fails: the status is sent by then, and a failed write means the client
// has gone, which is nothing to answer or log.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // live state: never cache
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
	return nil
}

// decode reads a request's JSON object into v: at most maxBody bytes, no
// unknown fields (a misspelt field silently ignored could start the wrong
// session), no key twice in any spelling ({"iti":"5s","ITI":"7s"} would
// run with whichever came last), nothing after the object.
func decode(w http.ResponseWriter, r *http.Request, maxBody int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return bodyError(err, maxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err, maxBody)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(http.StatusBadRequest, "malformed JSON: more after the object")
	}
	if key := repeatedKey(body); key != "" {
		return fail(http.StatusBadRequest, "malformed JSON: key %s given twice (keys are matched without regard to case)", key)
	}
	return nil
}

// repeatedKey returns the path of the first key that appears twice in one
// object of a valid JSON document, comparing keys as encoding/json matches
// them to fields: without regard to case.
func repeatedKey(doc []byte) string {
	key, _ := firstRepeat(json.NewDecoder(bytes.NewReader(doc)), "")
	return key
}

// firstRepeat reads one value from dec, returning the first repeated key
// in it, as a path from the document's root.
func firstRepeat(dec *json.Decoder, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return "", err
			}
			key := k.(string)
			p := strings.TrimPrefix(path+"."+key, ".")
			if seen[strings.ToLower(key)] {
				return p, nil
			}
			seen[strings.ToLower(key)] = true
			if r, err := firstRepeat(dec, p); r != "" || err != nil {
				return r, err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if r, err := firstRepeat(dec, fmt.Sprintf("%s[%d]", path, i)); r != "" || err != nil {
				return r, err
			}
		}
	default:
		return "", nil
	}
	_, err = dec.Token() // the closing delimiter
	return "", err
}

func bodyError(err error, maxBody int64) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return fail(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", maxBody)
	case errors.Is(err, io.EOF):
		return fail(http.StatusBadRequest, "malformed JSON: empty body, want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fail(http.StatusBadRequest, "malformed JSON: the body ends inside the object")
	case errors.As(err, &se):
		return fail(http.StatusBadRequest, "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return fail(http.StatusBadRequest, "malformed JSON: field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fail(http.StatusBadRequest, "malformed JSON: unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return fail(http.StatusBadRequest, "malformed JSON: %v", err)
}
