package iam

import (
	"fmt"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Every change is queued on the service's journal under s.mu,
// in the order it is made in memory, and the Handler answers only after Sync: nothing
// acknowledged is lost. Records:
//
//	iam.roles     role name   → roleRecord (with its inline policies, attached policy ARNs
//	                            and tags)
//	iam.policies  policy ARN  → policyRecord (customer managed policies)
//
// A policy's attachment count is not stored: load counts the roles that name it, so the two
// cannot disagree whatever commit a crash interrupted. AWS managed policies are never stored
// (they always exist here).
const (
	bucketRoles    = "iam.roles"
	bucketPolicies = "iam.policies"
)

// roleRecord is a role as stored.
type roleRecord struct {
	Name               string            `json:"name"`
	Path               string            `json:"path"`
	ID                 string            `json:"id"`
	Description        string            `json:"description,omitempty"`
	AssumeRolePolicy   string            `json:"assumeRolePolicy"`
	MaxSessionDuration int               `json:"maxSessionDuration"`
	Created            time.Time         `json:"created"`
	Inline             map[string]string `json:"inline,omitempty"`
	Attached           []string          `json:"attached,omitempty"`
	Tags               []Tag             `json:"tags,omitempty"`
}

// policyRecord is a customer managed policy as stored.
type policyRecord struct {
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	ID          string    `json:"id"`
	Arn         string    `json:"arn"`
	Description string    `json:"description,omitempty"`
	Document    string    `json:"document"`
	Created     time.Time `json:"created"`
}

// persistRole queues r's record. s.mu is held.
func (s *Service) persistRole(r *role) {
	if !s.j.On() {
		return
	}
	s.j.PutJSON(bucketRoles, r.Name, roleRecord{
		Name: r.Name, Path: r.Path, ID: r.ID, Description: r.Description, AssumeRolePolicy: r.AssumeRolePolicy,
		MaxSessionDuration: r.MaxSessionDuration, Created: r.Created, Inline: r.Inline, Attached: r.Attached, Tags: r.Tags,
	})
}

// forgetRole queues the removal of a deleted role. s.mu is held.
func (s *Service) forgetRole(name string) {
	if s.j.On() {
		s.j.Delete(bucketRoles, name)
	}
}

// persistPolicy queues p's record. s.mu is held.
func (s *Service) persistPolicy(p *policy) {
	if !s.j.On() {
		return
	}
	s.j.PutJSON(bucketPolicies, p.Arn, policyRecord{
		Name: p.Name, Path: p.Path, ID: p.ID, Arn: p.Arn, Description: p.Description, Document: p.Document, Created: p.Created,
	})
}

// forgetPolicy queues the removal of a deleted policy. s.mu is held.
func (s *Service) forgetPolicy(arn string) {
	if s.j.On() {
		s.j.Delete(bucketPolicies, arn)
	}
}

// load rebuilds the roles and policies from the store. A store written before IAM was
// durable has neither bucket and loads empty.
func (s *Service) load(db *storage.DB) error {
	if err := journal.Load(db, bucketPolicies, func(arn string, r policyRecord) error {
		s.policies[arn] = &policy{Name: r.Name, Path: r.Path, ID: r.ID, Description: r.Description, Document: r.Document,
			Arn: arn, Created: r.Created}
		return nil
	}); err != nil {
		return fmt.Errorf("iam: %s: %w", bucketPolicies, err)
	}
	if err := journal.Load(db, bucketRoles, func(name string, r roleRecord) error {
		inline := r.Inline
		if inline == nil {
			inline = map[string]string{}
		}
		s.roles[name] = &role{Name: name, Path: r.Path, ID: r.ID, Description: r.Description, AssumeRolePolicy: r.AssumeRolePolicy,
			MaxSessionDuration: r.MaxSessionDuration, Created: r.Created, Inline: inline, Attached: r.Attached, Tags: r.Tags}
		for _, arn := range r.Attached {
			if p := s.policies[arn]; p != nil {
				p.Attachments++
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("iam: %s: %w", bucketRoles, err)
	}
	return nil
}
