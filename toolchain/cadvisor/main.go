// Command cadvisor serves cAdvisor's container statistics (/metrics) and its health (/healthz)
// for the end-to-end suite, from cAdvisor's published Go modules: the container manager and the
// Prometheus collectors of github.com/google/cadvisor/lib, the Docker plugin of
// github.com/google/cadvisor. cAdvisor's own command (github.com/google/cadvisor/cmd) is a
// separate module that the module proxy does not serve and whose HTTP handlers are internal, so
// this file takes its place with the flags the monitoring part passes (upstream cmd/cadvisor.go:
// --port, --store_container_labels, --disable_metrics, --raw_cgroup_prefix_whitelist,
// --env_metadata_whitelist; --housekeeping_interval and --docker_only
// are the library's own flags). No web UI, no storage drivers.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	// The Docker engine's containers (upstream container/docker/install).
	_ "github.com/google/cadvisor/container/docker/install"
	"github.com/google/cadvisor/lib/cache/memory"
	"github.com/google/cadvisor/lib/container"
	"github.com/google/cadvisor/lib/manager"
	"github.com/google/cadvisor/lib/metrics"
	info "github.com/google/cadvisor/lib/model"
	"github.com/google/cadvisor/lib/utils/sysfs"
	"github.com/google/cadvisor/lib/version"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

var (
	port        = flag.Int("port", 8080, "port to listen on")
	storeLabels = flag.Bool("store_container_labels", true, "turn container labels into labels of the container series")
	rawPrefixes = flag.String("raw_cgroup_prefix_whitelist", "", "comma-separated cgroup path prefixes collected even with --docker_only")
	envPrefixes = flag.String("env_metadata_whitelist", "", "comma-separated environment variable prefixes collected for containers")
	// The upstream command's defaults: these metric kinds are off unless asked for.
	disabled = container.MetricSet{
		container.MemoryNumaMetrics: {}, container.NetworkTcpUsageMetrics: {},
		container.NetworkUdpUsageMetrics: {}, container.NetworkAdvancedTcpUsageMetrics: {},
		container.ProcessSchedulerMetrics: {}, container.ProcessMetrics: {},
		container.HugetlbUsageMetrics: {}, container.ReferencedMemoryMetrics: {},
		container.CPUTopologyMetrics: {}, container.ResctrlMetrics: {}, container.CPUSetMetrics: {},
	}
)

func main() {
	flag.Var(&disabled, "disable_metrics", "comma-separated metric kinds to leave out: "+container.AllMetrics.String())
	klog.InitFlags(nil)
	flag.Parse()
	included := container.AllMetrics.Difference(disabled)

	cache := memory.New(2*time.Minute, nil)
	m, err := manager.New(cache, sysfs.NewRealSysFs(), manager.HousekeepingConfigFlags, included,
		// The lists as the upstream command passes them: split flags, [""] when empty.
		strings.Split(*rawPrefixes, ","), strings.Split(*envPrefixes, ","), "", 0)
	if err != nil {
		klog.Fatalf("creating the container manager: %v", err)
	}
	if err := m.Start(); err != nil {
		klog.Fatalf("starting the container manager: %v", err)
	}

	labels := metrics.DefaultContainerLabels
	if !*storeLabels {
		labels = metrics.BaseContainerLabels(nil)
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(
		metrics.NewPrometheusCollector(m, labels, included, clock.RealClock{}, info.RequestOptions{IdType: "name", Count: 1, Recursive: true}),
		metrics.NewPrometheusMachineCollector(m, included),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := m.GetMachineInfo(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		_ = m.Stop()
		os.Exit(0)
	}()
	klog.Infof("cAdvisor %s listening on :%d", version.Info["version"], *port)
	klog.Fatal(http.ListenAndServe(fmt.Sprintf(":%d", *port), mux))
}
