// Command nomad-jobcheck checks Nomad jobs in the JSON form of the HTTP API (the `Job` object that
// POST /v1/jobs takes) without a Nomad agent.
//
//	nomad-jobcheck [-print] FILE...   (FILE "-" reads standard input)
//
// Each file holds one job. It is decoded strictly into api.Job from the MPL-licensed
// github.com/hashicorp/nomad/api module (api/jobs.go, api/tasks.go, api/services.go,
// api/resources.go, api/constraint.go): a field the API types do not have, a value of the wrong
// JSON type (a duration written as "30s" instead of nanoseconds, a count written as a string) or
// trailing data is an error. The job is then canonicalized with the module's own Job.Canonicalize,
// and the canonical job is checked for what the API types can tell: required fields, known job
// types, drivers, service providers, check types, template change modes, volume types and access
// modes, constraint operators, durations and counts. The rules follow the documented job
// specification and the server's validation in github.com/hashicorp/nomad nomad/structs/structs.go
// and nomad/structs/services.go (read, not imported: that module is not open source from 1.7 on).
//
// Every problem is printed as "FILE: job ID: where: what" on standard error; the exit status is
// 1 when there is any, 2 for a usage error. With -print the canonical job of each file is written
// to standard output, one JSON document per line.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

func main() {
	print := flag.Bool("print", false, "write each canonical job to standard output")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nomad-jobcheck [-print] FILE... (FILE - reads standard input)")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	bad := 0
	for _, name := range flag.Args() {
		var data []byte
		var err error
		if name == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			bad++
			continue
		}
		job, problems := checkJob(data)
		id := "?"
		if job != nil && job.ID != nil && *job.ID != "" {
			id = *job.ID
		}
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "%s: job %s: %s\n", name, id, p)
		}
		bad += len(problems)
		if *print && len(problems) == 0 {
			out, _ := json.Marshal(job)
			fmt.Println(string(out))
		}
	}
	if bad > 0 {
		os.Exit(1)
	}
}

// decodeStrict decodes one JSON document into api.Job, refusing unknown fields, wrong types and
// trailing data.
func decodeStrict(data []byte) (*api.Job, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var job api.Job
	if err := dec.Decode(&job); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fmt.Errorf("field %s: a JSON %s cannot be a Go %s (api.%s)", typeErr.Field, typeErr.Value, typeErr.Type, typeErr.Struct)
		}
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the job")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the job")
	}
	return &job, nil
}

// checker collects problems, each prefixed with where it was found.
type checker struct{ problems []string }

func (c *checker) add(where, format string, args ...any) {
	c.problems = append(c.problems, where+": "+fmt.Sprintf(format, args...))
}

func checkJob(data []byte) (*api.Job, []string) {
	job, err := decodeStrict(data)
	if err != nil {
		// The ID, read leniently, names the job in the message.
		var named struct{ ID *string }
		if json.NewDecoder(bytes.NewReader(data)).Decode(&named) == nil && named.ID != nil {
			return &api.Job{ID: named.ID}, []string{"decode: " + err.Error()}
		}
		return nil, []string{"decode: " + err.Error()}
	}
	c := &checker{}
	// Required before canonicalization, which would fill them in.
	if job.ID == nil || *job.ID == "" {
		c.add("job", "ID is missing")
	}
	if job.Type == nil || *job.Type == "" {
		c.add("job", "Type is missing (one of service, batch, system, sysbatch)")
	}
	job.Canonicalize()
	c.job(job)
	return job, c.problems
}

