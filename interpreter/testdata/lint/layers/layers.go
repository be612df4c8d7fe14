// Package layers breaks the layering on purpose: internal/clock's TestLintRules runs
// golangci-lint over it and expects a finding on each line marked "want".
package layers

import (
	"net/http" // want depguard
)

var _ = http.MethodGet
