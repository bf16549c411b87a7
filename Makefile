# The README's two commands.  Everything else is a helper of these two.
#   make run   install what is missing, build, migrate, load demo data, serve on 127.0.0.1:8080
#   make test  the same set-up, then every test (unit, HTTP, fuzz, valgrind) under the sanitizers

DATA ?= var
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 60

.PHONY: run test build bootstrap bench clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized >/dev/null
	@ninja -C build

run: build
	./build/tsunagu demo --data $(DATA)
	exec ./build/tsunagu serve --data $(DATA) --listen $(LISTEN)

test: build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run

bench: build
	bench/http.sh
	bench/content.sh

clean:
	rm -rf build build-asan build-fuzz
