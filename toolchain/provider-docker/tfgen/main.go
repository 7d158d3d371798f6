// Command tfgen writes schema.json and bridge-metadata.json for the docker
// provider. It runs at build time only (tools/toolchain.sh).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"homeport.local/toolchain/provider-docker/info"
)

func main() {
	tfgen.Main("docker", info.Version, info.Provider(nil))
}