// Sets of known values. Job types: api/jobs.go; restart modes and lifecycle hooks:
// api/tasks.go; service providers: api/services.go; constraint operators: api/constraint.go and
// the job specification's constraint block.
var (
	jobTypes      = set(api.JobTypeService, api.JobTypeBatch, api.JobTypeSystem, api.JobTypeSysbatch)
	restartModes  = set(api.RestartPolicyModeDelay, api.RestartPolicyModeFail)
	hooks         = set(api.TaskLifecycleHookPrestart, api.TaskLifecycleHookPoststart, api.TaskLifecycleHookPoststop)
	providers     = set("consul", "nomad")
	drivers       = set("docker", "podman", "exec", "exec2", "raw_exec", "java", "qemu")
	checkTypes    = set("http", "tcp", "script", "grpc")
	nomadChecks   = set("http", "tcp") // the built-in catalogue runs no script or grpc checks
	changeModes   = set("noop", "restart", "signal", "script")
	volumeTypes   = set("host", "csi")
	accessModes   = set("", "single-node-reader-only", "single-node-writer", "single-node-single-writer", "single-node-multi-writer", "multi-node-reader-only", "multi-node-single-writer", "multi-node-multi-writer")
	attachModes   = set("", "file-system", "block-device")
	networkModes  = set("", "host", "bridge", "none")
	addressModes  = set("", "auto", "host", "driver", "alloc")
	updateHealth  = set("checks", "task_states", "manual")
	comparisonOps = set("=", "==", "is", "!=", "not", ">", ">=", "<", "<=", api.ConstraintRegex, api.ConstraintVersion, api.ConstraintSemver, api.ConstraintSetContains, api.ConstraintSetContainsAll, api.ConstraintSetContainsAny)
	targetOnlyOps = set(api.ConstraintAttributeIsSet, api.ConstraintAttributeIsNotSet, api.ConstraintDistinctProperty)
	// A service name after interpolation: RFC 1123 labels (nomad/structs/services.go). Names
	// holding ${...} are checked by the agent once interpolated, so they are left alone here.
	serviceName = regexp.MustCompile(`^(?i:[a-z0-9]|[a-z0-9][a-z0-9\-]{0,61}[a-z0-9])$`)
)

