// Contract double of the media apps' HTTP APIs, for the wiring job's tests: one loopback server per
// app whose routes, payloads, authentication and answers (including the failures) follow the
// apps' published sources, cited per app below. It is a stand-in: it keeps state in memory and
// runs no app logic beyond the validation those sources perform.
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type AppName =
  | "sonarr"
  | "radarr"
  | "prowlarr"
  | "jackett"
  | "bazarr"
  | "jellyfin"
  | "portainer"
  | "transmission";

/** One request the double received. */
export interface Received {
  readonly app: AppName;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: http.IncomingHttpHeaders;
  /** Parsed JSON, form or multipart fields; raw text otherwise. */
  readonly body: unknown;
  /** Whether the call changed the double's state. */
  mutated: boolean;
}

/** What the double answers. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly type?: string;
  readonly headers?: Record<string, string>;
}

type Field = { order: number; name: string; value: unknown; privacy?: string; type: string };
type Provider = Record<string, unknown> & { id?: number; name: string; fields: Field[] };

const MASK = "********"; // Sonarr.Http/ClientSchema/SchemaBuilder.cs PRIVATE_VALUE

const json = (status: number, body: unknown): Answer => ({ status, body });
const text = (status: number, body: string, type = "text/plain"): Answer => ({
  status,
  body,
  type,
});
// Sonarr.Http/ErrorManagement/SonarrErrorPipeline.cs: a ValidationException becomes 400 with the
// JSON array of FluentValidation failures.
const invalid = (
  ...failures: { propertyName: string; errorMessage: string; detailedDescription?: string }[]
): Answer =>
  json(
    400,
    failures.map((f) => ({
      isWarning: false,
      propertyName: f.propertyName,
      errorMessage: f.errorMessage,
      attemptedValue: null,
      severity: "error",
      errorCode: "PredicateValidator",
      ...(f.detailedDescription ? { detailedDescription: f.detailedDescription } : {}),
    })),
  );

function field(
  order: number,
  name: string,
  value: unknown,
  type = "textbox",
  privacy = "normal",
): Field {
  return { order, name, value, type, privacy };
}

// Sonarr/Sonarr src/NzbDrone.Core/Download/Clients/Transmission/TransmissionSettings.cs (Radarr:
// the Movie* names), QBittorrent/QBittorrentSettings.cs; Indexers/Torznab/TorznabSettings.cs.
function downloadClientSchema(kind: "tv" | "movie"): Provider[] {
  const T = kind === "tv" ? "Tv" : "Movie";
  const cat = kind === "tv" ? "tv-sonarr" : "radarr";
  const common = (port: number, extra: Field[]): Field[] => [
    field(0, "host", "localhost"),
    field(1, "port", port),
    field(2, "useSsl", false, "checkbox"),
    ...extra,
    field(4, "username", null, "textbox", "userName"),
    field(5, "password", null, "password", "password"),
    field(6, `${kind}Category`, cat),
    field(7, `${kind}ImportedCategory`, null),
    field(9, `recent${T}Priority`, 0, "select"),
    field(10, `older${T}Priority`, 0, "select"),
  ];
  const template = (implementation: string, fields: Field[]): Provider => ({
    enable: true,
    protocol: "torrent",
    priority: 1,
    removeCompletedDownloads: true,
    removeFailedDownloads: true,
    name: "",
    fields,
    implementationName: implementation,
    implementation,
    configContract: `${implementation}Settings`,
    infoLink: `https://wiki.servarr.com/sonarr/supported#${implementation.toLowerCase()}`,
    tags: [],
    presets: [],
  });
  return [
    template("QBittorrent", [
      ...common(8080, [field(3, "urlBase", null)]),
      field(11, "initialState", 0, "select"),
      field(12, "sequentialOrder", false, "checkbox"),
      field(13, "firstAndLast", false, "checkbox"),
      field(14, "contentLayout", 0, "select"),
    ]),
    template("Transmission", [
      ...common(9091, [field(3, "urlBase", "/transmission/")]),
      field(8, `${kind}Directory`, null),
      field(11, "addPaused", false, "checkbox"),
    ]),
  ];
}

function indexerSchema(): Provider[] {
  return [
    {
      enableRss: true,
      enableAutomaticSearch: true,
      enableInteractiveSearch: true,
      supportsRss: true,
      supportsSearch: true,
      protocol: "torrent",
      priority: 25,
      downloadClientId: 0,
      name: "",
      fields: [
        field(0, "baseUrl", null),
        field(1, "apiPath", "/api"),
        field(2, "apiKey", null, "textbox", "apiKey"),
        field(3, "categories", [5030, 5040], "select"),
        field(4, "animeCategories", [], "select"),
        field(5, "minimumSeeders", 1, "number"),
      ],
      implementationName: "Torznab",
      implementation: "Torznab",
      configContract: "TorznabSettings",
      tags: [],
      presets: [],
    },
  ];
}

// Prowlarr/Prowlarr src/NzbDrone.Core/Applications/{Sonarr,Radarr}/*Settings.cs and
// src/Prowlarr.Api.V1/Applications/ApplicationResource.cs.
function applicationSchema(): Provider[] {
  const app = (name: "Sonarr" | "Radarr", port: number, cats: number[], anime?: number[]) => ({
    syncLevel: "addOnly",
    enable: true,
    name: "",
    fields: [
      field(0, "prowlarrUrl", "http://localhost:9696"),
      field(1, "baseUrl", `http://localhost:${port}`),
      field(2, "apiKey", null, "textbox", "apiKey"),
      field(3, "syncCategories", cats, "select"),
      ...(anime ? [field(4, "animeSyncCategories", anime, "select")] : []),
      field(6, "syncRejectBlocklistedTorrentHashesWhileGrabbing", false, "checkbox"),
    ],
    implementationName: name,
    implementation: name,
    configContract: `${name}Settings`,
    tags: [],
    presets: [],
  });
  return [
    app("Radarr", 7878, [2000, 2010, 2020, 2030, 2040, 2045, 2050, 2060, 2070, 2080, 2090]),
    app("Sonarr", 8989, [5000, 5010, 5020, 5030, 5040, 5045, 5050, 5090], [5070]),
  ];
}

/** The state a test can read and change by hand (drift). */
export interface DoubleState {
  keys: Partial<Record<AppName, string>>;
  /** Directories that "exist" on the apps' /data mount (PathExistsValidator). */
  paths: Set<string>;
  /** What the download client accepts: the live test on POST/PUT/test checks it. */
  transmission: { host: string; port: number; username: string; password: string };
  providers: Record<string, Provider[]>;
  rootFolders: Record<string, { id: number; path: string }[]>;
  /** The *arr host settings; a fresh app started with <APP>__AUTH__METHOD=Forms has no user. */
  hostConfig: Record<
    "sonarr" | "radarr" | "prowlarr",
    {
      id: number;
      authenticationMethod: string;
      authenticationRequired: string;
      username: string;
      passwordHash: string;
      apiKey: string;
      port: number;
    }
  >;
  bazarr: Record<string, Record<string, unknown>>;
  jackettIndexers: { id: string; title: string }[];
  jellyfin: {
    completed: boolean;
    config: Record<string, unknown>;
    user?: { name: string; password: string };
    tokens: Set<string>;
    folders: {
      Name: string;
      CollectionType: string;
      Locations: string[];
      LibraryOptions: unknown;
    }[];
    wizardSteps: string[];
  };
  portainer: {
    admin?: { username: string; password: string };
    jwts: Set<string>;
    endpoints: { Id: number; Name: string; Type: number; URL: string }[];
    /** Agent URLs that answer (endpoint_create.go pings the agent before saving). */
    agents: Set<string>;
  };
}

