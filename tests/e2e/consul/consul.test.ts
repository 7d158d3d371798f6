/**
 * End-to-end: a real Consul agent (`consul agent -dev`, v1.14.11 built from Go modules by
 * tools/engines.sh) holding services registered the way Nomad registers them
 * (./nomad-registration.ts), read by the real Traefik's Consul catalogue provider and routed to
 * loopback HTTP servers; `<name>.service.consul` answered on Consul's DNS port; the Prometheus
 * Consul discovery block checked by promtool; a RabbitMQ broker (Debian's rabbitmq-server) that
 * registers itself through Consul peer discovery. No Nomad agent runs (docs/e2e.md).
 *
 * The service definitions are input: the routed group services of the Nomad example stack as it
 * renders with `nomad.serviceProvider: consul` (Pulumi.nomad-example.yaml), each placed on a
 * loopback address with a host port of its own, as Nomad allocates one.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import { freePort } from "../../helpers/net";
import { ROOT } from "../lib/pulumi";
import { run, tail, waitFor } from "../lib/shell";
import {
  Engine,
  enginePath,
  ensureEngines,
  renderStackFile,
  seconds,
  startEngine,
  stopEngine,
} from "../nomad/engines";
import {
  consulPut,
  consulRegistration,
  ConsulRegistration,
  groupServices,
  NomadService,
  runScriptCheck,
} from "./nomad-registration";

const STACK_FILE = path.join(ROOT, "Pulumi.nomad-example.yaml");
const JOB_TYPE = "pulumi-nodejs:dynamic/nomad:Job";

interface Routed {
  readonly service: NomadService;
  readonly host: string;
  /** The host port Nomad would allocate for the service's port label: the instance listens there. */
  readonly port: number;
  readonly address: string;
  registration?: ConsulRegistration;
  server?: http.Server;
}

const state: {
  blocked?: string;
  engine?: Engine;
  consul?: string;
  dnsPort?: number;
  routed: Routed[];
  jobspecs: string[];
  dir?: string;
} = { routed: [], jobspecs: [] };

function needsConsul(t: TestContext): string | undefined {
  if (state.blocked) {
    t.skip(state.blocked);
    return undefined;
  }
  if (!state.consul) t.skip("the Consul agent did not start (see the failing start-up check)");
  return state.consul;
}

async function consulGet<T>(p: string): Promise<T> {
  const r = await fetch(`${state.consul}${p}`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(r.status, 200, `GET ${p}: ${r.status}`);
  return (await r.json()) as T;
}

const tagValue = (tags: string[], suffix: RegExp): string | undefined =>
  tags.map((t) => suffix.exec(t)?.[1]).find((v) => v !== undefined);

/** A loopback HTTP server that names the service it stands for. */
function backend(name: string, address: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(`${name} ${req.method} ${req.url}`);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve(server));
  });
}

const resolver = (): dns.promises.Resolver => {
  const r = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
  r.setServers([`127.0.0.1:${state.dnsPort}`]);
  return r;
};

