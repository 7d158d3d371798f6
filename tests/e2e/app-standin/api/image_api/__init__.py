"""Stand-in for the upstream app's `image_api` package (tests/e2e/app-standin/README.md)."""
