/** Container runtime sockets: mounting one gives control of the node. */
export const RUNTIME_SOCKETS = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/var/run/containerd/containerd.sock",
  "/run/containerd/containerd.sock",
  "/var/run/crio/crio.sock",
  "/run/crio/crio.sock",
];

/** Host paths that expose the node: its config, kernel interfaces, devices, runtime state. */
export const SENSITIVE_HOST_PATHS = [
  "/",
  "/boot",
  "/dev",
  "/etc",
  "/home",
  "/proc",
  "/root",
  "/run",
  "/sys",
  "/var/lib/containerd",
  "/var/lib/docker",
  "/var/lib/kubelet",
  "/var/run",
];

const normal = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);

/** Whether `path` is one of `roots` or lies under one ("/" matches only itself). */
export function under(path: string, roots: readonly string[]): boolean {
  const p = normal(path);
  return roots.some((root) => {
    const r = normal(root);
    return p === r || (r !== "/" && p.startsWith(`${r}/`));
  });
}
