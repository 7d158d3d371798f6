import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

/** Where Grafana reads provisioning files and our dashboards, in its container. */
export const GRAFANA_PATHS = {
  datasources: "/etc/grafana/provisioning/datasources/homeport.yml",
  dashboardProviders: "/etc/grafana/provisioning/dashboards/homeport.yml",
  dashboards: "/etc/grafana/dashboards",
} as const;

/** The environment variable that holds Prometheus' "host:port"; Grafana expands it at start. */
export const PROMETHEUS_ADDRESS_ENV = "PROMETHEUS_ADDRESS";

/** UID of the provisioned Prometheus data source; the dashboards refer to it. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";

/** The data source file: Prometheus, read-only, the default. */
export function renderDatasources(): string {
  return yaml.dump(
    {
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          uid: PROMETHEUS_DATASOURCE_UID,
          type: "prometheus",
          access: "proxy",
          url: `http://\${${PROMETHEUS_ADDRESS_ENV}}`,
          isDefault: true,
          editable: false,
        },
      ],
    },
    { lineWidth: -1 },
  );
}

/** The dashboard provider file: our dashboards, in their own folder, not editable in the UI. */
export function renderDashboardProviders(): string {
  return yaml.dump(
    {
      apiVersion: 1,
      providers: [
        {
          name: "homeport",
          folder: "Homeport",
          type: "file",
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: GRAFANA_PATHS.dashboards },
        },
      ],
    },
    { lineWidth: -1 },
  );
}

/** Directory of the dashboards kept in this repository. */
export const DASHBOARDS_DIR = path.join(__dirname, "dashboards");

export interface Dashboard {
  /** File name without ".json", e.g. "hosts". */
  readonly name: string;
  /** The JSON text, as committed. */
  readonly json: string;
}

/**
 * Our dashboards (hosts, containers, reverse proxy), read from the repository.
 * @throws Error naming the file when one is not valid JSON or lacks a uid and title.
 */
export function loadDashboards(dir: string = DASHBOARDS_DIR): Dashboard[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => {
      const json = fs.readFileSync(path.join(dir, file), "utf8");
      let parsed: { uid?: unknown; title?: unknown };
      try {
        parsed = JSON.parse(json) as typeof parsed;
      } catch (err) {
        throw new Error(`Dashboard ${file} is not valid JSON: ${(err as Error).message}`);
      }
      if (typeof parsed.uid !== "string" || typeof parsed.title !== "string") {
        throw new Error(`Dashboard ${file} needs a string "uid" and "title".`);
      }
      return { name: file.replace(/\.json$/, ""), json };
    });
}
