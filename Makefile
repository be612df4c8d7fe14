# sfnlocal — see README.md. `make run` starts the server, `make test` runs every test.
GO      ?= go
BIN     := bin/sfnlocal
ADDR    ?= 127.0.0.1:8083
PKGS    := ./...
GOFLAGS_TEST ?= -race -count=1

.PHONY: all build run test unit deps lint vet fmt-check bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) ./cmd/sfnlocal

run: build
	./$(BIN) serve --addr $(ADDR)

# deps installs what the tests need on a fresh machine (Debian packages only when missing).
deps:
	@./scripts/deps.sh

test: deps lint unit

unit:
	$(GO) test $(GOFLAGS_TEST) $(PKGS)

lint: vet fmt-check

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin
