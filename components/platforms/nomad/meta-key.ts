/**
 * Nomad meta keys are interpolated as `${meta.key}` and exported as env vars, so they keep to
 * letters, digits and underscores: "homeport.dev/part" becomes "homeport_dev_part".
 */
export const nomadMetaKey = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, "_");
