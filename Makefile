# Makefile: a thin front over the CMake presets and the ci/ scripts, so that the seed's
# `make load-test` works from the repository root.
#   make             install the Debian packages and build into build/
#   make test        the unit and loopback integration tests (ci/test)
#   make load-test   the seed's load suites on the embedded services, with gate verdicts
.PHONY: all build test load-test clean
all: build
build:
	ci/build
test:
	ci/test
load-test:
	ci/load-test
clean:
	rm -rf build