export class MediaDouble {
  readonly received: Received[] = [];
  readonly urls: Partial<Record<AppName, string>> = {};
  readonly state: DoubleState;
  private readonly servers: http.Server[] = [];
  private nextId = 1;
  private intercept?: (app: AppName, request: Received) => Answer | undefined;

  constructor(keys: Partial<Record<AppName, string>>, transmissionPassword: string) {
    this.state = {
      keys,
      paths: new Set(["/data/media/tv", "/data/media/movies", "/data/torrents"]),
      transmission: {
        host: "transmission",
        port: 9091,
        username: "homeport",
        password: transmissionPassword,
      },
      providers: {},
      rootFolders: { sonarr: [], radarr: [] },
      hostConfig: {
        sonarr: hostDefaults(keys.sonarr, 8989),
        radarr: hostDefaults(keys.radarr, 7878),
        prowlarr: hostDefaults(keys.prowlarr, 9696),
      },
      bazarr: {
        general: { use_sonarr: false, use_radarr: false },
        sonarr: { ip: "127.0.0.1", port: 8989, base_url: "/", ssl: false, apikey: "" },
        radarr: { ip: "127.0.0.1", port: 7878, base_url: "/", ssl: false, apikey: "" },
        auth: { apikey: keys.bazarr ?? "", type: null, username: "", password: "" },
      },
      jackettIndexers: [],
      jellyfin: {
        completed: false,
        config: {
          ServerName: "",
          UICulture: "en-US",
          MetadataCountryCode: "US",
          PreferredMetadataLanguage: "en",
          EnableMetrics: false,
        },
        tokens: new Set(),
        folders: [],
        wizardSteps: [],
      },
      portainer: { jwts: new Set(), endpoints: [], agents: new Set() },
    };
  }

