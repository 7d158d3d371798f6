// Package info describes how the Terraform docker provider is exposed as the
// Pulumi "docker" package. Tokens and property names must match the
// published @pulumi/docker SDK, which is what the program talks to.
//
// Only the bridged resources are served. The SDK's docker.Image resource is
// implemented natively by the upstream Pulumi provider and is not available
// from this build.
package info

import (
	"context"
	"runtime"
	"unicode"

	"github.com/terraform-providers/terraform-provider-docker/shim"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
)

// Version is set at link time (-X) to the SDK version this plugin serves.
var Version = "0.0.0-dev"

func res(name string) string {
	return "docker:index/" + string(unicode.ToLower(rune(name[0]))) + name[1:] + ":" + name
}

func defaultHost(context.Context, tfbridge.ComputeDefaultOptions) (interface{}, error) {
	if runtime.GOOS == "windows" {
		return "npipe:////./pipe/docker_engine", nil
	}
	return "unix:///var/run/docker.sock", nil
}

// Provider returns the bridge configuration. metadata is the bridge metadata
// produced by the schema generator (nil while generating it).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(shim.NewProvider(Version)),
		Name:         "docker",
		Description:  "A Pulumi package for interacting with Docker in Pulumi programs",
		License:      "Apache-2.0",
		Version:      Version,
		GitHubOrg:    "kreuzwerker",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{
				EnvVars:        []string{"DOCKER_HOST"},
				ComputeDefault: defaultHost,
			}},
			// The SDK names this list "registryAuth" (not pluralised) and
			// keeps it a list.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_config": {Tok: tfbridge.MakeResource("docker", "index", "ServiceConfig")},
			"docker_image": {
				Tok:    tfbridge.MakeResource("docker", "index", "RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_container": {
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: tfbridge.MakeDataSource("docker", "index", "getRemoteImage")},
		},
	}
	p.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	p.MustApplyAutoAliases()
	p.SetAutonaming(255, "-")
	return p
}
