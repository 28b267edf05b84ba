"""Benchmarks behind `lookout bench NAME`; each module has `main(argv, *, settings) -> int`."""
