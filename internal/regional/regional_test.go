package regional

import (
	"errors"
	"sync"
	"testing"
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
