# Test tools: small C programs integration tests use.
