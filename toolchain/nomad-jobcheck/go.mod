// Wrapper module of nomad-jobcheck, the checker of rendered Nomad jobs (main.go). It needs only
// the MPL-licensed github.com/hashicorp/nomad/api module, pinned to the newest pseudo-version
// the module proxy serves; github.com/hashicorp/nomad itself is not used.
//
// Build: tools/engines.sh build nomad-jobcheck
module homeport/toolchain/nomad-jobcheck

go 1.26

require github.com/hashicorp/nomad/api v0.0.0-20261016150620-df630b26e78a

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/go-viper/mapstructure/v2 v2.5.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/hashicorp/cronexpr v1.1.3 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-rootcerts v1.0.2 // indirect
	github.com/mitchellh/go-homedir v1.1.0 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
