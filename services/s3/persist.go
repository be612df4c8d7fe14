package s3

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set, Config.Store nil). Buckets and objects go through a Store that
// writes through to the store (durableStore below); the service's own state (bucket regions,
// notification configurations, multipart uploads in progress) through the service's journal.
// Each change is written in memory order and the call returns once it is durable. Records:
//
//	s3.buckets   name              → bucketRecord
//	s3.objects   bucket "/" key    → objectRecord (everything but the bytes)
//	s3.bodies    body id           → the object's bytes, raw
//	s3.bucketcfg name              → bucketConfigRecord (LocationConstraint, notifications)
//	s3.uploads   upload id         → uploadRecord
//	s3.parts     upload id "/" %05d → partRecord (with its bytes)
//
// An object's bytes are their own record, written once per PutObject: metadata changes
// (tagging) rewrite only the small objectRecord, and nothing rewrites a whole bucket. Objects
// are loaded into memory at start, as the in-memory store keeps them.
const (
	bucketBuckets   = "s3.buckets"
	bucketObjects   = "s3.objects"
	bucketBodies    = "s3.bodies"
	bucketBucketCfg = "s3.bucketcfg"
	bucketUploads   = "s3.uploads"
	bucketParts     = "s3.parts"
)

type bucketRecord struct {
	Created time.Time `json:"created"`
}

type objectRecord struct {
	Object
	Body   []byte `json:"Body,omitempty"` // always empty: the bytes are in s3.bodies
	BodyID string `json:"bodyId"`
}

type bucketConfigRecord struct {
	Region        string `json:"region,omitempty"`
	Notifications string `json:"notifications,omitempty"` // the NotificationConfiguration as XML
}

type uploadRecord struct {
	ID, Bucket, Key string
	Initiated       time.Time
	Opts            PutOptions
	Alg             string
	ChecksumType    string
}

type partRecord struct {
	Part
}

// durableStore is the in-memory store plus a write-through of every change.
type durableStore struct {
	*memStore
	j      *journal.Journal
	log    *zap.Logger
	bodies map[*Object]string // the body record of each stored object
}

