/** Why an image reference is not pinned, or undefined when it is (a version tag or a digest). */
export function unpinnedReason(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const name = image.slice(image.lastIndexOf("/") + 1);
  const colon = name.indexOf(":");
  if (colon < 0) return "has no tag";
  const tag = name.slice(colon + 1);
  if (tag === "") return "has an empty tag";
  if (tag === "latest") return 'uses the "latest" tag';
  return undefined;
}
