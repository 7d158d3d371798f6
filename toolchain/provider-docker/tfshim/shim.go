// Package shim exposes the Terraform docker provider (SDKv2), whose
// constructor lives in an internal package of the upstream module.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	upstream "github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream SDKv2 provider.
func NewProvider(version string) *schema.Provider {
	return upstream.New(version)()
}