// newDurableStore loads the buckets and objects of db into memory.
func newDurableStore(db *storage.DB, log *zap.Logger) (*durableStore, error) {
	d := &durableStore{memStore: NewMemoryStore().(*memStore), j: journal.New(db), log: log, bodies: map[*Object]string{}}
	err := journal.Load(db, bucketBuckets, func(name string, r bucketRecord) error {
		d.memStore.CreateBucket(name, r.Created)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = journal.Load(db, bucketObjects, func(key string, r objectRecord) error {
		bucket := key
		for i := range len(key) {
			if key[i] == '/' {
				bucket = key[:i]
				break
			}
		}
		body, err := db.Bucket(bucketBodies).Get(r.BodyID)
		if err != nil {
			return err
		}
		obj := r.Object
		if len(body) > 0 { // an empty object keeps a nil body, as PutObject(nil) stored it
			obj.Body = body
		}
		if !d.memStore.Put(bucket, &obj) {
			return nil
		}
		d.bodies[&obj] = r.BodyID
		return nil
	})
	return d, err
}

// sync makes the queued writes durable. The Store interface has no error results, so a failed
// write is logged; the journal then refuses every later write until a restart.
func (d *durableStore) sync() {
	if err := d.j.Sync(); err != nil {
		d.log.Error("s3 store write failed", zap.Error(err))
	}
}

func (d *durableStore) CreateBucket(name string, created time.Time) bool {
	d.memStore.mu.Lock()
	if _, ok := d.buckets[name]; ok {
		d.memStore.mu.Unlock()
		return false
	}
	d.buckets[name] = &memBucket{created: created, objects: map[string]*Object{}}
	d.j.PutJSON(bucketBuckets, name, bucketRecord{Created: created})
	d.memStore.mu.Unlock()
	d.sync()
	return true
}

func (d *durableStore) DeleteBucket(name string) (ok, empty bool) {
	d.memStore.mu.Lock()
	b, ok := d.buckets[name]
	if !ok || len(b.objects) > 0 {
		d.memStore.mu.Unlock()
		return ok, false
	}
	delete(d.buckets, name)
	d.j.Delete(bucketBuckets, name)
	d.memStore.mu.Unlock()
	d.sync()
	return true, true
}

func (d *durableStore) Put(bucket string, obj *Object) bool {
	d.memStore.mu.Lock()
	b, ok := d.buckets[bucket]
	if !ok {
		d.memStore.mu.Unlock()
		return false
	}
	old := b.objects[obj.Key]
	var id string
	if old != nil && sameBytes(old.Body, obj.Body) {
		id = d.bodies[old] // the same bytes (a metadata change): keep their record
	}
	if id == "" {
		id = uuid.NewString()
		d.j.Put(bucketBodies, id, obj.Body)
		if old != nil && d.bodies[old] != "" {
			d.j.Delete(bucketBodies, d.bodies[old])
		}
	}
	delete(d.bodies, old)
	d.bodies[obj] = id
	d.j.PutJSON(bucketObjects, bucket+"/"+obj.Key, objectRecord{Object: withoutBody(obj), BodyID: id})
	d.memStore.putLocked(bucket, obj)
	d.memStore.mu.Unlock()
	d.sync()
	return true
}

// sameBytes reports whether a and b are the same memory (not merely equal).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func withoutBody(o *Object) Object {
	c := *o
	c.Body = nil
	return c
}

func (d *durableStore) Delete(bucket, key string) bool {
	d.memStore.mu.Lock()
	b, ok := d.buckets[bucket]
	if !ok {
		d.memStore.mu.Unlock()
		return false
	}
	if old := b.objects[key]; old != nil {
		d.j.Delete(bucketObjects, bucket+"/"+key)
		if id := d.bodies[old]; id != "" {
			d.j.Delete(bucketBodies, id)
		}
		delete(d.bodies, old)
	}
	d.memStore.deleteLocked(bucket, key)
	d.memStore.mu.Unlock()
	d.sync()
	return true
}

// persistBucketConfig writes a bucket's region and notification configuration. s.mu is held.
func (s *Service) persistBucketConfig(name string) {
	if !s.j.On() {
		return
	}
	r := bucketConfigRecord{Region: s.regions[name]}
	if c := s.notifications[name]; c != nil {
		b, _ := xml.Marshal(c)
		r.Notifications = string(b)
	}
	s.j.PutJSON(bucketBucketCfg, name, r)
}

func (s *Service) forgetBucketConfig(name string) {
	if s.j.On() {
		s.j.Delete(bucketBucketCfg, name)
	}
}

// persistUpload writes an upload's record; persistPart one of its parts. s.mu is held.
func (s *Service) persistUpload(u *upload) {
	if s.j.On() {
		s.j.PutJSON(bucketUploads, u.id, uploadRecord{ID: u.id, Bucket: u.bucket, Key: u.key, Initiated: u.initiated,
			Opts: u.opts, Alg: u.alg, ChecksumType: u.checksumType})
	}
}

func (s *Service) persistPart(u *upload, p *Part) {
	if s.j.On() {
		s.j.PutJSON(bucketParts, u.id+"/"+fmt.Sprintf("%05d", p.Number), partRecord{Part: *p})
	}
}

func (s *Service) forgetUpload(id string) {
	if s.j.On() {
		s.j.Delete(bucketUploads, id)
		s.j.DeletePrefix(bucketParts, id+"/")
	}
}

// load rebuilds the service's own state (the store loaded itself).
func (s *Service) load(db *storage.DB) error {
	err := journal.Load(db, bucketBucketCfg, func(name string, r bucketConfigRecord) error {
		s.regions[name] = r.Region
		if r.Notifications != "" {
			var c NotificationConfiguration
			if err := xml.Unmarshal([]byte(r.Notifications), &c); err != nil {
				return fmt.Errorf("s3: notification configuration of %s: %w", name, err)
			}
			c.XMLName = xml.Name{}
			s.notifications[name] = &c
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = journal.Load(db, bucketUploads, func(id string, r uploadRecord) error {
		s.uploads[id] = &upload{id: r.ID, bucket: r.Bucket, key: r.Key, initiated: r.Initiated, opts: r.Opts,
			alg: r.Alg, checksumType: r.ChecksumType, parts: map[int]*Part{}}
		return nil
	})
	if err != nil {
		return err
	}
	return journal.Load(db, bucketParts, func(key string, r partRecord) error {
		id, n := key, 0
		for i := len(key) - 1; i >= 0; i-- {
			if key[i] == '/' {
				id = key[:i]
				n, _ = strconv.Atoi(key[i+1:])
				break
			}
		}
		if u := s.uploads[id]; u != nil {
			p := r.Part
			p.Number = n
			u.parts[n] = &p
		}
		return nil
	})
}
