# Benchmarks (bench/README.md): run with `make bench`.
