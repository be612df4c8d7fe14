package itemio

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
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
// {"Etag", "Key", "LastModified", "Size", "StorageClass"}, the ETag with its quotes and
// LastModified in epoch seconds written as a Java double ("1.789180622E9"; S3 keeps
// LastModified to the second, so sub-second parts are dropped). Shape, order and number format as observed on AWS (floci-io/floci pull
// request 3460, checked against Step Functions in us-east-1: {"Etag":"\"401b30e3...\"",
// "Key":"input/0001.txt","LastModified":1.789180622E9,"Size":2,"StorageClass":"STANDARD"});
// the "ItemReader (Map)" page shows the same members in the same order.
func ObjectItem(o Object) *value.Object {
	sc := o.StorageClass
	if sc == "" {
		sc = "STANDARD"
	}
	return value.ObjectFrom(listingKeys, []any{
		o.ETag,
		o.Key,
		json.Number(javaDouble(float64(o.LastModified.Unix()))),
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

// javaDouble writes f as Java's Double.toString does (and so Jackson, which AWS serializes
// with): plain decimal with at least one fraction digit for 1e-3 <= |f| < 1e7, otherwise
// computerized scientific notation "d.dddE<n>"; shortest digits that round-trip.
func javaDouble(f float64) string {
	if f == 0 {
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // "1.789180622E+09"
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(n)
}
