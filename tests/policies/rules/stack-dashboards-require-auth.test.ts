import { stackDashboardsRequireAuth } from "../../../policies/rules/stack-dashboards-require-auth";
import { describeRule } from "../fixtures";

const DASHBOARD_WEB = { dashboards: ["web"] };

describeRule(stackDashboardsRequireAuth, [
  {
    title: "Traefik's api@internal without its basic-auth middleware",
    target: "swarm",
    workload: "proxy",
    mutate: (p) =>
      (p.labels = p.labels.filter(
        (l: { label: string }) => l.label !== "traefik.http.routers.proxy.middlewares",
      )),
    expected: [
      'Swarm service "t-proxy": dashboard route "proxy" (Host(`proxy.home.example.org`)) has no authentication: add a basic-auth or forward-auth middleware.',
    ],
  },
  {
    title: "a dashboard workload's Ingress without auth middleware",
    target: "kubernetes",
    config: DASHBOARD_WEB,
    resource: { type: "kubernetes:networking.k8s.io/v1:Ingress", name: "web-ingress" },
    mutate: (p) =>
      delete p.metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"],
    expected: [
      'Ingress "web" exposes a dashboard without authentication: reference a basicAuth or forwardAuth Middleware.',
    ],
  },
  {
    title: "a dashboard workload's Ingress with its basic-auth Middleware",
    target: "kubernetes",
    config: DASHBOARD_WEB,
    resource: { type: "kubernetes:networking.k8s.io/v1:Ingress", name: "web-ingress" },
    mutate: () => {},
    expected: [],
  },
  {
    title: "a dashboard workload's routers without auth",
    target: "nomad",
    config: DASHBOARD_WEB,
    mutate: (job) =>
      (job.TaskGroups[0].Services[0].Tags = job.TaskGroups[0].Services[0].Tags.filter(
        (t: string) => !t.startsWith("traefik.http.routers.web.middlewares"),
      )),
    expected: [
      'Nomad job "web": dashboard route "web" (Host(`web.home.example.org`)) has no authentication: add a basic-auth or forward-auth middleware.',
    ],
  },
]);
