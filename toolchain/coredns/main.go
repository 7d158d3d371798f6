// Wrapper module that builds CoreDNS, the cluster DNS of the test node, with only the plugins
// its Corefile uses (tools/engines.sh, start-kube-node). Upstream's own command is
// github.com/coredns/coredns/coredns.go, which links every plugin of core/plugin/zplugin.go
// (cloud DNS providers among them); the plugins here are a subset of that list, and
// core/dnsserver/zdirectives.go still orders them.
//
// Build: tools/engines.sh build coredns
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/core/dnsserver"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() { coremain.Run() }
