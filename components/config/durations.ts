/** A duration longer than zero: "0s", "0d" or "0m0s" have the format, but a zero interval cannot work. */
export const positiveDuration = (value: string): boolean => /[1-9]/.test(value);