  /**
   * Starts one server per app, on 127.0.0.1 and a free port unless told otherwise. `intercept`
   * answers a request before the apps' routes do (and unrecorded) when it returns an answer: the
   * e2e suite's control calls from its stand-ins.
   */
  async start(
    apps: readonly AppName[],
    options: {
      readonly host?: string;
      readonly port?: (app: AppName) => number;
      readonly intercept?: (app: AppName, request: Received) => Answer | undefined;
    } = {},
  ): Promise<void> {
    const host = options.host ?? "127.0.0.1";
    this.intercept = options.intercept;
    for (const app of apps) {
      const server = http.createServer((req, res) => void this.serve(app, req, res));
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port?.(app) ?? 0, host, resolve);
      });
      this.servers.push(server);
      this.urls[app] = `http://${host}:${(server.address() as AddressInfo).port}`;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }

  /** Calls that changed state, as "app METHOD path". */
  mutations(): string[] {
    return this.received.filter((r) => r.mutated).map((r) => `${r.app} ${r.method} ${r.path}`);
  }

  /** Bodies of the mutating calls to one app and path. */
  bodies(app: AppName, method: string, path: string): unknown[] {
    return this.received
      .filter((r) => r.mutated && r.app === app && r.method === method && r.path === path)
      .map((r) => r.body);
  }

  private async serve(app: AppName, req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://double");
    const type = req.headers["content-type"] ?? "";
    let body: unknown = raw;
    if (type.startsWith("application/json") && raw) body = JSON.parse(raw);
    else if (type.startsWith("application/x-www-form-urlencoded"))
      body = Object.fromEntries(new URLSearchParams(raw));
    else if (type.startsWith("multipart/form-data")) body = parseMultipart(raw, type);
    const received: Received = {
      app,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      mutated: false,
    };
    const intercepted = this.intercept?.(app, received);
    if (!intercepted) this.received.push(received);
    let answer: Answer;
    try {
      answer = intercepted ?? this.route(app, received);
    } catch (error) {
      answer = text(500, String(error));
    }
    const payload =
      answer.body === undefined
        ? ""
        : typeof answer.body === "string"
          ? answer.body
          : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(payload ? { "Content-Type": answer.type ?? "application/json" } : {}),
      ...answer.headers,
    });
    res.end(payload);
  }

  private route(app: AppName, r: Received): Answer {
    switch (app) {
      case "sonarr":
      case "radarr":
      case "prowlarr":
        return this.arr(app, r);
      case "jackett":
        return this.jackett(r);
      case "bazarr":
        return this.bazarr(r);
      case "jellyfin":
        return this.jellyfin(r);
      case "portainer":
        return this.portainer(r);
      case "transmission":
        // The torrent client's port; the job only checks that it listens. qBittorrent's WebUI API
        // answers 403 without a session cookie (qbittorrent/qBittorrent src/webui/webapplication.cpp);
        // Transmission's RPC answers 409 with X-Transmission-Session-Id (libtransmission/rpc-server).
        if (r.path.startsWith("/api/v2/")) return text(403, "Forbidden");
        return { status: 409, headers: { "X-Transmission-Session-Id": "double-session" } };
    }
  }

  // --- Sonarr / Radarr / Prowlarr ---------------------------------------------------------------
  // Sonarr.Http/Ping/PingController.cs (anonymous /ping), Sonarr.Http/Authentication/
  // ApiKeyAuthenticationHandler.cs (X-Api-Key, ?apikey=, Bearer; a wrong key is a bare 401),
  // Sonarr.Api.V3/ProviderControllerBase.cs, RootFolders/RootFolderController.cs.
  private arr(app: "sonarr" | "radarr" | "prowlarr", r: Received): Answer {
    if (r.path === "/ping") return json(200, { status: "OK" });
    const given =
      r.query.apikey ??
      (r.headers["x-api-key"] as string | undefined) ??
      r.headers.authorization?.replace("Bearer ", "");
    if (!given || given !== this.state.keys[app]) return { status: 401 };
    const api = app === "prowlarr" ? "/api/v1" : "/api/v3";
    if (!r.path.startsWith(api + "/"))
      return text(200, "<!doctype html><html>SPA</html>", "text/html");
    const [resource, second] = r.path.slice(api.length + 1).split("/");
    const providerResources: Record<string, () => Provider[]> =
      app === "prowlarr"
        ? { applications: applicationSchema }
        : {
            downloadclient: () => downloadClientSchema(app === "sonarr" ? "tv" : "movie"),
            indexer: indexerSchema,
          };
    if (resource === "rootfolder" && app !== "prowlarr") return this.rootFolder(app, r);
    if (resource === "config" && second === "host") return this.hostConfig(app, r);
    const schema = providerResources[resource];
    if (!schema) return json(404, { message: "NotFound" });
    const key = `${app}/${resource}`;
    const list = (this.state.providers[key] ??= []);
    if (r.method === "GET" && second === "schema") return json(200, schema());
    if (r.method === "GET" && second === undefined) return json(200, list.map(masked));
    if (r.method === "POST" && second === "test") {
      const body = r.body as Provider;
      const stored = list.find((p) => p.id === body.id);
      const failure = this.liveTest(app, resource, unmask(body, stored));
      return failure ?? json(200, {});
    }
    if (r.method === "POST" && second === undefined) {
      const body = r.body as Provider;
      const failure = this.validate(list, body, undefined) ?? this.liveTest(app, resource, body);
      if (failure) return failure;
      const created = { ...structuredClone(body), id: this.nextId++ };
      list.push(created);
      r.mutated = true;
      return json(201, masked(created));
    }
    if (r.method === "PUT" && second !== undefined) {
      const index = list.findIndex((p) => p.id === Number(second));
      if (index < 0) return json(404, { message: "NotFound" });
      const body = unmask(r.body as Provider, list[index]);
      const failure =
        this.validate(list, body, Number(second)) ?? this.liveTest(app, resource, body);
      if (failure) return failure;
      list[index] = { ...structuredClone(body), id: Number(second) };
      r.mutated = true;
      return json(202, masked(list[index]));
    }
    return json(405, { message: "Method Not Allowed" });
  }

  private validate(list: Provider[], body: Provider, id: number | undefined): Answer | undefined {
    if (!body.name)
      return invalid({ propertyName: "Name", errorMessage: "'Name' must not be empty." });
    if (list.some((p) => p.name.toLowerCase() === body.name.toLowerCase() && p.id !== id)) {
      return invalid({ propertyName: "Name", errorMessage: "Should be unique" });
    }
    if (!body.implementation || !body.configContract) {
      return invalid({
        propertyName: "Implementation",
        errorMessage: "'Implementation' must not be empty.",
      });
    }
    if (!Array.isArray(body.fields))
      return invalid({ propertyName: "Fields", errorMessage: "'Fields' must not be empty." });
    const f = fieldsOf(body);
    for (const cat of ["tvCategory", "movieCategory"]) {
      if (typeof f[cat] === "string" && !/^\.?[-a-z]*$/i.test(f[cat] as string)) {
        return invalid({
          propertyName: cat[0].toUpperCase() + cat.slice(1),
          errorMessage: "Allowed characters a-z and -",
        });
      }
    }
    return undefined;
  }

  // The provider's Test(): what the real one would find when it calls the other app.
  private liveTest(app: string, resource: string, body: Provider): Answer | undefined {
    const f = fieldsOf(body);
    if (resource === "downloadclient") {
      const t = this.state.transmission;
      if (f.host !== t.host || f.port !== t.port) {
        // Sonarr TransmissionBase.cs TestConnection: WebException ConnectFailure.
        return invalid({
          propertyName: "Host",
          errorMessage: "Unable to connect to Transmission",
          detailedDescription: "Please verify the hostname and port.",
        });
      }
      if (f.username !== t.username || f.password !== t.password) {
        return invalid({
          propertyName: "Username",
          errorMessage: "Authentication failure",
          detailedDescription: `Please verify your username and password. Also verify if the host running ${app === "sonarr" ? "Sonarr" : "Radarr"} isn't blocked from accessing Transmission by WhiteList limitations in the Transmission configuration.`,
        });
      }
    }
    if (resource === "applications") {
      const target = body.implementation === "Sonarr" ? "sonarr" : "radarr";
      if (f.apiKey !== this.state.keys[target] || f.baseUrl !== this.urls[target]) {
        return invalid({
          propertyName: "ApiKey",
          errorMessage: "Unable to complete application test",
        });
      }
    }
    if (resource === "indexer" && f.apiKey !== this.state.keys.jackett) {
      return invalid({ propertyName: "ApiKey", errorMessage: "Invalid API Key" });
    }
    return undefined;
  }

  // Sonarr.Api.V3/Config/HostConfigController.cs: GET gives the user name and the stored hash (a
  // stand-in hash here); PUT validates Username/Password for forms, PasswordConfirmation must
  // match, then saves and upserts the user; 202.
  private hostConfig(app: "sonarr" | "radarr" | "prowlarr", r: Received): Answer {
    const host = this.state.hostConfig[app];
    if (r.method === "GET" && r.path.endsWith("/config/host")) {
      return json(200, { ...host, password: host.passwordHash, passwordConfirmation: "" });
    }
    if (r.method === "PUT" && r.path.endsWith("/config/host/1")) {
      const body = r.body as Record<string, unknown>;
      if (body.authenticationMethod === "forms" && !body.username) {
        return invalid({ propertyName: "Username", errorMessage: "'Username' must not be empty." });
      }
      if (body.authenticationMethod === "forms" && !body.password) {
        return invalid({ propertyName: "Password", errorMessage: "'Password' must not be empty." });
      }
      if (body.password !== body.passwordConfirmation && body.password !== host.passwordHash) {
        return invalid({
          propertyName: "PasswordConfirmation",
          errorMessage: "Must match Password",
        });
      }
      this.state.hostConfig[app] = {
        ...host,
        authenticationMethod: String(body.authenticationMethod),
        authenticationRequired: String(body.authenticationRequired),
        username: String(body.username),
        passwordHash: `hash(${String(body.password).length})`,
      };
      r.mutated = true;
      return json(202, { id: 1 });
    }
    return json(405, { message: "Method Not Allowed" });
  }

  private rootFolder(app: "sonarr" | "radarr", r: Received): Answer {
    const list = this.state.rootFolders[app];
    if (r.method === "GET") {
      return json(
        200,
        list.map((x) => ({ ...x, accessible: true, freeSpace: 1e12, unmappedFolders: [] })),
      );
    }
    if (r.method === "POST") {
      const path = (r.body as { path?: string }).path ?? "";
      // NzbDrone.Core/Validation/Paths/PathExistsValidator.cs
      if (!this.state.paths.has(path))
        return invalid({ propertyName: "Path", errorMessage: `Path '${path}' does not exist` });
      if (list.some((x) => x.path === path))
        return invalid({
          propertyName: "Path",
          errorMessage: "Path is already configured as a root folder",
        });
      const created = { id: this.nextId++, path };
      list.push(created);
      r.mutated = true;
      return json(201, { ...created, accessible: true, unmappedFolders: [] });
    }
    return json(405, { message: "Method Not Allowed" });
  }

  // --- Jackett ------------------------------------------------------------------------------------
  // Jackett/Jackett src/Jackett.Server/Controllers/ResultsController.cs: RequiresApiKey (?apikey=),
  // the "all" meta indexer's t=indexers answer, XML errors.
  private jackett(r: Received): Answer {
    if (r.path === "/UI/Login") return text(200, "<html>Jackett</html>", "text/html");
    if (r.path !== "/api/v2.0/indexers/all/results/torznab/api") return { status: 404 };
    if (r.query.apikey !== this.state.keys.jackett) {
      return text(
        401,
        '<?xml version="1.0" encoding="UTF-8"?>\n<error code="100" description="Invalid API Key" />',
        "application/xml",
      );
    }
    const indexers = this.state.jackettIndexers
      .map(
        (i) =>
          `<indexer id="${i.id}" configured="true"><title>${i.title}</title><type>public</type></indexer>`,
      )
      .join("");
    return text(
      200,
      `<?xml version="1.0" encoding="UTF-8"?>\n<indexers>${indexers}</indexers>`,
      "application/xml",
    );
  }

  // --- Bazarr -------------------------------------------------------------------------------------
  // morpheus65535/bazarr bazarr/api/system/ping.py, api/utils.py authenticate (X-API-KEY, else
  // Flask's abort(401) page), api/system/settings.py (GET JSON, POST form -> 204, 406 on a
  // validator error), app/config.py save_settings ("settings-<section>-<key>", 'true'/'false',
  // integers cast) and its Validators (port gte 1 lte 65535).
  private bazarr(r: Received): Answer {
    if (r.path === "/api/system/ping") return json(200, { status: "OK" });
    const given = (r.headers["x-api-key"] as string | undefined) ?? r.query.apikey;
    if (given !== this.state.keys.bazarr) {
      return text(
        401,
        "<!doctype html>\n<html lang=en>\n<title>401 Unauthorized</title>\n<h1>Unauthorized</h1>\n<p>The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn&#39;t understand how to supply the credentials required.</p>\n",
        "text/html; charset=utf-8",
      );
    }
    if (r.path !== "/api/system/settings") return { status: 404 };
    if (r.method === "GET") return json(200, structuredClone(this.state.bazarr));
    const next = structuredClone(this.state.bazarr);
    for (const [key, rawValue] of Object.entries(r.body as Record<string, string>)) {
      const [prefix, section, name] = key.split("-");
      if (prefix !== "settings") continue;
      let value: unknown = rawValue;
      if (/^-?\d+$/.test(rawValue) && name !== "apikey") value = parseInt(rawValue, 10);
      if (value === "true") value = true;
      if (value === "false") value = false;
      if (key === "settings-auth-password" && value !== next.auth?.password) {
        value = createHash("md5").update(String(rawValue)).digest("hex");
      }
      if (name === "port" && (typeof value !== "number" || value < 1 || value > 65535)) {
        return text(406, `${section}.port must gte 1 but it is ${String(value)} in env main`);
      }
      (next[section] ??= {})[name] = value;
    }
    this.state.bazarr = next;
    r.mutated = true;
    return { status: 204 };
  }

  // --- Jellyfin -----------------------------------------------------------------------------------
  // jellyfin/jellyfin Jellyfin.Api/Controllers/StartupController.cs, UserController.cs
  // (AuthenticateByName), LibraryStructureController.cs, ConfigurationController.cs,
  // Jellyfin.Api/Auth/FirstTimeSetupPolicy/FirstTimeSetupHandler.cs, Jellyfin.Server.Implementations/
  // Security/AuthorizationContext.cs (the `MediaBrowser k="v", ...` header).
  private jellyfin(r: Received): Answer {
    const s = this.state.jellyfin;
    if (r.path === "/health") return text(200, "Healthy");
    if (r.path === "/System/Info/Public") {
      return json(200, {
        ServerName: s.config.ServerName,
        Version: "10.11.8",
        ProductName: "Jellyfin Server",
        Id: "double",
        StartupWizardCompleted: s.completed,
      });
    }
    const auth = parseMediaBrowser(r.headers.authorization);
    const admin = auth?.Token !== undefined && s.tokens.has(auth.Token);
    const firstTimeOrAdmin = !s.completed || admin;
    if (r.path.startsWith("/Startup/")) {
      if (!firstTimeOrAdmin) return { status: 401 };
      const step = `${r.method} ${r.path}`;
      s.wizardSteps.push(step);
      switch (step) {
        case "GET /Startup/Configuration": {
          const { ServerName, UICulture, MetadataCountryCode, PreferredMetadataLanguage } =
            s.config;
          return json(200, {
            ServerName,
            UICulture,
            MetadataCountryCode,
            PreferredMetadataLanguage,
          });
        }
        case "POST /Startup/Configuration":
          Object.assign(
            s.config,
            pick(r.body, [
              "ServerName",
              "UICulture",
              "MetadataCountryCode",
              "PreferredMetadataLanguage",
            ]),
          );
          r.mutated = true;
          return { status: 204 };
        case "GET /Startup/User":
          s.user ??= { name: "abc", password: "" }; // 10.11: the first read creates the user
          return json(200, { Name: s.user.name });
        case "POST /Startup/User": {
          if (!s.user) return { status: 404 };
          if (s.user.password) return { status: 403 };
          const body = r.body as { Name?: string; Password?: string };
          if (!body.Password?.trim()) return text(400, "Password must not be empty");
          s.user = { name: body.Name ?? s.user.name, password: body.Password };
          r.mutated = true;
          return { status: 204 };
        }
        case "POST /Startup/RemoteAccess":
          r.mutated = true;
          return { status: 204 };
        case "POST /Startup/Complete":
          s.completed = true;
          r.mutated = true;
          return { status: 204 };
      }
      return { status: 404 };
    }
    if (r.path === "/Users/AuthenticateByName" && r.method === "POST") {
      if (!auth?.Client || !auth.Device || !auth.DeviceId || !auth.Version) return { status: 401 };
      const body = r.body as { Username?: string; Pw?: string };
      if (
        !s.user ||
        body.Username !== s.user.name ||
        body.Pw !== s.user.password ||
        !s.user.password
      ) {
        return text(401, "Invalid username or password entered.");
      }
      const token = `tok${this.nextId++}x${Math.random().toString(16).slice(2)}`;
      s.tokens.add(token);
      return json(200, {
        User: { Name: s.user.name, Policy: { IsAdministrator: true } },
        AccessToken: token,
        ServerId: "double",
      });
    }
    if (r.path === "/System/Configuration") {
      if (!admin) return { status: 401 };
      if (r.method === "GET") return json(200, structuredClone(s.config));
      s.config = structuredClone(r.body) as Record<string, unknown>;
      r.mutated = true;
      return { status: 204 };
    }
    if (r.path.startsWith("/Library/VirtualFolders")) {
      if (!firstTimeOrAdmin) return { status: 401 };
      if (r.path === "/Library/VirtualFolders" && r.method === "GET")
        return json(200, structuredClone(s.folders));
      if (r.path === "/Library/VirtualFolders" && r.method === "POST") {
        const name = r.query.name ?? "";
        if (!/^(?:\S(?:.*\S)?)$/.test(name)) {
          return json(400, {
            title: "One or more validation errors occurred.",
            status: 400,
            errors: { name: ["Library name cannot be empty or have leading/trailing spaces."] },
          });
        }
        if (s.folders.some((f) => f.Name === name))
          return text(400, `There is already a media library with the name ${name}.`);
        const paths = (r.query.paths ?? "").split(",").filter(Boolean);
        const missing = paths.find((p) => !this.state.paths.has(p));
        if (missing) return text(400, `The path does not exist. ${missing}`);
        s.folders.push({
          Name: name,
          CollectionType: r.query.collectionType ?? "",
          Locations: paths,
          LibraryOptions: (r.body as { LibraryOptions?: unknown })?.LibraryOptions ?? {},
        });
        r.mutated = true;
        return { status: 204 };
      }
      if (r.path === "/Library/VirtualFolders/Paths" && r.method === "POST") {
        const body = r.body as { Name: string; PathInfo?: { Path: string } };
        const folder = s.folders.find((f) => f.Name === body.Name);
        if (!folder || !body.PathInfo) return { status: 404 };
        folder.Locations.push(body.PathInfo.Path);
        r.mutated = true;
        return { status: 204 };
      }
    }
    return { status: 404 };
  }

  // --- Portainer ----------------------------------------------------------------------------------
  // portainer/portainer api/http/handler/users/admin_check.go, admin_init.go, auth/authenticate.go,
  // endpoints/endpoint_create.go (multipart), endpoint_update.go, endpoint_list.go, system/
  // handler.go (public /api/system/status); errors as pkg/libhttp/error/error.go {message, details}.
  private portainer(r: Received): Answer {
    const s = this.state.portainer;
    const err = (status: number, message: string, details?: string) =>
      json(status, { message, ...(details ? { details } : {}) });
    if (r.path === "/api/system/status")
      return json(200, { Version: "2.27.9", InstanceID: "double" });
    if (r.path === "/api/users/admin/check") {
      return s.admin
        ? { status: 204 }
        : err(
            404,
            "No administrator account found inside the database",
            "Object not found inside the database",
          );
    }
    if (r.path === "/api/users/admin/init" && r.method === "POST") {
      const body = r.body as { Username?: string; Password?: string };
      if (!body.Username || /\s/.test(body.Username))
        return err(
          400,
          "Invalid request payload",
          "Invalid username. Must not contain any whitespace",
        );
      if (!body.Password) return err(400, "Invalid request payload", "Invalid password");
      if (s.admin)
        return err(
          409,
          "Unable to create administrator user",
          "An administrator user already exists",
        );
      if (body.Password.length < 12) return err(400, "Password does not meet the requirements");
      s.admin = { username: body.Username, password: body.Password };
      r.mutated = true;
      return json(200, { Id: 1, Username: body.Username, Role: 1 });
    }
    if (r.path === "/api/auth" && r.method === "POST") {
      const body = r.body as { Username?: string; Password?: string };
      if (!s.admin || body.Username !== s.admin.username || body.Password !== s.admin.password) {
        return err(422, "Invalid credentials", "Unauthorized");
      }
      const jwt = `eyJdouble.${this.nextId++}.${Math.random().toString(16).slice(2)}`;
      s.jwts.add(jwt);
      return json(200, { jwt });
    }
    const bearer = r.headers.authorization?.replace(/^Bearer /, "");
    if (!bearer || !s.jwts.has(bearer))
      return err(401, "A valid authorisation token is missing", "Unauthorized");
    if (r.path === "/api/endpoints" && r.method === "GET")
      return json(200, structuredClone(s.endpoints));
    if (r.path === "/api/endpoints" && r.method === "POST") {
      const form = r.body as Record<string, string>;
      if (!form.Name) return err(400, "Invalid request payload", "Invalid environment name");
      const type = Number(form.EndpointCreationType);
      if (![1, 2, 3, 4, 5].includes(type))
        return err(
          400,
          "Invalid request payload",
          "Invalid environment type value. Value must be one of: 1 (Docker environment), 2 (Agent environment), 3 (Azure environment), 4 (Edge Agent environment) or 5 (Local Kubernetes environment)",
        );
      if (s.endpoints.some((e) => e.Name === form.Name)) return err(409, "Name is not unique");
      let endpoint: { Id: number; Name: string; Type: number; URL: string };
      if (type === 2) {
        if (!s.agents.has(form.URL))
          return err(
            500,
            "Unable to get environment type",
            `Get "https://${form.URL.replace("tcp://", "")}/ping": dial tcp: connection refused`,
          );
        endpoint = { Id: this.nextId++, Name: form.Name, Type: 2, URL: form.URL };
      } else if (type === 5) {
        endpoint = {
          Id: this.nextId++,
          Name: form.Name,
          Type: 5,
          URL: "https://kubernetes.default.svc",
        };
      } else {
        endpoint = {
          Id: this.nextId++,
          Name: form.Name,
          Type: 1,
          URL: form.URL || "unix:///var/run/docker.sock",
        };
      }
      s.endpoints.push(endpoint);
      r.mutated = true;
      return json(200, endpoint);
    }
    const match = /^\/api\/endpoints\/(\d+)$/.exec(r.path);
    if (match && r.method === "PUT") {
      const endpoint = s.endpoints.find((e) => e.Id === Number(match[1]));
      if (!endpoint)
        return err(
          404,
          "Unable to find an environment with the specified identifier inside the database",
        );
      const body = r.body as { URL?: string; Name?: string };
      if (body.URL !== undefined) endpoint.URL = body.URL;
      if (body.Name !== undefined) endpoint.Name = body.Name;
      r.mutated = true;
      return json(200, endpoint);
    }
    return { status: 404 };
  }
}

