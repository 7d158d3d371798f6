// Command tfgen writes schema.json and bridge-metadata.json for the random
// provider. It runs at build time only (tools/toolchain.sh).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"homeport.local/toolchain/provider-random/info"
)

func main() {
	tfgen.Main("random", info.Version, info.Provider(nil))
}
