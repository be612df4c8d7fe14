# sfnlocal — see README.md. `make run` starts the server, `make test` runs every test.
GO      ?= go
BIN     := bin/sfnlocal
ADDR    ?= 127.0.0.1:8083
PKGS    := ./...
GOFLAGS_TEST ?= -race -count=1

.PHONY: all build run test unit counts deps lint vet fmt-check golangci bench fuzz fuzz-ci clean example example-suites docker compose-test

all: build

build:
	@test -x $(BIN) || echo "Compiling bin/sfnlocal (the first build fetches and compiles the dependencies: about a minute)..."
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) ./cmd/sfnlocal

run: build
	./$(BIN) serve --addr $(ADDR)

# deps installs what the tests need on a fresh machine (Debian packages only when missing).
deps:
	@./scripts/deps.sh

test: deps lint unit fuzz-ci counts example-suites example compose-test

unit:
	$(GO) test $(GOFLAGS_TEST) $(PKGS)

# counts prints the pass counts of the runs against AWS-recorded cases and reference suites
# (go test hides a passing test's output unless -v), one line per test (the most detailed one
# it prints), and fails when README.md's list differs.
COUNT_TESTS := ^(TestConformance|TestConformanceDistributedMap|TestConformanceLambda|TestConformanceSNS|TestConformanceS3|TestReplayIntegrations|TestReplayActivities|TestValidateRecorded|TestValidateReplay|TestTestStateReplay|TestSuite|TestConformancePassChains|TestConformanceLambdaTier|TestRecordedCases|TestRecordedCalls|TestStatesIntegrationRecorded|TestRecordedExpressLogs|TestRecordedLogsCases)$$
counts:
	@mkdir -p bin
	@$(GO) test -count=1 -v -run '$(COUNT_TESTS)' ./conformance/ ./api/ ./jsonata/ ./interpreter/payload/ ./services/lambda/ ./services/sqs/ ./services/events/ ./services/dynamodb/ ./server/ \
		| grep -E '[0-9]+/[0-9]+ (cases )?passed' | sed -E 's/^ *([a-z0-9_]+\.go:[0-9]+: )?//' \
		| sort -r | awk -F': ' '!seen[$$1]++' | sort > bin/counts.txt
	@cat bin/counts.txt
	@./scripts/check-counts.sh bin/counts.txt README.md

lint: vet fmt-check golangci

# golangci runs the rules of .golangci.yml (forbidigo: no wall clock in interpreter/ and
# services/; depguard: no HTTP or Docker in interpreter/). `make deps` installs the tool.
GOLANGCI_LINT ?= $(or $(shell $(GO) env GOBIN),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)/golangci-lint
golangci:
	@test -x $(GOLANGCI_LINT) || { echo "golangci-lint not found: run make deps"; exit 1; }
	$(GOLANGCI_LINT) run $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# example-suites runs the examples' sfnlocal test suites (everything mocked: no Docker).
example-suites: build
	./$(BIN) test --junit bin/examples-junit.xml --coverage-html bin/examples-coverage.html examples/batch-with-lambda/test/suite.yaml

# example runs every sample under examples/ end to end with real containers.
example: build
	./examples/run-all.sh

# compose-test runs sfnlocal in Docker Compose with a test container driving the seed.
compose-test:
	./examples/docker-compose/run.sh

IMAGE ?= sfnlocal:latest
docker: build
	rm -rf bin/docker-context && mkdir -p bin/docker-context/tmp
	cp $(BIN) Dockerfile bin/docker-context/ && touch bin/docker-context/tmp/.keep
	./scripts/docker-build.sh $(IMAGE) bin/docker-context
	@docker image inspect -f '$(IMAGE): {{.Size}} bytes' $(IMAGE)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz-ci runs every fuzz target of the parsers that user input reaches for a fixed number of
# iterations (FUZZ_N), after its seed corpus (which plain `go test` runs too): JSONata,
# JSONPath, intrinsics, payload templates, definitions, TestState, the API decoders and the
# JSON pre-scan, the Distributed Map's item readers and the S3 request handler.
FUZZ_N ?= 1000x
FUZZ_TARGETS := ./jsonata:FuzzCompileEval ./jsonpath:FuzzParseSelect ./interpreter/intrinsics:FuzzParseEval \
	./interpreter/payload:FuzzCompileEval ./interpreter:FuzzParse ./interpreter:FuzzJSONataBoundary \
	./interpreter:FuzzTestState ./api:FuzzHandler ./internal/jsoncheck:FuzzCheck ./testrunner:FuzzParse ./interpreter/itemio:FuzzDecode ./services/s3:FuzzHandler
fuzz-ci:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZ_N) $$pkg || exit 1; done

clean:
	rm -rf bin
