// Wrapper module that builds Pebble, Let's Encrypt's ACME test server, for the proxy's ACME
// checks (tests/components/proxy/traefik-acme.test.ts). Its test certificates (test/certs in the
// module) are copied beside the binary.
//
// Build: tools/engines.sh build pebble
module homeport/toolchain/pebble

go 1.26.0

require (
	github.com/go-jose/go-jose/v4 v4.1.0 // indirect
	github.com/letsencrypt/challtestsrv v1.3.2 // indirect
	github.com/letsencrypt/pebble/v2 v2.8.0
	github.com/miekg/dns v1.1.62 // indirect
	golang.org/x/mod v0.24.0 // indirect
	golang.org/x/net v0.40.0 // indirect
	golang.org/x/sync v0.14.0 // indirect
	golang.org/x/sys v0.33.0 // indirect
	golang.org/x/tools v0.33.0 // indirect
)
