// Command bareserver is the floor sfnlocal's start-up is measured against: a Go HTTP server
// that answers every request, started the same way (--addr host:port).
package main

import (
	"flag"
	"net"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8083", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		panic(err)
	}
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{"stateMachines":[]}`))
	}))
}
