"""Root pytest configuration: modules that must not be imported for doctests."""

collect_ignore = ["sklearn_ccafusion/__main__.py", "docs", "examples", "benchmarks"]
