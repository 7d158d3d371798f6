// Command pulumi-resource-docker serves the Pulumi "docker" package over the
// Terraform docker provider. schema-embed.json and bridge-metadata.json are
// generated next to this file by tools/toolchain.sh before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"homeport.local/toolchain/provider-docker/info"
)

//go:embed schema-embed.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	tfbridge.Main("docker", info.Version, info.Provider(metadata), schema)
}
