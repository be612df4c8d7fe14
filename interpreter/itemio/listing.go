package itemio

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// Object is one entry of an s3:listObjectsV2 listing.
type Object struct {
	Key string
	// ETag as S3 lists it, quotes included: "\"<md5 hex>\"".
	ETag         string
	Size         int64
	LastModified time.Time
	// StorageClass is STANDARD when empty.
	StorageClass string
}

// listingKeys is the member order of a listing item, as the "ItemReader (Map)" page shows it.
var listingKeys = []string{"Etag", "Key", "LastModified", "Size", "StorageClass"}

// ObjectItem is the item an s3:listObjectsV2 ItemReader yields for one object:
// {"Etag", "Key", "LastModified", "Size", "StorageClass"}, LastModified in epoch seconds.
func ObjectItem(o Object) *value.Object {
	sc := o.StorageClass
	if sc == "" {
		sc = "STANDARD"
	}
	return value.ObjectFrom(listingKeys, []any{
		o.ETag,
		o.Key,
		json.Number(strconv.FormatInt(o.LastModified.Unix(), 10)),
		json.Number(strconv.FormatInt(o.Size, 10)),
		sc,
	})
}

// LoadAndFlatten is the LOAD_AND_FLATTEN transformation of an s3:listObjectsV2 ItemReader:
// for each listing item (as ObjectItem builds them, in listing order) it loads the object's
// bytes with load and decodes them with cfg's InputType, yielding the items of all objects
// in turn. MaxItems counts the flattened items.
func LoadAndFlatten(cfg ReaderConfig, listing []any, load func(key string) ([]byte, error), yield func(item any) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	y := limit(cfg.MaxItems, yield)
	for _, entry := range listing {
		obj, ok := entry.(*value.Object)
		if !ok {
			return fmt.Errorf("itemio: listing entry is %s, not an object", value.TypeName(entry))
		}
		k, _ := obj.Get("Key")
		key, ok := k.(string)
		if !ok {
			return errors.New("itemio: listing entry has no Key")
		}
		body, err := load(key)
		if err != nil {
			return err
		}
		if err := decode(cfg, body, y); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	return nil
}
