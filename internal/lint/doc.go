// Package lint holds the repository's own static checks, run as Go tests so that they run
// wherever `go test ./...` does (golangci-lint, which `make lint` runs with .golangci.yml,
// covers only the wall-clock ban and the interpreter's imports):
// testify's require must not be called from a goroutine other than the test's (it calls
// t.FailNow, which only works on the test goroutine), and tests must not poll with sleeps.
// The wall-clock ban lives next to the clock, in internal/clock.
package lint
