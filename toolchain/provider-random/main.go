// Command pulumi-resource-random serves the Pulumi "random" package over the
// Terraform random provider. schema-embed.json and bridge-metadata.json are
// generated next to this file by tools/toolchain.sh before building.
package main

import (
	"context"
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"homeport.local/toolchain/provider-random/info"
)

//go:embed schema-embed.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pf.Main(context.Background(), "random", info.Provider(metadata), pf.ProviderMetadata{
		PackageSchema:  schema,
		BridgeMetadata: metadata,
	})
}
