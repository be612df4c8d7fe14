package s3_test

import (
	"errors"
	"fmt"

	"github.com/sfnlocal/sfnlocal/services/s3"
)

// The Go API a Distributed Map's ItemReader and ResultWriter use: put, list a prefix page
// by page, get, and typed errors.
func ExampleService() {
	svc := s3.New(s3.Config{})
	_ = svc.CreateBucket("items", "")
	for _, k := range []string{"in/a.csv", "in/b.csv", "in/c.csv", "out/x.json"} {
		_, _ = svc.PutObject("items", k, []byte("id\n1\n"), s3.PutOptions{ContentType: "text/csv"})
	}
	in := s3.ListInput{Prefix: "in/", MaxKeys: 2}
	for {
		page, err := svc.ListObjects("items", in)
		if err != nil {
			panic(err)
		}
		for _, o := range page.Objects {
			fmt.Println(o.Key, o.Size(), o.ETag)
		}
		if !page.IsTruncated {
			break
		}
		in.After = page.Next
	}
	obj, _ := svc.GetObject("items", "in/a.csv")
	fmt.Printf("%s %q\n", obj.ContentType, obj.Body)
	_, err := svc.GetObject("items", "in/missing.csv")
	fmt.Println(errors.Is(err, s3.ErrNoSuchKey))
	_, err = svc.ListObjects("nobucket", s3.ListInput{})
	fmt.Println(errors.Is(err, s3.ErrNoSuchBucket))
	// Output:
	// in/a.csv 5 "bc9280dfc1d4e67233f138f5bbbf0951"
	// in/b.csv 5 "bc9280dfc1d4e67233f138f5bbbf0951"
	// in/c.csv 5 "bc9280dfc1d4e67233f138f5bbbf0951"
	// text/csv "id\n1\n"
	// true
	// true
}
