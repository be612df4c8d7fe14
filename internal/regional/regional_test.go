package regional

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/storage"
)

type svc struct{ region string }

func TestIn(t *testing.T) {
	home := &svc{"us-east-1"}
	var set Set[*svc]
	made := 0
	mk := func(region string) (*svc, error) {
		made++
		if region == "bad-region-1" {
			return nil, errors.New("no")
		}
		return &svc{region}, nil
	}
	for _, tc := range []struct {
		region, want string
	}{
		{"", "us-east-1"}, {"us-east-1", "us-east-1"}, {"eu-west-1", "eu-west-1"}, {"eu-west-1", "eu-west-1"},
		{"bad-region-1", "us-east-1"}, {"ap-south-1", "ap-south-1"},
	} {
		if got := set.In(tc.region, home.region, home, mk); got.region != tc.want {
			t.Errorf("In(%q) = %s, want %s", tc.region, got.region, tc.want)
		}
	}
	if made != 3 { // eu-west-1 once, bad-region-1, ap-south-1
		t.Errorf("made %d instances, want 3", made)
	}
	var order []string
	set.Each(func(r string, v *svc) { order = append(order, r+"="+v.region) })
	if len(order) != 2 || order[0] != "ap-south-1=ap-south-1" || order[1] != "eu-west-1=eu-west-1" {
		t.Errorf("Each = %v", order)
	}
}

func TestInConcurrentMakesOnce(t *testing.T) {
	var set Set[*svc]
	var mu sync.Mutex
	made := 0
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			set.In("eu-west-1", "us-east-1", nil, func(r string) (*svc, error) {
				mu.Lock()
				made++
				mu.Unlock()
				return &svc{r}, nil
			})
		})
	}
	wg.Wait()
	if made != 1 {
		t.Fatalf("made %d, want 1", made)
	}
}

func TestStored(t *testing.T) {
	db, err := storage.Open(t.TempDir(), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
		if err := DB(db, region, "us-east-1").Bucket("dynamodb.tables").Put("t", []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	if DB(db, "us-east-1", "us-east-1") != db || DB(db, "", "") != db {
		t.Fatal("the home region's store is not the store itself")
	}
	// A scope named after the home region (a store started with another --region) is the home
	// instance's to ignore, not another region's.
	if err := db.Scoped("us-east-1").Bucket("dynamodb.tables").Put("t", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := DB(db, "us-west-2", "us-east-1").Bucket("ecs.clusters").Put("c", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	got, err := Stored(db, "dynamodb.", "us-east-1")
	if err != nil || len(got) != 2 || got[0] != "ap-south-1" || got[1] != "eu-west-1" {
		t.Fatalf("Stored = %v, %v", got, err)
	}
	if got, _ := Stored(nil, "dynamodb.", "us-east-1"); len(got) != 0 {
		t.Fatalf("Stored in memory mode = %v", got)
	}
}

func TestAdd(t *testing.T) {
	var set Set[*svc]
	mk := func(region string) (*svc, error) {
		if region == "bad-region-1" {
			return nil, errors.New("unreadable")
		}
		return &svc{region}, nil
	}
	for _, tc := range []struct {
		region string
		err    bool
	}{{"eu-west-1", false}, {"bad-region-1", true}, {"eu-west-1", false}} {
		v, err := set.Add(tc.region, mk)
		if (err != nil) != tc.err || (err == nil && v.region != tc.region) {
			t.Errorf("Add(%q) = %v, %v", tc.region, v, err)
		}
	}
	first, _ := set.Add("eu-west-1", mk)
	if got := set.In("eu-west-1", "us-east-1", nil, mk); got != first {
		t.Error("In made another instance than Add's")
	}
	n := 0
	set.Each(func(string, *svc) { n++ })
	if n != 1 {
		t.Errorf("%d instances, want 1 (a failed Add keeps none)", n)
	}
}

// TestAddStored: AddStored makes the instances of the regions holding state, not home's nor
// those without records, and stops at the first error.
func TestAddStored(t *testing.T) {
	db, err := storage.Open(t.TempDir(), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
		if err := DB(db, region, "us-east-1").Bucket("svc.things").Put("k", []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Scoped("sa-east-1").Bucket("other.things").Put("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	var set Set[*svc]
	var made []string
	mk := func(region string) (*svc, error) {
		made = append(made, region)
		return &svc{region}, nil
	}
	if err := set.AddStored(db, "svc.", "us-east-1", mk); err != nil || len(made) != 2 || made[0] != "ap-south-1" || made[1] != "eu-west-1" {
		t.Fatalf("AddStored made %v, %v", made, err)
	}
	var failing Set[*svc]
	err = failing.AddStored(db, "svc.", "us-east-1", func(string) (*svc, error) { return nil, errors.New("unreadable") })
	if err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Fatalf("AddStored = %v, want the instance's error", err)
	}
}