describe(
  "e2e: services on a real Consul agent, registered by a stand-in for Nomad's Consul client",
  { concurrency: false },
  () => {
    before(async () => {
      state.blocked = await ensureEngines(["consul"]);
      if (state.blocked) return;
      state.dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-e2e-consul-test-"));
      const rendered = await renderStackFile(STACK_FILE);
      const jobs = rendered.resources
        .filter((r) => r.type === JOB_TYPE)
        .map((r) => (r.inputs as { jobspec: string }).jobspec);
      state.jobspecs = jobs;
      // The routed services: a Traefik router whose service is the workload itself.
      let n = 10;
      for (const { service } of jobs.flatMap(groupServices)) {
        const tags = service.Tags ?? [];
        const host = tagValue(tags, /^traefik\.http\.routers\.[^.]+\.rule=Host\(`([^`]+)`\)$/);
        if (!host || tags.some((t) => /\.service=.*@internal$/.test(t))) continue;
        assert.equal(service.Provider, "consul", `${service.Name} is not registered in Consul`);
        state.routed.push({ service, host, port: await freePort(), address: `127.0.0.${++n}` });
      }
    });

    after(async () => {
      for (const r of state.routed) r.server?.close();
      if (state.engine) await stopEngine(state.engine.dir);
      if (state.dir) fs.rmSync(state.dir, { recursive: true, force: true });
    });

    it("starts consul agent -dev on loopback ports", async (t) => {
      if (state.blocked) return t.skip(state.blocked);
      state.engine = await startEngine("consul");
      state.consul = state.engine.env.CONSUL_HTTP_ADDR;
      state.dnsPort = Number(state.engine.env.HOMEPORT_CONSUL_DNS_PORT);
      t.diagnostic(
        `figure consul.startup: ${seconds(state.engine.startMs)} (${state.engine.report})`,
      );
      const self = await consulGet<{ Config: { Version: string; Datacenter: string } }>(
        "/v1/agent/self",
      );
      assert.equal(self.Config.Version, "1.14.11");
      assert.equal(self.Config.Datacenter, "dc1");
    });

    it("registers the example's routed services as Nomad would; the catalogue holds them as declared", async (t) => {
      if (!needsConsul(t)) return;
      assert.deepEqual(
        state.routed.map((r) => r.service.Name).sort(),
        [
          "backend",
          "bazarr",
          "frontend",
          "grafana",
          "jellyfin",
          "portainer",
          "prowlarr",
          "radarr",
          "sonarr",
          "transmission",
        ],
        "the routed services of the Nomad example",
      );
      for (const r of state.routed) {
        r.server = await backend(r.service.Name, r.address, r.port);
        r.registration = consulRegistration(r.service, {
          allocId: `0000000${r.address.split(".")[3]}-e2e0-4000-8000-000000000000`,
          address: r.address,
          ports: { [r.service.PortLabel!]: r.port },
        });
        await consulPut(state.consul!, "service/register", r.registration);
      }
      for (const r of state.routed) {
        const [entry] = await consulGet<
          {
            ServiceID: string;
            ServiceTags: string[];
            ServiceAddress: string;
            ServicePort: number;
            ServiceMeta: Record<string, string>;
          }[]
        >(`/v1/catalog/service/${r.service.Name}`);
        assert.equal(entry.ServiceID, r.registration!.ID);
        assert.match(
          entry.ServiceID,
          new RegExp(
            `^_nomad-task-[0-9a-f-]+-group-${r.service.Name}-${r.service.PortLabel}-[0-9a-f]{6}$`,
          ),
        );
        assert.deepEqual(entry.ServiceTags, r.service.Tags);
        assert.equal(entry.ServiceAddress, r.address);
        assert.equal(entry.ServicePort, r.port);
        assert.equal(entry.ServiceMeta["external-source"], "nomad");
      }
      // Consul runs the http checks the jobspec declares against the instances: they pass.
      await waitFor(
        "every routed service's checks to pass",
        async () => {
          const failing: string[] = [];
          for (const r of state.routed) {
            const checks = await consulGet<{ Status: string; Name: string }[]>(
              `/v1/health/checks/${r.service.Name}`,
            );
            if (checks.length !== (r.service.Checks ?? []).length)
              failing.push(`${r.service.Name}: ${checks.length} checks`);
            for (const c of checks)
              if (c.Status !== "passing") failing.push(`${r.service.Name}/${c.Name}: ${c.Status}`);
          }
          return failing.length === 0 ? true : undefined;
        },
        60_000,
      );
    });

    it("<name>.service.consul answers on Consul's DNS port (A and SRV)", async (t) => {
      if (!needsConsul(t)) return;
      const dnsr = resolver();
      for (const r of state.routed) {
        assert.deepEqual(await dnsr.resolve4(`${r.service.Name}.service.consul`), [r.address]);
        const [srv] = await dnsr.resolveSrv(`${r.service.Name}.service.consul`);
        assert.equal(srv.port, r.port);
      }
      await assert.rejects(dnsr.resolve4("no-such-service.service.consul"), { code: "ENOTFOUND" });
    });

    it("a script check runs as Nomad runs it: a TTL check that passes or fails with the command", async (t) => {
      if (!needsConsul(t)) return;
      // What a command check of a worker (no port) looks like in a jobspec with provider consul.
      const marker = path.join(state.dir!, "worker-alive");
      const worker: NomadService = {
        Name: "worker",
        Provider: "consul",
        TaskName: "worker",
        Checks: [
          {
            Name: "worker-alive",
            Type: "script",
            Command: "/bin/sh",
            Args: ["-c", `test -e ${marker}`],
            Interval: 10e9,
            Timeout: 5e9,
          },
        ],
      };
      const reg = consulRegistration(worker, {
        allocId: "0000aaaa-e2e0-4000-8000-000000000000",
        address: "127.0.0.30",
        ports: {},
      });
      assert.deepEqual(
        reg.Checks.map((c) => [c.TTL, c.Status]),
        [["41s", "critical"]],
      );
      await consulPut(state.consul!, "service/register", reg);
      const status = async () =>
        (await consulGet<{ Status: string }[]>("/v1/health/checks/worker")).map((c) => c.Status);
      assert.deepEqual(await status(), ["critical"]);
      // Consul's DNS hides an instance whose check is not passing.
      await assert.rejects(resolver().resolve4("worker.service.consul"), { code: "ENOTFOUND" });
      fs.writeFileSync(marker, "");
      assert.equal(
        await runScriptCheck(state.consul!, worker.Checks![0], reg.Checks[0]),
        "passing",
      );
      assert.deepEqual(await status(), ["passing"]);
      assert.deepEqual(await resolver().resolve4("worker.service.consul"), ["127.0.0.30"]);
      fs.rmSync(marker);
      assert.equal(
        await runScriptCheck(state.consul!, worker.Checks![0], reg.Checks[0]),
        "warning",
      );
      assert.deepEqual(await status(), ["warning"]);
    });

    describe("real Traefik with its Consul catalogue provider", { concurrency: false }, () => {
      const tr: {
        bin?: string;
        blocked?: string;
        proc?: ChildProcess;
        log: string;
        websecure?: number;
        api?: number;
      } = {
        log: "",
      };

      before(async () => {
        if (state.blocked || !state.consul) return;
        // From the cache, or built into it (tests/e2e/images/build-traefik.sh); with
        // HOMEPORT_E2E_NO_BUILD=1 a missing binary skips these checks instead.
        const found = await run("bash", [path.join(ROOT, "tests/e2e/images/build-traefik.sh")], {
          timeoutMs: 60 * 60_000,
        });
        if (found.status !== 0) {
          tr.blocked = `no Traefik binary: ${tail(found.stderr, 2)}`;
          return;
        }
        tr.bin = found.stdout.trim();
        tr.websecure = await freePort();
        const web = await freePort();
        tr.api = await freePort();
        tr.proc = spawn(
          tr.bin,
          [
            `--entrypoints.web.address=127.0.0.1:${web}`,
            `--entrypoints.websecure.address=127.0.0.1:${tr.websecure}`,
            `--entrypoints.traefik.address=127.0.0.1:${tr.api}`,
            "--api.insecure=true",
            "--providers.consulcatalog=true",
            `--providers.consulcatalog.endpoint.address=${state.consul!.replace(/^http:\/\//, "")}`,
            "--providers.consulcatalog.exposedByDefault=false",
            "--providers.consulcatalog.refreshInterval=1s",
            "--log.level=INFO",
            // No traffic leaves the machine: no release check, no usage report.
            "--global.checkNewVersion=false",
            "--global.sendAnonymousUsage=false",
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        tr.proc.stdout?.on("data", (d: Buffer) => (tr.log += d.toString()));
        tr.proc.stderr?.on("data", (d: Buffer) => (tr.log += d.toString()));
      });
      after(() => tr.proc?.kill());

      function needsTraefik(t: TestContext): boolean {
        if (!needsConsul(t)) return false;
        if (tr.blocked) t.skip(tr.blocked);
        return !tr.blocked;
      }

      const get = (host: string, p: string) =>
        new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
          (resolve, reject) => {
            const req = https.request(
              {
                host: "127.0.0.1",
                port: tr.websecure,
                path: p,
                servername: host,
                headers: { Host: host },
                rejectUnauthorized: false,
                timeout: 5000,
              },
              (res) => {
                let body = "";
                res.on("data", (d: Buffer) => (body += d.toString()));
                res.on("end", () =>
                  resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
                );
              },
            );
            req.on("error", reject);
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.end();
          },
        );

      it("reads every routed service's router from the catalogue, as the tags declare it", async (t) => {
        if (!needsTraefik(t)) return;
        const started = Date.now();
        type Router = {
          name: string;
          rule: string;
          status: string;
          entryPoints: string[];
          tls?: object;
          middlewares?: string[];
          service: string;
        };
        const routers = await waitFor(
          "Traefik to read the routers from Consul",
          async () => {
            const r = await fetch(`http://127.0.0.1:${tr.api}/api/http/routers`).catch(
              () => undefined,
            );
            if (!r?.ok) return undefined;
            const list = ((await r.json()) as Router[]).filter((x) =>
              x.name.endsWith("@consulcatalog"),
            );
            return list.length === state.routed.length ? list : undefined;
          },
          60_000,
        ).catch((err: Error) => assert.fail(`${err.message}\n${tail(tr.log, 20)}`));
        t.diagnostic(
          `figure consul.traefik-routes: ${routers.length} routers in ${seconds(Date.now() - started)}`,
        );
        for (const r of state.routed) {
          const tags = r.service.Tags ?? [];
          const router = routers.find((x) => x.name === `${r.service.Name}@consulcatalog`);
          assert.ok(router, `no router for ${r.service.Name}`);
          assert.equal(router.status, "enabled");
          assert.equal(router.rule, `Host(\`${r.host}\`)`);
          assert.deepEqual(router.entryPoints, ["websecure"]);
          assert.ok(router.tls);
          assert.equal(router.service, r.service.Name);
          const declared = tagValue(
            tags,
            /^traefik\.http\.routers\.[^.]+\.middlewares=(.+)$/,
          )!.split(",");
          assert.deepEqual(
            router.middlewares,
            declared.map((m) => `${m}@consulcatalog`),
          );
        }
      });

      it("routes each host over websecure to its instance, with the declared headers", async (t) => {
        if (!needsTraefik(t)) return;
        for (const r of state.routed) {
          // A route behind the proxy's basic auth (Transmission) must refuse a request without
          // credentials: its 401 with Traefik's challenge proves the route and the middleware.
          const guarded = (r.service.Tags ?? []).some((x) => x.includes(".basicauth.users="));
          const reply = await waitFor(
            `a route to ${r.service.Name}`,
            async () => {
              const res = await get(r.host, "/e2e").catch(() => undefined);
              return res?.status === (guarded ? 401 : 200) ? res : undefined;
            },
            30_000,
          ).catch((err: Error) => assert.fail(`${err.message}\n${tail(tr.log, 20)}`));
          if (guarded) {
            assert.match(String(reply.headers["www-authenticate"]), /^Basic realm=/);
            continue;
          }
          assert.equal(reply.body, `${r.service.Name} GET /e2e`);
          const tags = r.service.Tags ?? [];
          if (tags.some((x) => x.includes(".headers.frameDeny=true"))) {
            assert.equal(reply.headers["x-frame-options"], "DENY");
            assert.equal(
              reply.headers["strict-transport-security"],
              "max-age=31536000; includeSubDomains",
            );
          }
        }
        assert.equal((await get("unknown.lab.example.net", "/")).status, 404);
      });

      it(
        "a second instance on another dynamic host port (bridge network, as the example renders) is routed at its registered port",
        // Traefik's catalogue providers would take a server.port tag over the registered port
        // (traefik/traefik v3.6.7 pkg/provider/consulcatalog/config.go addServer): the rendered
        // tags name none, so Traefik dials the host port Nomad registered.
        async (t) => {
          if (!needsTraefik(t)) return;
          const r = state.routed.find((x) => x.service.Name === "backend")!;
          const hostPort = await freePort();
          const server = await backend("backend-dynamic", "127.0.0.40", hostPort);
          try {
            const reg = consulRegistration(r.service, {
              allocId: "0000bbbb-e2e0-4000-8000-000000000000",
              address: "127.0.0.40",
              ports: { [r.service.PortLabel!]: hostPort },
            });
            await consulPut(state.consul!, "service/register", reg);
            const urls = await waitFor(
              "Traefik to see the second backend instance",
              async () => {
                const res = await fetch(
                  `http://127.0.0.1:${tr.api}/api/http/services/backend@consulcatalog`,
                );
                const svc = (await res.json()) as {
                  loadBalancer?: { servers?: { url: string }[] };
                };
                const list = (svc.loadBalancer?.servers ?? []).map((s) => s.url);
                return list.length === 2 ? list : undefined;
              },
              30_000,
            );
            assert.ok(
              urls.includes(`http://127.0.0.40:${hostPort}`),
              `Traefik's servers: ${urls.join(", ")}`,
            );
            await consulPut(state.consul!, `service/deregister/${encodeURIComponent(reg.ID)}`);
          } finally {
            server.close();
          }
        },
      );
    });

    describe("a RabbitMQ broker with Consul peer discovery (Debian's rabbitmq-server)", () => {
      const RABBIT = "/usr/lib/rabbitmq/bin/rabbitmq-server";
      const procs: ChildProcess[] = [];
      after(() => {
        for (const p of procs.reverse()) if (p.pid) process.kill(-p.pid, "SIGTERM");
      });

      it("registers itself in Consul with a passing TTL check", async (t) => {
        if (!needsConsul(t)) return;
        if (!fs.existsSync(RABBIT) || spawnSync("epmd", ["-help"]).error) {
          return t.skip(`no ${RABBIT} and epmd (apt-get install rabbitmq-server)`);
        }
        // The broker configuration the example renders for its first member (the rabbitmq-0
        // job's conf template, with Consul peer discovery), with only what this machine needs in
        // place of the node's: a loopback listener and address. Consul's host and port come from
        // CONSUL_HOST / CONSUL_PORT, as the job's env sets them (rabbitmq-server
        // deps/rabbitmq_peer_discovery_consul/include/rabbit_peer_discovery_consul.hrl).
        const spec = state.jobspecs.find((j) => JSON.parse(j).ID === "rabbitmq-0");
        assert.ok(spec, "the example renders no rabbitmq-0 job");
        const job = JSON.parse(spec) as {
          TaskGroups: {
            Tasks: {
              Env: Record<string, string>;
              Templates?: { DestPath: string; EmbeddedTmpl: string }[];
            }[];
          }[];
        };
        const task = job.TaskGroups[0].Tasks[0];
        const rendered = task.Templates!.find((tp) => tp.DestPath === "local/conf")!;
        const dir = path.join(state.dir!, "rabbitmq");
        fs.mkdirSync(dir);
        const [amqp, dist, epmdPort] = [await freePort(), await freePort(), await freePort()];
        const consulUrl = new URL(state.consul!);
        const local: Record<string, string> = {
          "listeners.tcp.default": `127.0.0.1:${amqp}`,
          "cluster_formation.consul.svc_addr": "127.0.0.1",
          "cluster_formation.consul.svc_port": String(amqp),
        };
        for (const key of Object.keys(local)) {
          assert.match(rendered.EmbeddedTmpl, new RegExp(`^${key.replace(/\./g, "\\.")} = `, "m"));
        }
        assert.match(
          rendered.EmbeddedTmpl,
          /^cluster_formation\.peer_discovery_backend = consul$/m,
        );
        // Debian's 3.10.8 has no `default_queue_type` key in its configuration schema (the stack's
        // 4.1.4 image has): that one line is left out here.
        const tooNew = "default_queue_type = quorum";
        assert.match(rendered.EmbeddedTmpl, new RegExp(`^${tooNew}$`, "m"));
        const conf = rendered.EmbeddedTmpl.split("\n")
          .filter((line) => line !== tooNew)
          .map((line) => {
            const key = line.split(" = ")[0];
            return key in local ? `${key} = ${local[key]}` : line;
          })
          .join("\n");
        assert.deepEqual(
          [task.Env.CONSUL_HOST, task.Env.CONSUL_PORT, task.Env.CONSUL_SCHEME],
          ["consul.lab.example.net", "8500", "http"],
        );
        fs.writeFileSync(path.join(dir, "rabbitmq.conf"), conf);
        fs.writeFileSync(path.join(dir, "enabled_plugins"), "[rabbitmq_peer_discovery_consul].\n");
        const env = {
          ...process.env,
          CONSUL_HOST: consulUrl.hostname,
          CONSUL_PORT: consulUrl.port,
          CONSUL_SCHEME: "http",
          HOME: dir,
          ERL_EPMD_PORT: String(epmdPort),
          RABBITMQ_NODENAME: "e2e@localhost",
          RABBITMQ_CONFIG_FILE: path.join(dir, "rabbitmq.conf"),
          RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, "enabled_plugins"),
          RABBITMQ_MNESIA_BASE: path.join(dir, "mnesia"),
          RABBITMQ_LOG_BASE: path.join(dir, "log"),
          RABBITMQ_DIST_PORT: String(dist),
        };
        // epmd runs in the foreground as our child, so that nothing outlives the test.
        procs.push(
          spawn("epmd", ["-port", String(epmdPort)], { env, detached: true, stdio: "ignore" }),
        );
        let log = "";
        const broker = spawn(RABBIT, [], {
          env,
          cwd: dir,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
        });
        broker.stdout?.on("data", (d: Buffer) => (log += d.toString()));
        broker.stderr?.on("data", (d: Buffer) => (log += d.toString()));
        procs.push(broker);
        const started = Date.now();
        type Entry = { ServiceID: string; ServiceAddress: string; ServicePort: number };
        const [entry] = await waitFor(
          "the broker to register in Consul",
          async () => {
            const list = await consulGet<Entry[]>("/v1/catalog/service/rabbitmq-peers");
            return list.length > 0 ? list : undefined;
          },
          120_000,
        ).catch((err: Error) => assert.fail(`${err.message}\n${tail(log, 20)}`));
        assert.deepEqual(
          [entry.ServiceID, entry.ServiceAddress, entry.ServicePort],
          ["rabbitmq-peers:127.0.0.1", "127.0.0.1", amqp],
        );
        const checks = await waitFor(
          "the broker's TTL check to pass",
          async () => {
            const list = await consulGet<{ CheckID: string; Status: string }[]>(
              "/v1/health/checks/rabbitmq-peers",
            );
            return list.some((c) => c.Status === "passing") ? list : undefined;
          },
          60_000,
        );
        assert.deepEqual(
          checks.map((c) => [c.CheckID, c.Status]),
          [["service:rabbitmq-peers:127.0.0.1", "passing"]],
        );
        t.diagnostic(
          `figure consul.rabbitmq: registered and passing in ${seconds(Date.now() - started)}`,
        );
        assert.deepEqual(await resolver().resolve4("rabbitmq-peers.service.consul"), ["127.0.0.1"]);
      });
    });

    it("promtool accepts the Prometheus Consul discovery block", async (t) => {
      if (!needsConsul(t)) return;
      // The scrape job the monitoring part renders for Nomad's catalogue, with Consul's discovery
      // in its place: tags arrive joined as ",a,b," in __meta_consul_tags, as in __meta_nomad_tags.
      const config = path.join(state.dir!, "prometheus.yml");
      fs.writeFileSync(
        config,
        [
          "scrape_configs:",
          "  - job_name: workloads",
          "    consul_sd_configs:",
          `      - server: ${state.consul!.replace(/^http:\/\//, "")}`,
          "        datacenter: dc1",
          "        refresh_interval: 30s",
          "    relabel_configs:",
          "      - source_labels: [__meta_consul_tags]",
          "        regex: '.*,homeport_dev_metrics_path=([^,]+),.*'",
          "        target_label: __metrics_path__",
          "      - source_labels: [__meta_consul_service]",
          "        target_label: workload",
          "      - source_labels: [__meta_consul_node]",
          "        target_label: node",
          "",
        ].join("\n"),
      );
      // The upstream promtool (tools/engines.sh: built with Consul discovery), else the one on PATH.
      const missing = await ensureEngines(["promtool"]);
      const promtool = missing === undefined ? await enginePath("promtool") : "promtool";
      const version = spawnSync(promtool, ["--version"], { encoding: "utf8" });
      if (missing !== undefined && version.status !== 0) {
        return t.skip(
          `no upstream promtool (${missing}) and none on PATH (tools/install-check-tools.sh)`,
        );
      }
      assert.equal(version.status, 0, `${promtool} --version: ${version.stderr}`);
      const which = version.stdout.split("\n")[0];
      t.diagnostic(`${which} (${promtool})`);
      const r = spawnSync(promtool, ["check", "config", config], { encoding: "utf8" });
      if (missing !== undefined && /field consul_sd_configs not found/.test(r.stdout + r.stderr)) {
        return t.skip(
          `no upstream promtool (${missing}); this one (${which}) is built without Consul discovery, as Debian builds it`,
        );
      }
      assert.equal(r.status, 0, r.stdout + r.stderr);
      // The upstream promtool also runs the discovery against the agent.
      const sd = spawnSync(promtool, ["check", "service-discovery", config, "workloads"], {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(sd.status, 0, sd.stderr);
      // Its output: one entry per target, the labels before and after relabelling (upstream
      // github.com/prometheus/prometheus cmd/promtool/sd.go, sdCheckResult).
      const targets = (JSON.parse(sd.stdout) as { labels: Record<string, string> }[]).map(
        ({ labels }) => `${labels.workload} ${labels.instance}`,
      );
      assert.notEqual(state.routed.length, 0, "no routed service was registered");
      for (const r of state.routed) {
        const registered = `${r.service.Name} ${r.registration!.Address}:${r.registration!.Port}`;
        assert.ok(
          targets.includes(registered),
          `${registered} not discovered: ${targets.join(", ")}`,
        );
      }
    });
  },
);
