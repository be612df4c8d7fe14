package regional

import (
	"errors"
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
		if err := DB(db, region).Bucket("dynamodb.tables").Put("t", []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Bucket("dynamodb.tables").Put("home", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := DB(db, "us-west-2").Bucket("ecs.clusters").Put("c", []byte("{}")); err != nil {
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
