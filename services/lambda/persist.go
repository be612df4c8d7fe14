package lambda

import (
	"fmt"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Functions (every version's configuration, environment and
// code), aliases and event source mappings are written through the service's journal under
// the lock that changes them, and the API answers once they are durable. Records:
//
//	lambda.functions  name         → functionRecord (all versions and aliases of a function)
//	lambda.code       CodeSha256   → the deployment package, raw (shared by versions)
//	lambda.esms       UUID         → EventSourceMapping
//
// A package is written, content-addressed, before the function that uses it; packages no
// function uses any more are removed at the next start. In-process Go functions
// (RegisterGoFunction) are code, registered again by their program at each start, and are not
// stored. An invocation cut off by a crash is not resumed: the caller sees a service error
// and Step Functions' Retry decides. The last invocations' logs (Logs) are not kept.
const (
	bucketFunctions = "lambda.functions"
	bucketCode      = "lambda.code"
	bucketESMs      = "lambda.esms"
)

type functionRecord struct {
	Name         string                        `json:"name"`
	Latest       versionRecord                 `json:"latest"`
	Versions     map[string]versionRecord      `json:"versions,omitempty"`
	Aliases      map[string]AliasConfiguration `json:"aliases,omitempty"`
	NextVersion  int                           `json:"nextVersion"`
	PublishedRev string                        `json:"publishedRev,omitempty"`
}

type versionRecord struct {
	Conf     FunctionConfiguration `json:"conf"`
	Env      map[string]string     `json:"env,omitempty"`
	ImageURI string                `json:"imageUri,omitempty"`
	Image    *ImageConfig          `json:"image,omitempty"`
}

func (v *version) record() versionRecord {
	return versionRecord{Conf: v.conf, Env: v.env, ImageURI: v.imageURI, Image: v.image}
}

// storeCode makes a deployment package durable before a function refers to it.
func (s *Service) storeCode(conf *FunctionConfiguration, zip []byte) error {
	if !s.j.On() {
		return nil
	}
	s.j.Put(bucketCode, conf.CodeSha256, zip)
	return s.j.Sync()
}

// persistFunction writes f's record. s.mu is held.
func (s *Service) persistFunction(f *function) {
	if !s.j.On() {
		return
	}
	if f.latest.goFn != nil {
		s.j.Delete(bucketFunctions, fkey(f.region, f.name))
		return
	}
	r := functionRecord{Name: f.name, Latest: f.latest.record(), NextVersion: f.nextVersion, PublishedRev: f.publishedRev,
		Versions: map[string]versionRecord{}, Aliases: map[string]AliasConfiguration{}}
	for n, v := range f.versions {
		r.Versions[n] = v.record()
	}
	for n, a := range f.aliases {
		r.Aliases[n] = a.conf
	}
	s.j.PutJSON(bucketFunctions, fkey(f.region, f.name), r) // region/name: functions are kept per region
}

func (s *Service) forgetFunction(region, name string) {
	if s.j.On() {
		s.j.Delete(bucketFunctions, fkey(region, name))
	}
}

// persistESM writes a mapping; s.esmMu is held.
func (s *Service) persistESM(m *esm) {
	if s.j.On() {
		s.j.PutJSON(bucketESMs, m.conf.UUID, m.conf)
	}
}

func (s *Service) forgetESM(uuid string) {
	if s.j.On() {
		s.j.Delete(bucketESMs, uuid)
	}
}

// load rebuilds functions (unzipping their code again) and mappings from the store. Enabled
// mappings start polling when SetQueuePoller installs the queue they poll.
func (s *Service) load(db *storage.DB) error {
	used := map[string]bool{}
	code := db.Bucket(bucketCode)
	err := journal.Load(db, bucketFunctions, func(key string, r functionRecord) error {
		region, name, ok := strings.Cut(key, "/")
		if !ok {
			region, name = s.cfg.Region, key
		}
		f := &function{region: region, name: name, versions: map[string]*version{}, aliases: map[string]*alias{},
			nextVersion: r.NextVersion, publishedRev: r.PublishedRev, logs: newLogRing()}
		dirs := map[string]string{} // CodeSha256 → unzipped folder, shared by versions
		mk := func(vr versionRecord) (*version, error) {
			v := &version{conf: vr.Conf, env: vr.Env, imageURI: vr.ImageURI, image: vr.Image, pool: s.newPool(), logs: f.logs}
			if vr.Conf.PackageType == "Image" {
				return v, nil
			}
			sha := vr.Conf.CodeSha256
			used[sha] = true
			if dir, ok := dirs[sha]; ok {
				v.codeDir = dir
				return v, nil
			}
			zip, err := code.Get(sha)
			if err != nil {
				return nil, err
			}
			if zip == nil {
				return nil, fmt.Errorf("lambda: function %s: its code %s is missing from the store", name, sha)
			}
			dir, err := s.unzipCode(zip)
			if err != nil {
				return nil, fmt.Errorf("lambda: function %s: unzip its code: %w", name, err)
			}
			dirs[sha], v.codeDir = dir, dir
			f.dirs = append(f.dirs, dir)
			return v, nil
		}
		var err error
		if f.latest, err = mk(r.Latest); err != nil {
			return err
		}
		for n, vr := range r.Versions {
			if f.versions[n], err = mk(vr); err != nil {
				return err
			}
		}
		for n, a := range r.Aliases {
			f.aliases[n] = &alias{conf: a}
		}
		s.functions[fkey(region, name)] = f
		return nil
	})
	if err != nil {
		return err
	}
	var unused []string
	err = code.ForEach(func(sha string, _ []byte) error {
		if !used[sha] {
			unused = append(unused, sha)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, sha := range unused {
		s.j.Delete(bucketCode, sha)
	}
	if err := s.j.Sync(); err != nil {
		return err
	}
	return journal.Load(db, bucketESMs, func(uuid string, c EventSourceMapping) error {
		s.esms[uuid] = &esm{conf: c}
		return nil
	})
}