function hostDefaults(apiKey: string | undefined, port: number) {
  return {
    id: 1,
    authenticationMethod: "forms",
    authenticationRequired: "enabled",
    username: "",
    passwordHash: "",
    apiKey: apiKey ?? "",
    port,
  };
}

function fieldsOf(p: Provider): Record<string, unknown> {
  return Object.fromEntries(p.fields.map((f) => [f.name, f.value]));
}

function isSecret(f: Field): boolean {
  return f.privacy === "apiKey" || f.privacy === "password";
}

function masked(p: Provider): Provider {
  const copy = structuredClone(p);
  for (const f of copy.fields)
    if (isSecret(f) && f.value !== null && f.value !== "") f.value = MASK;
  return copy;
}

// SchemaBuilder.ReadFromSchema: "********" keeps the stored value.
function unmask(body: Provider, stored: Provider | undefined): Provider {
  const copy = structuredClone(body);
  const before = stored ? fieldsOf(stored) : {};
  for (const f of copy.fields) if (f.value === MASK) f.value = before[f.name] ?? null;
  return copy;
}

function pick(body: unknown, keys: string[]): Record<string, unknown> {
  const source = body as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => k in source).map((k) => [k, source[k]]));
}

function parseMediaBrowser(header: string | undefined): Record<string, string> | undefined {
  if (!header) return undefined;
  const space = header.indexOf(" ");
  if (space < 0 || header.slice(0, space).toLowerCase() !== "mediabrowser") return undefined;
  const parts: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g))
    parts[m[1]] = decodeURIComponent(m[2]);
  return parts;
}

function parseMultipart(raw: string, type: string): Record<string, string> {
  const boundary = /boundary=(.+)$/.exec(type)?.[1] ?? "";
  const out: Record<string, string> = {};
  for (const part of raw.split(`--${boundary}`)) {
    const m = /name="([^"]+)"\r\n\r\n([\s\S]*)\r\n$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}
