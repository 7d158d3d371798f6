// Command etcd starts an etcd server; it is the same entry point as the
// upstream etcd binary, built from the published server module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
