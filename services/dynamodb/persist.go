package dynamodb

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Durable state (Config.DB set). Each change is written through the service's journal under
// s.mu, in memory order, and Do returns only after it is durable. Records:
//
//	dynamodb.tables  name                       → tableRecord
//	dynamodb.items   name "/" len(h) ":" h r    → the item, as DynamoDB JSON
//
// Item count and size are recomputed from the items on load.
//
// Every region's tables are in the one store: the default region's (Config.Region's) in the
// buckets above, each other region's in the same buckets scoped with its name,
// "dynamodb.tables@eu-west-1" and "dynamodb.items@eu-west-1" (regional.DB; bucket base names
// never hold the "@", so two regions never share a bucket). New makes the Service of every
// region the store holds records of; the other regions' are made on first use.
const (
	bucketTables = "dynamodb.tables"
	bucketItems  = "dynamodb.items"
)

type tableRecord struct {
	Name       string          `json:"name"`
	ID         string          `json:"id"`
	Hash       [2]string       `json:"hash"`
	Range      [2]string       `json:"range,omitzero"`
	AttrDefs   json.RawMessage `json:"attrDefs"`
	KeySchema  json.RawMessage `json:"keySchema"`
	Created    time.Time       `json:"created"`
	Billing    string          `json:"billing"`
	Read       json.Number     `json:"read"`
	Write      json.Number     `json:"write"`
	DeleteProt bool            `json:"deleteProt,omitempty"`
}

func itemRecordKey(table, h, r string) string {
	return table + "/" + strconv.Itoa(len(h)) + ":" + h + r
}

// persistTable writes t's record. s.mu is held.
func (s *Service) persistTable(t *table) {
	if !s.j.On() {
		return
	}
	t.j = s.j
	defs, _ := json.Marshal(t.attrDefs)
	ks, _ := json.Marshal(t.keySchema)
	s.j.PutJSON(bucketTables, t.name, tableRecord{
		Name: t.name, ID: t.id, Hash: [2]string{t.hash.name, t.hash.typ}, Range: [2]string{t.rng.name, t.rng.typ},
		AttrDefs: defs, KeySchema: ks, Created: t.created, Billing: t.billing, Read: t.read, Write: t.write,
		DeleteProt: t.deleteProt,
	})
}

// forgetTable removes a deleted table and its items. s.mu is held.
func (s *Service) forgetTable(name string) {
	if s.j.On() {
		s.j.Delete(bucketTables, name)
		s.j.DeletePrefix(bucketItems, name+"/")
	}
}

// persistItem and forgetItem are called by put and remove, under s.mu.
func (t *table) persistItem(h, r string, item map[string]any) {
	if t.j.On() {
		t.j.PutJSON(bucketItems, itemRecordKey(t.name, h, r), item)
	}
}

func (t *table) forgetItem(h, r string) {
	if t.j.On() {
		t.j.Delete(bucketItems, itemRecordKey(t.name, h, r))
	}
}

// load rebuilds the tables and their items from the store.
func (s *Service) load(db *storage.DB) error {
	err := journal.Load(db, bucketTables, func(_ string, r tableRecord) error {
		defs, err := task.DecodePlain(r.AttrDefs)
		if err != nil {
			return err
		}
		ks, err := task.DecodePlain(r.KeySchema)
		if err != nil {
			return err
		}
		d, _ := defs.([]any)
		k, _ := ks.([]any)
		s.tables[r.Name] = &table{
			name: r.Name, id: r.ID, hash: keyAttr{r.Hash[0], r.Hash[1]}, rng: keyAttr{r.Range[0], r.Range[1]},
			attrDefs: d, keySchema: k, created: r.Created, billing: r.Billing, read: r.Read, write: r.Write,
			deleteProt: r.DeleteProt, parts: map[string]map[string]map[string]any{}, j: s.j,
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.Bucket(bucketItems).ForEach(func(key string, val []byte) error {
		name := key
		for i := range len(key) {
			if key[i] == '/' {
				name = key[:i]
				break
			}
		}
		t := s.tables[name]
		if t == nil {
			return nil
		}
		v, err := task.DecodePlain(val)
		item, ok := v.(map[string]any)
		if err != nil || !ok {
			return fmt.Errorf("dynamodb: item %s: unreadable record: %v", key, err)
		}
		h, r, e := t.itemKey(item, false)
		if e != nil {
			return fmt.Errorf("dynamodb: item %s: %s", key, e.Message)
		}
		j := t.j
		t.j = nil // loading, not writing
		t.put(h, r, item)
		t.j = j
		return nil
	})
}