func set(values ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range values {
		m[v] = true
	}
	return m
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func dur(p *time.Duration) time.Duration {
	if p == nil {
		return 0
	}
	return *p
}

func (c *checker) job(j *api.Job) {
	if !jobTypes[str(j.Type)] && str(j.Type) != "" {
		c.add("job", "Type %q is not one of %s", str(j.Type), keys(jobTypes))
	}
	if p := num(j.Priority); p < 1 || p > 100 {
		c.add("job", "Priority %d is outside 1..100", p)
	}
	if len(j.Datacenters) == 0 {
		c.add("job", "Datacenters is empty")
	}
	for i, dc := range j.Datacenters {
		if dc == "" {
			c.add("job", "Datacenters[%d] is empty", i)
		}
	}
	if strings.ContainsAny(str(j.ID), " \x00") {
		c.add("job", "ID %q holds a space or a null character", str(j.ID))
	}
	c.constraints("job", j.Constraints)
	if j.Update != nil {
		c.update("job.Update", j.Update)
	}
	if len(j.TaskGroups) == 0 {
		c.add("job", "TaskGroups is empty: a job needs at least one group")
	}
	groups := map[string]bool{}
	for i, g := range j.TaskGroups {
		where := fmt.Sprintf("group[%d]", i)
		if g.Name == nil || *g.Name == "" {
			c.add(where, "Name is missing")
		} else {
			where = fmt.Sprintf("group %q", *g.Name)
			if groups[*g.Name] {
				c.add(where, "the group name is used twice")
			}
			groups[*g.Name] = true
		}
		c.group(where, j, g)
	}
}

func (c *checker) update(where string, u *api.UpdateStrategy) {
	if num(u.MaxParallel) < 0 {
		c.add(where, "MaxParallel %d is negative", num(u.MaxParallel))
	}
	if h := str(u.HealthCheck); !updateHealth[h] && h != "" {
		c.add(where, "HealthCheck %q is not one of %s", h, keys(updateHealth))
	}
	for name, d := range map[string]*time.Duration{"MinHealthyTime": u.MinHealthyTime, "HealthyDeadline": u.HealthyDeadline, "ProgressDeadline": u.ProgressDeadline, "Stagger": u.Stagger} {
		if dur(d) < 0 {
			c.add(where, "%s %s is negative", name, dur(d))
		}
	}
	if u.HealthyDeadline != nil && u.MinHealthyTime != nil && dur(u.MinHealthyTime) >= dur(u.HealthyDeadline) {
		c.add(where, "MinHealthyTime %s must be shorter than HealthyDeadline %s", dur(u.MinHealthyTime), dur(u.HealthyDeadline))
	}
	if pd := dur(u.ProgressDeadline); pd != 0 && pd < dur(u.HealthyDeadline) {
		c.add(where, "ProgressDeadline %s must be 0 or at least HealthyDeadline %s", pd, dur(u.HealthyDeadline))
	}
}

func (c *checker) constraints(where string, list []*api.Constraint) {
	for i, k := range list {
		w := fmt.Sprintf("%s constraint[%d]", where, i)
		op := k.Operand
		switch {
		case op == api.ConstraintDistinctHosts:
			// needs neither target
		case targetOnlyOps[op]:
			if k.LTarget == "" {
				c.add(w, "operator %q needs an attribute (LTarget)", op)
			}
		case comparisonOps[op]:
			if k.LTarget == "" || k.RTarget == "" {
				c.add(w, "operator %q needs an attribute (LTarget) and a value (RTarget)", op)
			}
			if op == api.ConstraintRegex {
				if _, err := regexp.Compile(k.RTarget); err != nil {
					c.add(w, "regexp %q does not compile: %v", k.RTarget, err)
				}
			}
		default:
			c.add(w, "operator %q is unknown", op)
		}
	}
}

func (c *checker) group(where string, j *api.Job, g *api.TaskGroup) {
	if num(g.Count) < 0 {
		c.add(where, "Count %d is negative", num(g.Count))
	}
	c.constraints(where, g.Constraints)
	if g.Update != nil && (str(j.Type) == api.JobTypeService || str(j.Type) == api.JobTypeSystem) {
		c.update(where+" Update", g.Update)
	}
	if r := g.RestartPolicy; r != nil {
		if !restartModes[str(r.Mode)] {
			c.add(where+" RestartPolicy", "Mode %q is not one of %s", str(r.Mode), keys(restartModes))
		}
		if num(r.Attempts) < 0 || dur(r.Delay) < 0 || dur(r.Interval) < 0 {
			c.add(where+" RestartPolicy", "Attempts, Delay and Interval must not be negative")
		}
	}
	// Port labels of the group's network, which services and checks refer to.
	ports := map[string]bool{}
	if len(g.Networks) > 1 {
		c.add(where, "%d networks: a group has at most one", len(g.Networks))
	}
	for _, n := range g.Networks {
		if !networkModes[n.Mode] && !strings.HasPrefix(n.Mode, "cni/") {
			c.add(where+" network", "Mode %q is not one of %s or cni/<name>", n.Mode, keys(networkModes))
		}
		for _, p := range append(append([]api.Port{}, n.ReservedPorts...), n.DynamicPorts...) {
			if p.Label == "" {
				c.add(where+" network", "a port has no Label")
			}
			if ports[p.Label] {
				c.add(where+" network", "port label %q is used twice", p.Label)
			}
			ports[p.Label] = true
			if p.Value < 0 || p.Value > 65535 || p.To < -1 || p.To > 65535 {
				c.add(where+" network", "port %q: Value %d or To %d is outside 0..65535", p.Label, p.Value, p.To)
			}
		}
		for _, p := range n.ReservedPorts {
			if p.Value == 0 {
				c.add(where+" network", "reserved port %q has no static Value", p.Label)
			}
		}
	}
	for name, v := range g.Volumes {
		c.volume(fmt.Sprintf("%s volume %q", where, name), name, v)
	}
	tasks := map[string]bool{}
	if len(g.Tasks) == 0 {
		c.add(where, "Tasks is empty: a group needs at least one task")
	}
	leaders := 0
	for i, t := range g.Tasks {
		tw := fmt.Sprintf("%s task[%d]", where, i)
		if t.Name == "" {
			c.add(tw, "Name is missing")
		} else {
			tw = fmt.Sprintf("%s task %q", where, t.Name)
			if tasks[t.Name] {
				c.add(tw, "the task name is used twice")
			}
			tasks[t.Name] = true
		}
		if t.Leader {
			leaders++
		}
		c.task(tw, j, g, t, ports)
	}
	if leaders > 1 {
		c.add(where, "%d tasks are leaders: at most one may be", leaders)
	}
	provider := ""
	for i, s := range g.Services {
		c.service(fmt.Sprintf("%s service[%d]", where, i), s, ports, tasks, true)
	}
	for _, s := range allServices(g) {
		if provider == "" {
			provider = s.Provider
		} else if s.Provider != provider {
			c.add(where, "services use providers %q and %q: every service of a group must use the same one", provider, s.Provider)
			break
		}
	}
}

func allServices(g *api.TaskGroup) []*api.Service {
	out := append([]*api.Service{}, g.Services...)
	for _, t := range g.Tasks {
		out = append(out, t.Services...)
	}
	return out
}

func (c *checker) volume(where, name string, v *api.VolumeRequest) {
	if v == nil {
		c.add(where, "is null")
		return
	}
	if v.Name != "" && v.Name != name {
		c.add(where, "Name %q differs from its key", v.Name)
	}
	if !volumeTypes[v.Type] {
		c.add(where, "Type %q is not one of %s", v.Type, keys(volumeTypes))
	}
	if v.Source == "" {
		c.add(where, "Source is missing")
	}
	if !accessModes[v.AccessMode] {
		c.add(where, "AccessMode %q is not one of %s", v.AccessMode, keys(accessModes))
	}
	if !attachModes[v.AttachmentMode] {
		c.add(where, "AttachmentMode %q is not one of %s", v.AttachmentMode, keys(attachModes))
	}
	if v.Type == "csi" && (v.AccessMode == "" || v.AttachmentMode == "") {
		c.add(where, "a csi volume needs AccessMode and AttachmentMode")
	}
	if v.Type == "host" && v.MountOptions != nil {
		c.add(where, "MountOptions apply to csi volumes only")
	}
}

func (c *checker) task(where string, j *api.Job, g *api.TaskGroup, t *api.Task, ports map[string]bool) {
	if t.Driver == "" {
		c.add(where, "Driver is missing")
	} else if !drivers[t.Driver] {
		c.add(where, "Driver %q is not one of %s", t.Driver, keys(drivers))
	}
	switch t.Driver {
	case "docker", "podman":
		if img, ok := t.Config["image"].(string); !ok || img == "" {
			c.add(where, "Config.image is missing: the %s driver needs an image", t.Driver)
		}
		if list, ok := t.Config["ports"].([]any); ok {
			for _, p := range list {
				if s, _ := p.(string); !ports[s] {
					c.add(where, "Config.ports names %v, which the group network does not declare", p)
				}
			}
		}
	case "exec", "exec2", "raw_exec":
		if cmd, ok := t.Config["command"].(string); !ok || cmd == "" {
			c.add(where, "Config.command is missing: the %s driver needs a command", t.Driver)
		}
	}
	c.constraints(where, t.Constraints)
	if r := t.Resources; r != nil {
		if num(r.CPU) < 1 && num(r.Cores) < 1 {
			c.add(where+" Resources", "CPU %d MHz: at least 1 (or Cores) is needed", num(r.CPU))
		}
		if num(r.CPU) > 0 && num(r.Cores) > 0 {
			c.add(where+" Resources", "CPU and Cores are exclusive")
		}
		if num(r.MemoryMB) < 10 {
			c.add(where+" Resources", "MemoryMB %d is below Nomad's minimum of 10", num(r.MemoryMB))
		}
		if r.MemoryMaxMB != nil && num(r.MemoryMaxMB) != 0 && num(r.MemoryMaxMB) < num(r.MemoryMB) {
			c.add(where+" Resources", "MemoryMaxMB %d is below MemoryMB %d", num(r.MemoryMaxMB), num(r.MemoryMB))
		}
	}
	if dur(t.KillTimeout) < 0 || t.ShutdownDelay < 0 {
		c.add(where, "KillTimeout and ShutdownDelay must not be negative")
	}
	if t.Lifecycle != nil && !hooks[t.Lifecycle.Hook] {
		c.add(where+" Lifecycle", "Hook %q is not one of %s", t.Lifecycle.Hook, keys(hooks))
	}
	if t.Lifecycle != nil && t.Lifecycle.Sidecar && t.Lifecycle.Hook == api.TaskLifecycleHookPoststop {
		c.add(where+" Lifecycle", "a poststop task cannot be a sidecar")
	}
	for i, m := range t.VolumeMounts {
		mw := fmt.Sprintf("%s volume_mount[%d]", where, i)
		if str(m.Volume) == "" {
			c.add(mw, "Volume is missing")
		} else if g.Volumes[str(m.Volume)] == nil {
			c.add(mw, "Volume %q is not declared by the group", str(m.Volume))
		}
		if str(m.Destination) == "" {
			c.add(mw, "Destination is missing")
		}
		if pm := str(m.PropagationMode); pm != "" && pm != "private" && pm != "host-to-task" && pm != "bidirectional" {
			c.add(mw, "PropagationMode %q is not one of private, host-to-task, bidirectional", pm)
		}
	}
	dests := map[string]bool{}
	for i, tp := range t.Templates {
		tw := fmt.Sprintf("%s template[%d]", where, i)
		d := str(tp.DestPath)
		if d == "" {
			c.add(tw, "DestPath is missing")
		} else if dests[d] {
			c.add(tw, "DestPath %q is used by two templates", d)
		}
		dests[d] = true
		if str(tp.SourcePath) == "" && str(tp.EmbeddedTmpl) == "" {
			c.add(tw, "neither SourcePath nor EmbeddedTmpl is set")
		}
		if str(tp.SourcePath) != "" && str(tp.EmbeddedTmpl) != "" {
			c.add(tw, "SourcePath and EmbeddedTmpl are exclusive")
		}
		mode := str(tp.ChangeMode)
		if !changeModes[mode] {
			c.add(tw, "ChangeMode %q is not one of %s", mode, keys(changeModes))
		}
		if mode == "signal" && str(tp.ChangeSignal) == "" {
			c.add(tw, "ChangeMode signal needs a ChangeSignal")
		}
		if mode == "script" && (tp.ChangeScript == nil || str(tp.ChangeScript.Command) == "") {
			c.add(tw, "ChangeMode script needs a ChangeScript with a Command")
		}
		if p := str(tp.Perms); p != "" {
			if _, err := strconv.ParseUint(p, 8, 32); err != nil {
				c.add(tw, "Perms %q is not an octal mode", p)
			}
		}
		if dur(tp.Splay) < 0 {
			c.add(tw, "Splay is negative")
		}
	}
	taskSet := map[string]bool{t.Name: true}
	for i, s := range t.Services {
		c.service(fmt.Sprintf("%s service[%d]", where, i), s, ports, taskSet, false)
	}
}

// service checks one service of a group (groupLevel) or of a task.
func (c *checker) service(where string, s *api.Service, ports, tasks map[string]bool, groupLevel bool) {
	if s.Name == "" {
		c.add(where, "Name is missing")
	} else if !strings.Contains(s.Name, "${") && !serviceName.MatchString(s.Name) {
		c.add(where, "Name %q is not a valid service name (letters, digits and dashes, 1 to 63, no leading or trailing dash)", s.Name)
	}
	if !providers[s.Provider] {
		c.add(where, "Provider %q is not one of %s", s.Provider, keys(providers))
	}
	if !addressModes[s.AddressMode] {
		c.add(where, "AddressMode %q is not one of %s", s.AddressMode, keys(addressModes))
	}
	c.portRef(where, "PortLabel", s.PortLabel, ports)
	if s.TaskName != "" && !tasks[s.TaskName] {
		c.add(where, "TaskName %q is not a task of the group", s.TaskName)
	}
	names := map[string]bool{}
	for i, k := range s.Checks {
		cw := fmt.Sprintf("%s check[%d]", where, i)
		if k.Name != "" {
			if names[k.Name] {
				c.add(cw, "check name %q is used twice in the service", k.Name)
			}
			names[k.Name] = true
		}
		if !checkTypes[k.Type] {
			c.add(cw, "Type %q is not one of %s", k.Type, keys(checkTypes))
			continue
		}
		if s.Provider == "nomad" && !nomadChecks[k.Type] {
			c.add(cw, "Type %q does not run with provider nomad (only %s); use provider consul", k.Type, keys(nomadChecks))
		}
		// nomad/structs/services.go: interval and timeout are required and at least one second.
		if k.Interval < time.Second {
			c.add(cw, "Interval %s is below 1s", k.Interval)
		}
		if k.Timeout < time.Second {
			c.add(cw, "Timeout %s is below 1s", k.Timeout)
		}
		switch k.Type {
		case "http":
			if k.Path == "" {
				c.add(cw, "an http check needs a Path")
			} else if !strings.HasPrefix(k.Path, "/") && !strings.Contains(k.Path, "${") {
				c.add(cw, "Path %q must start with /", k.Path)
			}
			if k.Protocol != "" && k.Protocol != "http" && k.Protocol != "https" {
				c.add(cw, "Protocol %q is not http or https", k.Protocol)
			}
		case "script":
			if k.Command == "" {
				c.add(cw, "a script check needs a Command")
			}
			if groupLevel && k.TaskName == "" {
				c.add(cw, "a script check of a group service needs the TaskName it runs in")
			}
		}
		if k.TaskName != "" && !tasks[k.TaskName] {
			c.add(cw, "TaskName %q is not a task of the group", k.TaskName)
		}
		if k.Type != "script" {
			c.portRef(cw, "PortLabel", k.PortLabel, ports)
		}
		if st := k.InitialStatus; st != "" && st != "passing" && st != "warning" && st != "critical" {
			c.add(cw, "InitialStatus %q is not one of passing, warning, critical", st)
		}
		if k.SuccessBeforePassing < 0 || k.FailuresBeforeCritical < 0 || k.FailuresBeforeWarning < 0 {
			c.add(cw, "the before-passing/critical/warning counts must not be negative")
		}
	}
}

// portRef: a service or check port is a label of the group network or a port number.
func (c *checker) portRef(where, field, ref string, ports map[string]bool) {
	if ref == "" || ports[ref] || strings.Contains(ref, "${") {
		return
	}
	if n, err := strconv.Atoi(ref); err == nil {
		if n < 1 || n > 65535 {
			c.add(where, "%s %d is outside 1..65535", field, n)
		}
		return
	}
	c.add(where, "%s %q is neither a port label of the group network nor a number", field, ref)
}
