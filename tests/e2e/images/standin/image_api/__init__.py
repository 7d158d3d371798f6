"""Stand-in for the app's `image_api` package: only what the platform's bucket job imports."""
