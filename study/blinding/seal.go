// Package blinding keeps a blind study's key, which code stands for which
// drug and dose, out of reach of the people who must stay blind: the key
// is sealed with a passphrase held by the person who is not blind
// (AES-256-GCM under a key derived from the passphrase with Argon2id) and
// only the sealed form is stored. Unblinding, a preparer's dosing sheet
// and a rehearsal with virtual rats open it with the passphrase; nothing
// else can (docs/blinding.md).
package blinding

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// An Entry is one code of a blind study and what it stands for.
type Entry struct {
	Code        string  `json:"code"`      // the code condition, e.g. "S1/C"
	Condition   string  `json:"condition"` // the real condition's id
	Drug        string  `json:"drug"`
	DoseMgPerKg float64 `json:"dose_mg_per_kg"`
	Route       string  `json:"route,omitempty"`
	Vehicle     string  `json:"vehicle,omitempty"`
	// VolumeMlPerKg is the condition's injection volume (0: not given).
	VolumeMlPerKg float64 `json:"volume_ml_per_kg,omitempty"`
	Position      int     `json:"position"` // in the study's own order; 1 is the reference
}

// A Key is a blind study's whole key.
type Key struct {
	Study   string  `json:"study"`
	Entries []Entry `json:"entries"` // by Position
	// Seed is the design seed of a study created before keys were sealed:
	// its codes were drawn from that seed, so sealing takes the seed out
	// of the database too and keeps it here (nil for newer studies).
	Seed *uint64 `json:"seed,omitempty"`
}

// Format names the sealed form; a newer one would need a newer program.
const Format = "fivechoice-blinding-key/1"

// Argon2id cost: OWASP's first recommended setting raised to 64 MiB, so
// each guess of the passphrase costs 64 MiB of memory and 0.09 to 0.3 s
// on the project's 2-core build machine (BenchmarkOpen, docs/blinding.md).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
)

// MinPassphrase is the shortest passphrase Seal accepts: the key's
// secrecy is the passphrase's, and a short one falls to guessing.
const MinPassphrase = 10

// sealed is the stored form: everything needed to open it but the
// passphrase.
type sealed struct {
	Format     string `json:"format"`
	KDF        string `json:"kdf"` // argon2id
	Time       uint32 `json:"time"`
	MemoryKiB  uint32 `json:"memory_kib"`
	Threads    uint8  `json:"threads"`
	Salt       []byte `json:"salt"`  // 16 random bytes
	Nonce      []byte `json:"nonce"` // 12 random bytes
	Ciphertext []byte `json:"ciphertext"`
}

// ErrPassphrase is the error of opening a key with the wrong passphrase
// (or a sealed key that was altered, which GCM cannot tell apart).
var ErrPassphrase = errors.New("wrong passphrase: the key does not open with it")

// Seal encrypts k with passphrase, for storing. The study's name is bound
// in as associated data, so one study's sealed key cannot be passed off
// as another's.
func Seal(k Key, passphrase []byte) ([]byte, error) {
	if len([]rune(string(passphrase))) < MinPassphrase {
		return nil, fmt.Errorf("the passphrase must have at least %d characters", MinPassphrase)
	}
	plain, err := json.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("seal key of %s: %w", k.Study, err)
	}
	s := sealed{Format: Format, KDF: "argon2id", Time: argonTime, MemoryKiB: argonMemory, Threads: argonThreads,
		Salt: make([]byte, 16), Nonce: make([]byte, 12)}
	rand.Read(s.Salt) // never fails (crypto/rand panics rather than return short)
	rand.Read(s.Nonce)
	aead, err := s.aead(passphrase)
	if err != nil {
		return nil, err
	}
	s.Ciphertext = aead.Seal(nil, s.Nonce, plain, []byte(Format+"\x00"+k.Study))
	return json.Marshal(s)
}

// Open decrypts a key Seal made for study. A wrong passphrase gives
// ErrPassphrase.
func Open(stored []byte, study string, passphrase []byte) (Key, error) {
	var s sealed
	if err := json.Unmarshal(stored, &s); err != nil {
		return Key{}, fmt.Errorf("sealed key of %s: %w", study, err)
	}
	if s.Format != Format || s.KDF != "argon2id" || len(s.Nonce) != 12 || s.MemoryKiB > 4<<20 {
		return Key{}, fmt.Errorf("sealed key of %s: format %q, kdf %q: not one this version reads", study, s.Format, s.KDF)
	}
	aead, err := s.aead(passphrase)
	if err != nil {
		return Key{}, err
	}
	plain, err := aead.Open(nil, s.Nonce, s.Ciphertext, []byte(Format+"\x00"+study))
	if err != nil {
		return Key{}, fmt.Errorf("key of study %s: %w", study, ErrPassphrase)
	}
	var k Key
	if err := json.Unmarshal(plain, &k); err != nil {
		return Key{}, fmt.Errorf("key of %s: %w", study, err)
	}
	return k, nil
}

// aead is AES-256-GCM under the key Argon2id derives from passphrase.
func (s sealed) aead(passphrase []byte) (cipher.AEAD, error) {
	key := argon2.IDKey(passphrase, s.Salt, s.Time, s.MemoryKiB, s.Threads, 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
