package kms

import (
	"fmt"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Every change is queued on the service's journal under s.mu,
// in the order it is made in memory, and the Handler answers only after Sync: a key whose
// CreateKey was answered, and so any ciphertext made under it, is never lost. Records:
//
//	kms.keys     key ARN    → keyRecord (with the key's 256-bit material)
//	kms.aliases  alias ARN  → the ARN of the key it names
//
// The key material is the simulator's own secret, stored in the clear like the rest of the
// data directory: sfnlocal is a local emulator, not a key store.
const (
	bucketKeys    = "kms.keys"
	bucketAliases = "kms.aliases"
)

// keyRecord is a key as stored.
type keyRecord struct {
	Region      string    `json:"region"`
	ID          string    `json:"id"`
	Description string    `json:"description,omitempty"`
	Usage       string    `json:"usage"`
	Spec        string    `json:"spec"`
	State       string    `json:"state"`
	Created     time.Time `json:"created"`
	Deletion    time.Time `json:"deletion,omitzero"`
	Material    []byte    `json:"material"`
}

// persistKey queues k's record. s.mu is held.
func (s *Service) persistKey(k *key) {
	if !s.j.On() {
		return
	}
	s.j.PutJSON(bucketKeys, k.arn, keyRecord{Region: k.region, ID: k.id, Description: k.description, Usage: k.usage,
		Spec: k.spec, State: k.state, Created: k.created, Deletion: k.deletion, Material: k.material})
}

// persistAlias queues the alias arn naming the key target. s.mu is held.
func (s *Service) persistAlias(arn, target string) {
	if s.j.On() {
		s.j.PutJSON(bucketAliases, arn, target)
	}
}

// forgetAlias queues the removal of a deleted alias. s.mu is held.
func (s *Service) forgetAlias(arn string) {
	if s.j.On() {
		s.j.Delete(bucketAliases, arn)
	}
}

// load rebuilds the keys and aliases from the store. A store written before KMS was durable
// has neither bucket and loads empty.
func (s *Service) load(db *storage.DB) error {
	if err := journal.Load(db, bucketKeys, func(arn string, r keyRecord) error {
		if len(r.Material) != 32 || r.ID == "" || !strings.HasSuffix(arn, ":key/"+r.ID) {
			return fmt.Errorf("kms: key %s: unusable record", arn)
		}
		s.keys[arn] = &key{region: r.Region, id: r.ID, arn: arn, description: r.Description, usage: r.Usage, spec: r.Spec,
			state: r.State, created: r.Created, deletion: r.Deletion, material: r.Material}
		return nil
	}); err != nil {
		return fmt.Errorf("kms: %s: %w", bucketKeys, err)
	}
	if err := journal.Load(db, bucketAliases, func(arn string, target string) error {
		s.aliases[arn] = target
		return nil
	}); err != nil {
		return fmt.Errorf("kms: %s: %w", bucketAliases, err)
	}
	return nil
}
