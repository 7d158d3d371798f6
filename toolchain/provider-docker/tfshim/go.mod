// Exposes the upstream provider constructor, which lives in an internal
// package, under a module path that Go allows to import it. The upstream
// repository has no such package; this module supplies it.
module github.com/terraform-providers/terraform-provider-docker/shim

go 1.25.11

require github.com/terraform-providers/terraform-provider-docker v0.0.0
