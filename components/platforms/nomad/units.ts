import { Duration } from "../../model";

/** Nomad's notation of the model's units (the JSON jobspec's nanoseconds). */

/** Nanoseconds. */
export const nanoseconds = (d: Duration): number => d.ms * 1_000_000;
