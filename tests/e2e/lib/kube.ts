/**
 * A small client of a real kube-apiserver for the end-to-end checks: JSON over HTTPS with the
 * admin token of tools/engines.sh start-kube or start-kube-node (their kube.env).
 */
import * as fs from "node:fs";
import * as https from "node:https";

export interface KubeReply {
  readonly status: number;
  readonly body: unknown;
  /** The server's warnings (`Warning` headers), without their code. */
  readonly warnings: string[];
}

export interface KubeList<T> {
  readonly items: T[];
}

/** The parts of a Pod the checks read. */
export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
    deletionTimestamp?: string;
  };
  spec: { containers: { name: string; image: string }[] };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; containerID?: string; image: string }[];
  };
}

export class KubeClient {
  private readonly ca: Buffer;
  private readonly token: string;

  /**
   * @param env the variables of kube.env (HOMEPORT_KUBE_SERVER, _CA, _TOKEN_FILE)
   * @param token @default the admin token of HOMEPORT_KUBE_TOKEN_FILE
   */
  constructor(
    readonly env: Record<string, string>,
    token?: string,
  ) {
    this.ca = fs.readFileSync(env.HOMEPORT_KUBE_CA);
    this.token = token ?? fs.readFileSync(env.HOMEPORT_KUBE_TOKEN_FILE, "utf8").trim();
  }

  request(method: string, path: string, body?: unknown, contentType = "application/json") {
    const url = new URL(path, this.env.HOMEPORT_KUBE_SERVER);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<KubeReply>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.ca,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: "application/json",
            ...(payload ? { "Content-Type": contentType } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => {
            const header = res.headers.warning;
            const warnings = (Array.isArray(header) ? header : header ? [header] : []).map((w) =>
              w.replace(/^299 - "?|"$/g, ""),
            );
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** GET that must answer 200. */
  async get<T>(path: string): Promise<T> {
    const r = await this.request("GET", path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  }

  /** POST that must create (201) or find the object already there (409). */
  async create(path: string, body: unknown): Promise<void> {
    const r = await this.request("POST", path, body);
    if (r.status !== 201 && r.status !== 409) {
      throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }

  /** The pods of a namespace. */
  async pods(namespace: string): Promise<Pod[]> {
    return (await this.get<KubeList<Pod>>(`/api/v1/namespaces/${namespace}/pods`)).items;
  }
}

/** Running with every container ready, or a finished Job's pod. */
export const podSettled = (p: Pod): boolean =>
  p.status.phase === "Succeeded" ||
  (p.status.phase === "Running" &&
    !p.metadata.deletionTimestamp &&
    (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"));

/** One line per pod: name, phase, readiness of its containers. */
export const describePods = (pods: Pod[]): string =>
  pods
    .map(
      (p) =>
        `${p.metadata.namespace}/${p.metadata.name} ${p.status.phase} ${(p.status.containerStatuses ?? []).map((c) => `${c.name}=${c.ready ? "ready" : "not ready"}`).join(",")}`,
    )
    .join("\n");
