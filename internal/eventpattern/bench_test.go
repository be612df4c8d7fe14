package eventpattern

import (
	"testing"
)

// BenchmarkMatch matches a compiled pattern with several operators against a decoded event.
func BenchmarkMatch(b *testing.B) {
	p, err := Compile(`{"source":["aws.ec2","aws.s3"],"detail":{"state":[{"anything-but":["pending","running"]}],"c-count":[{"numeric":[">",0,"<=",5]}],"FileName":[{"suffix":".png"}],"$or":[{"location":[{"prefix":"us-"}]},{"flag":[true]}]}}`)
	if err != nil {
		b.Fatal(err)
	}
	v, err := decode([]byte(docEvent))
	if err != nil {
		b.Fatal(err)
	}
	ev := v.(map[string]any)
	if !p.Match(ev) {
		b.Fatal("no match")
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

// BenchmarkCompile compiles a pattern.
func BenchmarkCompile(b *testing.B) {
	const text = `{"source":["aws.ec2"],"detail":{"state":[{"anything-but":{"prefix":"pend"}}],"n":[{"numeric":[">=",1]}],"ip":[{"cidr":"10.0.0.0/8"}]}}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(text); err != nil {
			b.Fatal(err)
		}
	}
}
