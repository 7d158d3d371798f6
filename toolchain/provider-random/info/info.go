// Package info describes how the Terraform random provider is exposed as the
// Pulumi "random" package. The tokens and names must match the published
// @pulumi/random SDK, which is what the program talks to.
package info

import (
	"context"
	"fmt"

	"github.com/terraform-providers/terraform-provider-random/shim"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Version is set at link time (-X) to the SDK version this plugin serves.
var Version = "0.0.0-dev"

// Provider returns the bridge configuration. metadata is the bridge metadata
// produced by the schema generator (nil while generating it).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		License:      "Apache-2.0",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			// Old states of random_string carry schema version 0 although
			// they already have the version 1 shape.
			"random_string": {PreStateUpgradeHook: stringStateUpgrade},
			// random_bytes has no natural id; the SDK expects its base64 value.
			"random_bytes": {ComputeID: bytesID},
		},
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}
	// random_password -> random:index/randomPassword:RandomPassword, etc.
	tok := func(module, name string) (string, error) {
		return tokens.MakeStandard("random")(module, "Random"+name)
	}
	p.MustComputeTokens(tokens.SingleModule("random_", "index", tok))
	p.MustApplyAutoAliases()
	return p
}

func stringStateUpgrade(a tfbridge.PreStateUpgradeHookArgs) (int64, resource.PropertyMap, error) {
	if a.PriorStateSchemaVersion == 0 {
		return 1, a.PriorState, nil
	}
	return a.PriorStateSchemaVersion, a.PriorState, nil
}

func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v, ok := state["base64"]
	if !ok {
		return "", fmt.Errorf("random_bytes state has no base64 property")
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", fmt.Errorf("random_bytes base64 property is not a string")
	}
	return resource.ID(v.StringValue()), nil
}
